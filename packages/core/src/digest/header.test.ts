import { describe, expect, it } from 'vitest';
import { inferSeverity, levelSeverity, stripHeader } from './header.js';

describe('header stripping', () => {
  it.each([
    [
      '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster',
      'Created MRAppMaster',
      'info',
    ],
    [
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating',
      'PacketResponder 1 terminating',
      'info',
    ],
    [
      '17/06/09 20:10:40 WARN spark.SecurityManager: Changing view acls to: yarn',
      'Changing view acls to: yarn',
      'warning',
    ],
    [
      '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6',
      'mod_jk child workerEnv in error state 6',
      'error',
    ],
    [
      '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt',
      'data TLB error interrupt',
      'fatal',
    ],
    ['2026-01-02T03:04:05.123Z ERROR db.Pool - connection lost', 'connection lost', 'error'],
  ])('strips %s', (line, content, severity) => {
    expect(stripHeader(line)).toMatchObject({ content, severity });
  });

  it.each([
    [
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; uid=0',
      'authentication failure; uid=0',
    ],
    ['Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster', 'Invalid user webmaster'],
    ['Jul  1 09:01:05 host-10-1 com.apple.CDScheduler[43]: Thermal pressure', 'Thermal pressure'],
    ['Jun 14 15:16:01 combo logrotate: ALERT exited abnormally', 'ALERT exited abnormally'],
  ])('strips the syslog prefix of %s', (line, content) => {
    const stripped = stripHeader(line);
    expect(stripped.content).toBe(content);
    expect(stripped.severity).toBeUndefined();
  });

  it('leaves a line with no header alone', () => {
    expect(stripHeader('Connection refused: retrying in 5s')).toEqual({
      content: 'Connection refused: retrying in 5s',
    });
  });

  it('reads levels in their usual spellings and guesses severity from words', () => {
    expect(levelSeverity('[warn]')).toBe('warning');
    expect(levelSeverity('<ERR>')).toBe('error');
    expect(levelSeverity('Information')).toBe('info');
    expect(levelSeverity('informed')).toBeUndefined();
    expect(inferSeverity('upload failed after 3 tries')).toBe('error');
    expect(inferSeverity('all good')).toBe('unknown');
  });
});
