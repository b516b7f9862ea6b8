import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OpsAgentError } from '@opsagent/core';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** Host patterns as written (`host`, `[host]:port`), or a hashed `|1|salt|hash` entry. */
  hosts: string[];
  /** Key type, e.g. `ssh-ed25519`. */
  type: string;
  /** The key blob, base64 as in the file. */
  key: string;
  /** `@revoked` line. */
  revoked: boolean;
}

/** Parses known_hosts text; comments, blank lines and `@cert-authority` lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      if (fields[0] === '@revoked') revoked = true;
      else continue; // @cert-authority: certificates are not supported
      fields = fields.slice(1);
    }
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) continue;
    entries.push({ hosts: hosts.split(','), type, key, revoked });
  }
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, else `[host]:port`. */
export function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

function hostMatches(entry: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const pattern of entry.hosts) {
    if (pattern.startsWith('|1|')) {
      const [, , salt, hash] = pattern.split('|');
      if (!salt || !hash) continue;
      const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
      if (digest === hash) matched = true;
      continue;
    }
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
      continue;
    }
    if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The outcome of checking a presented host key. */
export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; reason: 'unknown' | 'changed' | 'revoked'; message: string };

/**
 * Checks the key a server presented against known_hosts entries for `name` (`host` or
 * `[host]:port`). A match is accepted; no entry is `unknown`; entries with other keys are
 * `changed`; a `@revoked` key is refused. Nothing is ever added to the file.
 */
export function verifyHostKey(
  entries: readonly KnownHostEntry[],
  names: readonly string[],
  key: Buffer,
  context: { host: string; knownHostsPath: string; address: string; port: number },
): HostKeyVerdict {
  const blob = key.toString('base64');
  const forHost = entries.filter((e) => names.some((name) => hostMatches(e, name)));
  const print = fingerprint(key);
  if (entries.some((e) => e.revoked && e.key === blob)) {
    return {
      ok: false,
      reason: 'revoked',
      message: `host key of ${context.host} (${print}) is marked @revoked in ${context.knownHostsPath}; refusing to connect`,
    };
  }
  if (forHost.some((e) => !e.revoked && e.key === blob)) return { ok: true };
  const scan = `ssh-keyscan -p ${context.port} ${context.address}`;
  if (forHost.some((e) => !e.revoked)) {
    return {
      ok: false,
      reason: 'changed',
      message:
        `HOST KEY CHANGED for ${context.host} (${names[0]}): it presented ${print}, which is not the key in ` +
        `${context.knownHostsPath}. Refusing to connect: this may be a man-in-the-middle. If the host was ` +
        `reinstalled, check the fingerprint on its console, then replace the line ` +
        `(ssh-keygen -R '${names[0]}' -f ${context.knownHostsPath}; ${scan} >> ${context.knownHostsPath}).`,
    };
  }
  return {
    ok: false,
    reason: 'unknown',
    message:
      `unknown host key for ${context.host} (${names[0]}): ${print} is not in ${context.knownHostsPath}. ` +
      `Refusing to connect. Check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
      `then add it: ${scan} >> ${context.knownHostsPath}`,
  };
}

/** Reads and parses a known_hosts file; a missing file is a config error that says how to make one. */
export function loadKnownHosts(path: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new OpsAgentError(
      'SSH_KNOWN_HOSTS_UNREADABLE',
      `cannot read known_hosts file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; ` +
        'set knownHosts in the homelab config, or create it with ssh-keyscan',
      { category: 'user', cause: error },
    );
  }
}
