import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { homelabConfigSchema } from '@opsagent/source-homelab';
import { sshdUnavailableReason, startTestSshd, type TestSshd } from '@opsagent/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCliSync } from '../helpers/cli.js';

const unavailable = sshdUnavailableReason();
const PASSPHRASE = 'tr0ub4dor & 3 horses';

describe('hosts[].passphraseEnv in the config', () => {
  const host = { name: 'nas', address: '10.0.0.2', user: 'ops', keyFile: '/k' };
  it('takes the name of a variable that looks like a secret, so its value is redacted', () => {
    expect(
      homelabConfigSchema.parse({ hosts: [{ ...host, passphraseEnv: 'NAS_KEY_PASSPHRASE' }] })
        .hosts[0]?.passphraseEnv,
    ).toBe('NAS_KEY_PASSPHRASE');
    const plain = homelabConfigSchema.safeParse({ hosts: [{ ...host, passphraseEnv: 'NAS_KEY' }] });
    expect(plain.success).toBe(false);
    expect(JSON.stringify(plain.error?.issues)).toContain('NAS_KEY_PASSPHRASE');
    // A passphrase pasted in place of the name is refused (and never a valid name).
    const pasted = homelabConfigSchema.safeParse({
      hosts: [{ ...host, passphraseEnv: 'my secret phrase' }],
    });
    expect(pasted.success).toBe(false);
    // There is no field for the passphrase itself.
    expect(homelabConfigSchema.safeParse({ hosts: [{ ...host, passphrase: 'x' }] }).success).toBe(
      false,
    );
  });
});

describe.skipIf(unavailable !== undefined)(
  `opsagent doctor and status with a passphrase-protected key on a real sshd${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let sshd: TestSshd;
    let dir: string;
    let key: string;
    beforeAll(async () => {
      sshd = await startTestSshd();
      dir = mkdtempSync(join(tmpdir(), 'opsagent-keys-e2e-'));
      key = join(dir, 'nas_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-f', key]);
      appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    });
    afterAll(async () => {
      await sshd?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function opsagent(
      command: string,
      passphraseEnv: string | undefined,
      env: Record<string, string>,
    ) {
      const cwd = mkdtempSync(join(dir, 'cwd-'));
      mkdirSync(join(cwd, 'data'));
      writeFileSync(
        join(cwd, 'opsagent.yaml'),
        [
          'preset: homelab-sre',
          'plugins:',
          '  homelab:',
          '    local: { enabled: false }',
          '    docker: { enabled: false }',
          '    hosts:',
          '      - name: nas',
          '        address: 127.0.0.1',
          `        port: ${sshd.port}`,
          `        user: ${sshd.user}`,
          `        keyFile: ${key}`,
          ...(passphraseEnv ? [`        passphraseEnv: ${passphraseEnv}`] : []),
          '        contextFiles: []',
          '        thresholds:',
          '          loadPerCore: { warn: 1000, critical: 2000 }',
          '          disk: { warn: 101, critical: 102 }',
          '          memory: { warn: 101, critical: 102 }',
          '          temperature: { warn: 500, critical: 600 }',
          '    ssh:',
          `      knownHosts: ${sshd.knownHostsPath}`,
          '',
        ].join('\n'),
      );
      const result = runCliSync([command], {
        cwd,
        env: cliEnv(cwd, { SIGNAL_NUMBER: '+15550000001', ...env }),
        timeoutMs: 60_000,
      });
      return { out: result.stdout, err: result.stderr, all: result.stdout + result.stderr };
    }

    it('doctor logs in with the passphrase from the environment and names each problem', () => {
      const good = opsagent('doctor', 'NAS_KEY_PASSPHRASE', { NAS_KEY_PASSPHRASE: PASSPHRASE });
      expect(good.out).toMatch(
        new RegExp(`✓ ssh nas +logged in as ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}`),
      );

      const missing = opsagent('doctor', undefined, { NAS_KEY_PASSPHRASE: PASSPHRASE });
      expect(missing.out).toMatch(
        /✗ ssh nas +the key file of nas \(\S+nas_ed25519\) is protected by a passphrase, and none is configured: set hosts\[\]\.passphraseEnv of nas/,
      );

      const empty = opsagent('doctor', 'NAS_KEY_PASSPHRASE', { NAS_KEY_PASSPHRASE: '' });
      expect(empty.out).toMatch(
        /✗ ssh nas +.*names NAS_KEY_PASSPHRASE, but NAS_KEY_PASSPHRASE is not set or empty/,
      );

      const wrong = opsagent('doctor', 'NAS_KEY_PASSPHRASE', {
        NAS_KEY_PASSPHRASE: 'wrong horse battery',
      });
      expect(wrong.out).toMatch(
        /✗ ssh nas +the passphrase in NAS_KEY_PASSPHRASE does not decrypt the key file of nas/,
      );
      for (const run of [good, missing, empty, wrong]) {
        expect(run.all).not.toContain(PASSPHRASE);
        expect(run.all).not.toContain('wrong horse battery');
      }
    });

    it('status shows the host, or why the agent cannot log in to it', () => {
      const good = opsagent('status', 'NAS_KEY_PASSPHRASE', { NAS_KEY_PASSPHRASE: PASSPHRASE });
      expect(good.out).toMatch(/nas +load [\d.]+ · mem [\d.]+% · disk/);
      const wrong = opsagent('status', 'NAS_KEY_PASSPHRASE', {
        NAS_KEY_PASSPHRASE: 'wrong horse battery',
      });
      expect(wrong.out).toContain('Homelab: 1 host, 1 cannot be logged in to');
      expect(wrong.out).toMatch(/nas +cannot log in \(wrong key passphrase\)/);
      expect(wrong.out).toContain('cannot log in to nas: wrong key passphrase');
      expect(wrong.all).not.toContain('wrong horse battery');
    });
  },
);
