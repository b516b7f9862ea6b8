/** What a private key file is, as far as logging in needs to know. */
export interface PrivateKeyInfo {
  /** `openssh` (ssh-keygen's default), `pem` (legacy `-m PEM`), `pkcs8`, `ppk` (PuTTY), `unknown`. */
  format: 'openssh' | 'pem' | 'pkcs8' | 'ppk' | 'unknown';
  /** True when the key is protected by a passphrase. */
  encrypted: boolean;
}

const OPENSSH_MAGIC = 'openssh-key-v1\0';

/**
 * Tells whether a private key file's text is passphrase-protected, without decrypting it:
 * the cipher name of an OpenSSH key, `Proc-Type: 4,ENCRYPTED` of a PEM key, `ENCRYPTED PRIVATE
 * KEY` of PKCS#8, `Encryption:` of a PuTTY key.
 */
export function privateKeyInfo(text: string): PrivateKeyInfo {
  const openssh =
    /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (openssh) {
    const data = Buffer.from((openssh[1] ?? '').replace(/\s+/g, ''), 'base64');
    const magic = data.subarray(0, OPENSSH_MAGIC.length).toString('latin1');
    if (magic !== OPENSSH_MAGIC || data.length < OPENSSH_MAGIC.length + 4)
      return { format: 'openssh', encrypted: false };
    const length = data.readUInt32BE(OPENSSH_MAGIC.length);
    const start = OPENSSH_MAGIC.length + 4;
    const cipher = data.subarray(start, start + length).toString('latin1');
    return { format: 'openssh', encrypted: cipher !== 'none' };
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text))
    return { format: 'pkcs8', encrypted: true };
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    return { format: 'pem', encrypted: /^Proc-Type:\s*4,ENCRYPTED/m.test(text) };
  }
  const ppk = /^PuTTY-User-Key-File-\d+:[\s\S]*?^Encryption:\s*(\S+)/m.exec(text);
  if (ppk) return { format: 'ppk', encrypted: ppk[1] !== 'none' };
  return { format: 'unknown', encrypted: false };
}
