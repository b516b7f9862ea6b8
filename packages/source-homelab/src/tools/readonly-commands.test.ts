import { describe, expect, it } from 'vitest';
import { resolveReadonlyCommand, templateProblems } from './readonly-commands.js';

describe('run_readonly_command allowlist', () => {
  it.each([
    ['rm -rf /', /not an allowed read-only command/],
    ['cat x; reboot', /shell metacharacters/],
    ['uptime && reboot', /shell metacharacters/],
    ['systemctl status nginx $(reboot)', /shell metacharacters/],
    ['systemctl restart nginx', /not an allowed/],
    ['systemctl status --now --no-pager', /not a systemd unit name|not an allowed/],
    ['tail -n 10 /etc/shadow', /may hold secrets|only/],
    ['tail -n 10 /var/log/../../etc/passwd', /".." is not allowed/],
    ['du -sh /home/me/.ssh/id_ed25519', /may hold secrets/],
    ['tail -n 10 /home/me/notes', /under \/var\/log only/],
    ['docker logs --tail 10 web`id`', /shell metacharacters/],
    ['ping -c 3 -W 2 -f', /not an allowed/],
    ['', /empty command/],
    ['ls -la /home/me/.ssh', /may hold secrets/],
    ['docker inspect web', /not an allowed/],
    ['ps aux --sort=-%cpu', /shell metacharacters|not an allowed/],
  ])('refuses %j', (command, message) => {
    expect(() => resolveReadonlyCommand(command)).toThrow(message);
    try {
      resolveReadonlyCommand(command);
    } catch (error) {
      expect(error).toMatchObject({ code: 'COMMAND_NOT_ALLOWED' });
    }
  });

  it('matches templates word for word and returns an argv', () => {
    expect(resolveReadonlyCommand('systemctl status nginx.service --no-pager').argv).toEqual([
      'systemctl',
      'status',
      'nginx.service',
      '--no-pager',
    ]);
    expect(resolveReadonlyCommand('  journalctl -u caddy -n 50 --no-pager ').template.name).toBe(
      'journal_unit',
    );
    expect(resolveReadonlyCommand('tail -n 200 /var/log/syslog').argv).toEqual([
      'tail',
      '-n',
      '200',
      '/var/log/syslog',
    ]);
    expect(resolveReadonlyCommand('df -h').argv).toEqual(['df', '-h']);
    expect(resolveReadonlyCommand('ip -s link show eth0').argv).toEqual([
      'ip',
      '-s',
      'link',
      'show',
      'eth0',
    ]);
  });

  it('accepts extra templates from config and checks them', () => {
    const extra = [{ name: 'zpool_list', template: 'zpool list {word}' }];
    expect(resolveReadonlyCommand('zpool list tank', extra).argv).toEqual([
      'zpool',
      'list',
      'tank',
    ]);
    expect(templateProblems({ name: 'bad', template: 'sh -c {script}' })).toEqual([
      expect.stringContaining('unknown placeholder {script}'),
    ]);
    expect(templateProblems({ name: 'bad', template: 'cat /x | sh' })).toEqual([
      expect.stringContaining('"|"'),
    ]);
  });
});
