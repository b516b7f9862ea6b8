import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateKeyInfo } from './private-key.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, args: string[]): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...args, '-C', 'test', '-f', path], { stdio: 'ignore' });
  return readFileSync(path, 'utf8');
}

describe('privateKeyInfo on keys made by ssh-keygen', () => {
  it('tells encrypted keys from plain ones in every format ssh-keygen writes', () => {
    expect(privateKeyInfo(keygen('ed', ['-t', 'ed25519', '-N', '']))).toEqual({
      format: 'openssh',
      encrypted: false,
    });
    expect(privateKeyInfo(keygen('ed-enc', ['-t', 'ed25519', '-N', 'pass phrase']))).toEqual({
      format: 'openssh',
      encrypted: true,
    });
    expect(privateKeyInfo(keygen('ec-pem', ['-t', 'ecdsa', '-m', 'PEM', '-N', '']))).toEqual({
      format: 'pem',
      encrypted: false,
    });
    expect(
      privateKeyInfo(keygen('ec-pem-enc', ['-t', 'ecdsa', '-m', 'PEM', '-N', 'secret1'])),
    ).toEqual({
      format: 'pem',
      encrypted: true,
    });
    expect(
      privateKeyInfo(keygen('ec-p8-enc', ['-t', 'ecdsa', '-m', 'PKCS8', '-N', 'secret1'])),
    ).toEqual({
      format: 'pkcs8',
      encrypted: true,
    });
  });

  it('reads PuTTY keys and leaves anything else unencrypted (ssh2 then decides)', () => {
    expect(
      privateKeyInfo('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\nComment: x\n'),
    ).toEqual({ format: 'ppk', encrypted: true });
    expect(privateKeyInfo('PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\n')).toEqual({
      format: 'ppk',
      encrypted: false,
    });
    expect(privateKeyInfo('not a key')).toEqual({ format: 'unknown', encrypted: false });
    expect(
      privateKeyInfo(
        '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
      ),
    ).toEqual({ format: 'openssh', encrypted: false });
  });
});
