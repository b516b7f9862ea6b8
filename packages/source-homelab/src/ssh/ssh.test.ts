import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dockerInspectJson,
  fakeDockerCliFiles,
  type SilentTcpServer,
  sshdUnavailableReason,
  startSilentTcpServer,
  startTestSshd,
  type TestSshd,
} from '@opsagent/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTarget } from '../fleet/target.js';
import { isVirtualInterface, parseProcNetDev } from '../local/network.js';
import { SshHost, type SshHostConfig } from './connection.js';
import { loadKnownHosts, parseKnownHosts, verifyHostKey } from './known-hosts.js';

const unavailable = sshdUnavailableReason();
const timings = { connectTimeoutMs: 3000, commandTimeoutMs: 5000, keepaliveIntervalMs: 15_000 };

describe.skipIf(unavailable !== undefined)(
  `SSH hosts on a real sshd${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let sshd: TestSshd;
    let silent: SilentTcpServer;
    const hosts: SshHost[] = [];

    beforeAll(async () => {
      sshd = await startTestSshd({
        files: fakeDockerCliFiles([
          {
            name: 'web',
            image: 'nginx:1.27',
            health: 'unhealthy',
            restartCount: 4,
            logs: [
              { stream: 'stdout', text: 'GET / 502' },
              { stream: 'stderr', text: 'upstream down' },
            ],
          },
          { name: 'db', image: 'postgres:16', health: 'healthy' },
        ]),
      });
      writeFileSync(
        join(sshd.dir, 'docker/web.after'),
        JSON.stringify(
          dockerInspectJson({
            name: 'web',
            image: 'nginx:1.27',
            health: 'healthy',
            restartCount: 5,
          }),
        ),
      );
      silent = await startSilentTcpServer();
    });
    afterAll(async () => {
      for (const host of hosts) host.dispose();
      await silent?.close();
      await sshd?.close();
    });

    function host(
      overrides: Partial<SshHostConfig> = {},
      knownHostsPath = sshd.knownHostsPath,
      t = timings,
    ) {
      const config: SshHostConfig = {
        name: 'nas',
        address: '127.0.0.1',
        port: sshd.port,
        user: sshd.user,
        keyFile: sshd.clientKeyPath,
        ...overrides,
      };
      const h = new SshHost(config, () => loadKnownHosts(knownHostsPath), knownHostsPath, t);
      hosts.push(h);
      return h;
    }

    it('reads a remote snapshot (load, memory, disks, uptime, containers) into the local model', async () => {
      const target = createSshTarget({ ssh: host() });
      const { snapshot, docker } = await target.read();
      expect(snapshot.host.hostname).not.toBe('');
      expect(snapshot.host.platform).toBe('linux');
      expect(snapshot.cpu.count).toBeGreaterThan(0);
      expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
      expect(snapshot.memory.usedPercent).toBeGreaterThan(0);
      expect(snapshot.disks.length).toBeGreaterThan(0);
      expect(snapshot.uptimeSeconds).toBeGreaterThan(0);
      expect(Number.isFinite(snapshot.load.five)).toBe(true);
      expect(docker.kind).toBe('ok');
      if (docker.kind !== 'ok') return;
      expect(docker.containers.map((c) => [c.name, c.health, c.restartCount])).toEqual([
        ['db', 'healthy', 0],
        ['web', 'unhealthy', 4],
      ]);
      // A second reading measures CPU since the first one.
      const again = await target.read();
      expect(again.snapshot.cpu.loadPercent).toBeGreaterThanOrEqual(0);
    });

    it('measures network throughput between two snapshots from /proc/net/dev, none on the first', async () => {
      const target = createSshTarget({ ssh: host() });
      const first = await target.read();
      expect(first.snapshot.network).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await target.read();
      const network = second.snapshot.network;
      expect(network?.intervalSeconds).toBeGreaterThanOrEqual(1);
      expect(network?.intervalSeconds).toBeLessThan(30);
      // The server is this machine: the same interfaces, minus loopback, virtual and unused ones.
      const local = parseProcNetDev(readFileSync('/proc/net/dev', 'utf8'))
        .filter((i) => !isVirtualInterface(i.name) && i.rxBytes + i.txBytes > 0)
        .map((i) => i.name)
        .sort();
      expect(network?.interfaces.map((i) => i.name).sort()).toEqual(local);
      for (const i of network?.interfaces ?? []) {
        expect(i.rxBytesPerSecond).toBeGreaterThanOrEqual(0);
        expect(i.txBytesPerSecond).toBeGreaterThanOrEqual(0);
      }
    });

    it('keeps one connection for many commands and reconnects after it drops', async () => {
      const h = host();
      const first = await h.exec('echo $SSH_CONNECTION');
      const second = await h.exec('echo $SSH_CONNECTION');
      expect(first.stdout).toBe(second.stdout);
      // More commands at once than OpenSSH's default MaxSessions (10): they take turns.
      const many = Array.from({ length: 15 }, (_, n) => n);
      const results = await Promise.all(many.map((n) => h.exec(`sleep 0.1; echo ${n}`)));
      expect(results.map((r) => r.stdout)).toEqual(many.map(String));
      (await h.connection()).connection?.end();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = await h.exec('echo $SSH_CONNECTION');
      expect(third.stdout).not.toBe(first.stdout);
      expect(third.code).toBe(0);
    });

    it('reads container logs, restarts a container and inspects it over SSH', async () => {
      const target = createSshTarget({ ssh: host() });
      const logs = await target.containerLogs('web', { tail: 50 });
      expect(logs).toContain('GET / 502');
      expect(logs).toContain('[stderr] 2026-11-21T08:00:00.000000000Z upstream down');
      await target.restartContainer('web');
      const web = await target.inspectContainer('web');
      expect([web.health, web.restartCount]).toEqual(['healthy', 5]);
      await expect(target.restartContainer('ghost')).rejects.toMatchObject({
        code: 'DOCKER_NOT_FOUND',
      });
      await expect(target.containerLogs('web; reboot', {})).rejects.toMatchObject({
        code: 'DOCKER_BAD_NAME',
      });
    });

    it('refuses an unknown host key with a clear message and never adds it', async () => {
      const empty = join(sshd.dir, 'known_hosts_empty');
      writeFileSync(empty, '# nothing here\n');
      const h = host({}, empty);
      const error = await h.exec('true').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SSH_HOST_KEY_UNKNOWN' });
      expect(String((error as Error).message)).toMatch(
        /unknown host key for nas \(\[127\.0\.0\.1\]:\d+\): SHA256:\S+ is not in .*ssh-keyscan -p/,
      );
      expect(loadKnownHosts(empty)).toEqual([]);
    });

    it('refuses a changed host key', async () => {
      const changed = join(sshd.dir, 'known_hosts_changed');
      writeFileSync(
        changed,
        `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
      );
      const h = host({}, changed);
      await expect(h.exec('true')).rejects.toMatchObject({
        code: 'SSH_HOST_KEY_CHANGED',
        message: expect.stringContaining('HOST KEY CHANGED for nas'),
      });
    });

    it('gives up on a host that accepts TCP and never answers after its connect timeout', async () => {
      const h = host({ port: silent.port }, sshd.knownHostsPath, {
        ...timings,
        connectTimeoutMs: 300,
      });
      await expect(h.exec('true')).rejects.toMatchObject({ code: 'SSH_CONNECT_TIMEOUT' });
      expect(silent.accepted).toBeGreaterThan(0);
    });

    it('times a hanging command out and keeps the connection usable', async () => {
      const h = host();
      await expect(h.exec('sleep 30', { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringContaining('timed out after 300 ms'),
      });
      expect((await h.exec('echo alive')).stdout).toBe('alive');
    });

    it('logs in with the ssh-agent when no key file is given', async () => {
      const socket = join(sshd.dir, 'agent.sock');
      const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && !existsSync(socket); i += 1)
          await new Promise((r) => setTimeout(r, 20));
        execFileSync('ssh-add', ['-q', sshd.clientKeyPath], {
          env: { ...process.env, SSH_AUTH_SOCK: socket },
          stdio: 'ignore',
        });
        const h = new SshHost(
          { name: 'nas', address: '127.0.0.1', port: sshd.port, user: sshd.user },
          () => loadKnownHosts(sshd.knownHostsPath),
          sshd.knownHostsPath,
          timings,
          undefined,
          { SSH_AUTH_SOCK: socket },
        );
        hosts.push(h);
        expect((await h.exec('echo via-agent')).stdout).toBe('via-agent');
        const none = new SshHost(
          { name: 'nas', address: '127.0.0.1', port: sshd.port, user: sshd.user },
          () => [],
          'x',
          timings,
          undefined,
          {},
        );
        await expect(none.exec('true')).rejects.toMatchObject({
          code: 'SSH_NO_CREDENTIALS',
          message: expect.stringContaining('run an ssh-agent'),
        });
      } finally {
        agent.kill();
      }
    });

    describe('passphrase-protected keys', () => {
      const PASSPHRASE = 'correct horse battery staple';
      let encrypted: string;
      let pem: string;
      beforeAll(() => {
        // Keys the server accepts, protected the way `ssh-keygen -N` protects them.
        encrypted = join(sshd.dir, 'enc_ed25519');
        pem = join(sshd.dir, 'enc_rsa.pem');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-f', encrypted]);
        execFileSync('ssh-keygen', [
          '-q',
          '-t',
          'rsa',
          '-b',
          '2048',
          '-m',
          'PEM',
          '-N',
          PASSPHRASE,
          '-f',
          pem,
        ]);
        appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${encrypted}.pub`));
        appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${pem}.pub`));
      });

      function withEnv(config: Partial<SshHostConfig>, env: Record<string, string | undefined>) {
        const h = new SshHost(
          {
            name: 'nas',
            address: '127.0.0.1',
            port: sshd.port,
            user: sshd.user,
            ...config,
          },
          () => loadKnownHosts(sshd.knownHostsPath),
          sshd.knownHostsPath,
          timings,
          undefined,
          env,
        );
        hosts.push(h);
        return h;
      }

      it('logs in with the passphrase read from the variable passphraseEnv names', async () => {
        for (const keyFile of [encrypted, pem]) {
          const h = withEnv(
            { keyFile, passphraseEnv: 'NAS_KEY_PASSPHRASE' },
            { NAS_KEY_PASSPHRASE: PASSPHRASE },
          );
          expect(h.keyProblem()).toBeUndefined();
          const result = await h.exec('echo logged-in; id -un');
          expect(result).toMatchObject({ code: 0, stdout: `logged-in\n${sshd.user}` });
        }
      });

      it('says the key needs a passphrase when none is configured, naming the host and the fix', async () => {
        const h = withEnv({ keyFile: encrypted }, {});
        expect(h.keyProblem()).toBe('missing');
        const error = (await h.exec('true').catch((e: unknown) => e)) as Error;
        expect(error).toMatchObject({
          code: 'SSH_KEY_PASSPHRASE_MISSING',
          category: 'user',
          details: { host: 'nas' },
        });
        expect(error.message).toContain(
          `the key file of nas (${encrypted}) is protected by a passphrase`,
        );
        expect(error.message).toContain('passphraseEnv: NAS_KEY_PASSPHRASE');
        expect(error.message).toContain('ssh-agent');
      });

      it('names the variable when it is unset or empty', async () => {
        for (const env of [{}, { NAS_KEY_PASSPHRASE: '' }]) {
          const h = withEnv({ keyFile: encrypted, passphraseEnv: 'NAS_KEY_PASSPHRASE' }, env);
          expect(h.keyProblem()).toBe('empty');
          await expect(h.exec('true')).rejects.toMatchObject({
            code: 'SSH_KEY_PASSPHRASE_EMPTY',
            message: expect.stringMatching(
              /passphraseEnv of nas names NAS_KEY_PASSPHRASE, but NAS_KEY_PASSPHRASE is not set or empty/,
            ),
          });
        }
      });

      it('says the passphrase is wrong, without repeating it', async () => {
        for (const keyFile of [encrypted, pem]) {
          const h = withEnv(
            { keyFile, passphraseEnv: 'NAS_KEY_PASSPHRASE' },
            { NAS_KEY_PASSPHRASE: 'not-the-passphrase' },
          );
          const error = (await h.exec('true').catch((e: unknown) => e)) as Error;
          expect(error).toMatchObject({
            code: 'SSH_KEY_PASSPHRASE_WRONG',
            message: expect.stringContaining(
              `the passphrase in NAS_KEY_PASSPHRASE does not decrypt the key file of nas (${keyFile})`,
            ),
          });
          expect(error.message).not.toContain('not-the-passphrase');
          expect(JSON.stringify(error)).not.toContain('not-the-passphrase');
        }
      });

      it('flags a passphrase set for a key that has none, and still logs in', async () => {
        const h = withEnv(
          { keyFile: sshd.clientKeyPath, passphraseEnv: 'NAS_KEY_PASSPHRASE' },
          { NAS_KEY_PASSPHRASE: PASSPHRASE },
        );
        expect(h.keyProblem()).toBe('unused');
        expect((await h.exec('echo ok')).stdout).toBe('ok');
      });

      it('logs in through an ssh-agent holding the encrypted key (ssh-add asked for its passphrase)', async () => {
        const socket = join(sshd.dir, 'agent-enc.sock');
        const askpass = join(sshd.dir, 'askpass.sh');
        writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' "$TEST_PASSPHRASE"\n`, { mode: 0o700 });
        const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
        try {
          for (let i = 0; i < 100 && !existsSync(socket); i += 1)
            await new Promise((r) => setTimeout(r, 20));
          execFileSync('ssh-add', ['-q', encrypted], {
            env: {
              PATH: process.env.PATH,
              SSH_AUTH_SOCK: socket,
              SSH_ASKPASS: askpass,
              SSH_ASKPASS_REQUIRE: 'force',
              DISPLAY: ':0',
              TEST_PASSPHRASE: PASSPHRASE,
            },
            stdio: 'ignore',
          });
          const h = withEnv({}, { SSH_AUTH_SOCK: socket });
          expect((await h.exec('echo via-agent')).stdout).toBe('via-agent');
          const gone = withEnv({ agent: join(sshd.dir, 'no-such.sock') }, {});
          await expect(gone.exec('true')).rejects.toMatchObject({
            code: 'SSH_AGENT_UNAVAILABLE',
            message: expect.stringContaining('no-such.sock does not exist'),
          });
        } finally {
          agent.kill();
        }
      });
    });

    it('names a wrong key file and a refused login', async () => {
      await expect(host({ keyFile: '/nonexistent/key' }).exec('true')).rejects.toMatchObject({
        code: 'SSH_KEY_UNREADABLE',
      });
      await expect(host({ user: 'nobody-here' }).exec('true')).rejects.toMatchObject({
        code: 'SSH_AUTH_FAILED',
      });
    });
  },
);

describe('known_hosts', () => {
  const key = Buffer.from(
    'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    'base64',
  );
  const ctx = { host: 'nas', knownHostsPath: '/k', address: '10.0.0.2', port: 22 };
  it('matches plain, bracketed, wildcard and hashed entries; refuses revoked keys', () => {
    const blob = key.toString('base64');
    expect(
      verifyHostKey(parseKnownHosts(`10.0.0.2,nas ssh-ed25519 ${blob}`), ['10.0.0.2'], key, ctx),
    ).toEqual({ ok: true });
    expect(
      verifyHostKey(parseKnownHosts(`10.0.0.* ssh-ed25519 ${blob}`), ['10.0.0.2'], key, ctx),
    ).toEqual({ ok: true });
    // `ssh-keygen -H` style: |1|base64(salt)|base64(hmac-sha1(salt, name))
    const hashed = `|1|YWJjZGVmZ2hpamtsbW5vcHFyc3Q=|${hmac('abcdefghijklmnopqrst', '10.0.0.2')}`;
    expect(
      verifyHostKey(parseKnownHosts(`${hashed} ssh-ed25519 ${blob}`), ['10.0.0.2'], key, ctx),
    ).toEqual({ ok: true });
    expect(
      verifyHostKey(parseKnownHosts(`@revoked * ssh-ed25519 ${blob}`), ['10.0.0.2'], key, ctx),
    ).toMatchObject({ ok: false, reason: 'revoked' });
    expect(
      verifyHostKey(parseKnownHosts(`other ssh-ed25519 ${blob}`), ['10.0.0.2'], key, ctx),
    ).toMatchObject({ ok: false, reason: 'unknown' });
  });
  it('says how to fix a missing known_hosts file', () => {
    expect(() => loadKnownHosts('/nonexistent/known_hosts')).toThrow(
      /cannot read known_hosts file .*ENOENT/,
    );
  });
});

function hmac(salt: string, name: string): string {
  return createHmac('sha1', Buffer.from(salt)).update(name).digest('base64');
}
