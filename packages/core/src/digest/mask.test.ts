import { describe, expect, it } from 'vitest';
import { extractValues, maskMessage, maskToken, maskTokens, tokenize } from './mask.js';

describe('masking', () => {
  it('masks numbers, hex, sizes and durations', () => {
    expect(maskMessage('took 250ms to read 12KB at offset 0x1f3a, retry 3')).toBe(
      'took <*> to read <*> at offset <*>, retry <*>',
    );
  });

  it('masks an IPv4 address with its port as one variable', () => {
    expect(maskToken('10.251.73.220:50010')).toBe('<*>');
    expect(maskToken('[173.234.31.186]')).toBe('[<*>]');
  });

  it('masks UUIDs, ids with digit runs, paths, URLs and e-mail addresses', () => {
    expect(maskToken('123e4567-e89b-12d3-a456-426614174000')).toBe('<*>');
    expect(maskToken('blk_-6952295868487656571')).toBe('<*>');
    expect(maskToken('/etc/httpd/conf/workers2.properties')).toBe('<*>');
    expect(maskToken('https://example.com/a?b=1')).toBe('<*>');
    expect(maskToken('ops@example.com,')).toBe('<*>,');
  });

  it('masks only the value of key=value and key:value pieces', () => {
    expect(maskMessage('uid=0 euid=0 tty=NODEVssh rhost=218.188.2.4')).toBe(
      'uid=<*> euid=<*> tty=NODEVssh rhost=<*>',
    );
    expect(maskToken('PendingReds:12')).toBe('PendingReds:<*>');
  });

  it('keeps identifiers with a single short digit run', () => {
    for (const word of ['jk2_init()', 'ssh2', 'C1', 'ipv6', 'r24=']) {
      expect(maskToken(word)).toBe(word);
    }
  });

  it('splits on any whitespace and extracts the values a template replaced', () => {
    expect(tokenize('  a\tb  c ')).toEqual(['a', 'b', 'c']);
    expect(extractValues('uid=<*>', 'uid=0')).toEqual(['0']);
    expect(extractValues('[<*>]', '[1.2.3.4]')).toEqual(['1.2.3.4']);
    expect(extractValues('<*>', 'x')).toEqual(['x']);
    expect(extractValues('plain', 'plain')).toEqual([]);
  });

  it('masks a whole message in one pass exactly as token by token', () => {
    for (const line of [
      '',
      '   ',
      'plain words only',
      '  lead and  double  spaces\tand tabs 42 ',
      'Failed password for root from 10.0.0.1 port 22 ssh2',
      'x=1 y=two /var/log/a.log end',
    ]) {
      expect(maskMessage(line)).toBe(maskTokens(tokenize(line)).join(' '));
    }
  });
});
