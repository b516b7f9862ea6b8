import { OpsAgentError } from '@opsagent/core';

/** Kinds of placeholder a template may hold, each with its own validation. */
export type ArgKind = 'unit' | 'container' | 'path' | 'lines' | 'host' | 'word' | 'interface';

const ARG_PATTERNS: Record<ArgKind, { pattern: RegExp; what: string }> = {
  unit: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9@_.:-]{0,127}$/,
    what: 'a systemd unit name (letters, digits, @ _ . : -)',
  },
  container: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    what: 'a container name (letters, digits, _ . -)',
  },
  path: {
    pattern: /^\/[A-Za-z0-9_./@+-]{0,255}$/,
    what: 'an absolute path without spaces or "..": /var/log/syslog',
  },
  lines: { pattern: /^[1-9][0-9]{0,3}$/, what: 'a line count from 1 to 9999' },
  host: { pattern: /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, what: 'a host name or IPv4 address' },
  word: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    what: 'a plain word (letters, digits, _ . -)',
  },
  interface: { pattern: /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,31}$/, what: 'a network interface name' },
};

/** A command template: fixed words and `{kind}` placeholders, e.g. `journalctl -u {unit} -n {lines} --no-pager`. */
export interface CommandTemplate {
  /** Short name shown to the model. */
  name: string;
  /** The template text. */
  template: string;
  /** What it shows. */
  description?: string;
}

/**
 * The built-in read-only templates. Nothing here writes or restarts. `docker inspect` (container
 * environments hold passwords) and `ps aux` (unmasked command lines) are left out on purpose: the
 * `list_containers` and `top_processes` tools give the same facts without the secrets.
 */
export const DEFAULT_READONLY_COMMANDS: readonly CommandTemplate[] = [
  { name: 'uptime', template: 'uptime' },
  { name: 'free', template: 'free -m' },
  { name: 'df', template: 'df -h' },
  { name: 'df_inodes', template: 'df -i' },
  { name: 'du', template: 'du -sh {path}' },
  { name: 'ls', template: 'ls -la {path}' },
  { name: 'tail_log', template: 'tail -n {lines} {path}', description: 'only under /var/log' },
  { name: 'systemctl_status', template: 'systemctl status {unit} --no-pager' },
  { name: 'systemctl_failed', template: 'systemctl --failed --no-pager' },
  { name: 'systemctl_is_active', template: 'systemctl is-active {unit}' },
  { name: 'journal_unit', template: 'journalctl -u {unit} -n {lines} --no-pager' },
  { name: 'journal_errors', template: 'journalctl -p err -n {lines} --no-pager' },
  { name: 'docker_ps', template: 'docker ps -a' },
  { name: 'docker_stats', template: 'docker stats --no-stream' },
  { name: 'docker_logs', template: 'docker logs --tail {lines} {container}' },
  { name: 'ip_addr', template: 'ip -brief addr' },
  { name: 'ip_route', template: 'ip route' },
  { name: 'ip_link_stats', template: 'ip -s link' },
  { name: 'ip_link_stats_dev', template: 'ip -s link show {interface}' },
  { name: 'ss_listening', template: 'ss -tuln' },
  { name: 'ping', template: 'ping -c 3 -W 2 {host}' },
  { name: 'dig', template: 'dig +short {host}' },
  { name: 'uname', template: 'uname -a' },
  { name: 'lsblk', template: 'lsblk' },
  { name: 'zpool_status', template: 'zpool status' },
  { name: 'sensors', template: 'sensors' },
  { name: 'dmesg_tail', template: 'dmesg --ctime --level=err,warn' },
];

/** Paths a `{path}` argument may not read even if the pattern fits (secrets). */
const PATH_DENY = [
  /^\/etc\/shadow/,
  /^\/etc\/gshadow/,
  /^\/etc\/ssh\/ssh_host_.*key$/,
  /\/\.ssh(\/|$)/,
  /\/\.gnupg(\/|$)/,
  /^\/root\//,
  /^\/proc\/[^/]+\/environ$/,
  /\.env$/,
  /secret/i,
  /token/i,
  /\/private/i,
];

/** Characters a shell would act on; a command containing any is refused outright. */
const SHELL_META = /[;&|`$<>(){}[\]\\'"*?!~#\n\r\t]/;

/** A matched, validated command: its template and the argument vector to run (no shell). */
export interface ResolvedCommand {
  template: CommandTemplate;
  argv: string[];
}

function refuse(message: string): never {
  throw new OpsAgentError('COMMAND_NOT_ALLOWED', message, { category: 'user' });
}

/**
 * Matches a requested command line against the allowlist. Refuses shell metacharacters, anything
 * not matching a template word for word, `..` in paths, secret-looking paths, and `tail_log`
 * outside /var/log. The result is an argv for execFile or shell-quoting, never a shell string.
 */
export function resolveReadonlyCommand(
  command: string,
  templates: readonly CommandTemplate[] = DEFAULT_READONLY_COMMANDS,
): ResolvedCommand {
  const text = command.trim();
  const list = templates.map((t) => t.template).join('; ');
  if (text === '') refuse(`empty command; allowed: ${list}`);
  if (SHELL_META.test(text)) {
    refuse(
      `refused: "${text.slice(0, 80)}" contains shell metacharacters; only single read-only commands from the allowlist run (${list})`,
    );
  }
  const words = text.split(/\s+/);
  let mismatch = '';
  for (const template of templates) {
    const parts = template.template.split(/\s+/);
    if (parts.length !== words.length) continue;
    const argv: string[] = [];
    let ok = true;
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] as string;
      const word = words[i] as string;
      const placeholder = /^\{(\w+)\}$/.exec(part)?.[1] as ArgKind | undefined;
      if (!placeholder) {
        if (part !== word) {
          ok = false;
          break;
        }
        argv.push(word);
        continue;
      }
      const rule = ARG_PATTERNS[placeholder];
      if (!rule?.pattern.test(word) || word.startsWith('-')) {
        mismatch = `"${word}" is not ${rule?.what ?? 'a valid argument'} for ${template.name}`;
        ok = false;
        break;
      }
      if (placeholder === 'path') {
        if (word.split('/').includes('..')) {
          mismatch = `"${word}": ".." is not allowed in paths`;
          ok = false;
          break;
        }
        if (PATH_DENY.some((deny) => deny.test(word))) {
          mismatch = `"${word}" may hold secrets and is not readable through this tool`;
          ok = false;
          break;
        }
        if (template.name === 'tail_log' && !word.startsWith('/var/log/')) {
          mismatch = `tail_log reads files under /var/log only, not "${word}"`;
          ok = false;
          break;
        }
      }
      argv.push(word);
    }
    if (ok) return { template, argv };
  }
  refuse(
    `refused: "${text.slice(0, 80)}" is not an allowed read-only command${mismatch ? ` (${mismatch})` : ''}. Allowed: ${list}`,
  );
}

/** Checks config templates: known placeholders, no shell metacharacters. Returns the problems. */
export function templateProblems(template: CommandTemplate): string[] {
  const problems: string[] = [];
  for (const part of template.template.split(/\s+/)) {
    const placeholder = /^\{(\w+)\}$/.exec(part)?.[1];
    if (placeholder && !(placeholder in ARG_PATTERNS)) {
      problems.push(
        `unknown placeholder {${placeholder}}; use one of ${Object.keys(ARG_PATTERNS)
          .map((k) => `{${k}}`)
          .join(', ')}`,
      );
    } else if (!placeholder && SHELL_META.test(part)) {
      problems.push(`"${part}" contains shell metacharacters`);
    }
  }
  return problems;
}
