import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSchema } from './config.js';
import { findingsOf } from './plugin.js';
import { probe } from './probe.js';

const dir = mkdtempSync(join(tmpdir(), 'http-checks-'));
const servers: Array<http.Server | https.Server> = [];

/** A self-signed certificate for 127.0.0.1 valid for `days`; `expired`: valid only in 2020. */
function certificate(name: string, days: number | 'expired') {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const subject = ['-subj', '/CN=127.0.0.1'];
  if (days !== 'expired') {
    const san = ['-addext', 'subjectAltName=IP:127.0.0.1'];
    const args = ['req', '-x509', ...curve, '-keyout', key, '-out', cert, ...subject, ...san];
    openssl([...args, '-days', String(days)]);
  } else {
    // `openssl req` of OpenSSL 3.0 cannot set dates in the past; `openssl ca` can.
    const cnf = join(dir, 'ca.cnf');
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(
      cnf,
      [
        '[ca]',
        'default_ca = old',
        '[old]',
        `database = ${join(dir, 'index.txt')}`,
        `new_certs_dir = ${dir}`,
        `serial = ${join(dir, 'serial')}`,
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'commonName = supplied',
        '[ext]',
        'subjectAltName = IP:127.0.0.1',
        'basicConstraints = CA:TRUE',
      ].join('\n'),
    );
    const csr = join(dir, `${name}.csr`);
    openssl(['req', '-new', ...curve, '-keyout', key, '-out', csr, ...subject]);
    openssl([
      'ca',
      '-batch',
      '-config',
      cnf,
      '-selfsign',
      '-keyfile',
      key,
      '-in',
      csr,
      '-out',
      cert,
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200201000000Z',
      '-extensions',
      'ext',
    ]);
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), file: cert };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

async function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const handler: http.RequestListener = (req, res) => {
  if (req.url === '/slow') {
    setTimeout(() => res.end('late'), 300);
    return;
  }
  if (req.url === '/hang') return; // never answers
  res.statusCode = req.url === '/broken' ? 503 : 200;
  res.end('ok');
};

let plain: number;
let secure: number;
let expired: number;
let soonCert: string;
let expiredCert: string;
beforeAll(async () => {
  plain = await listen(http.createServer(handler));
  const soon = certificate('soon', 5);
  soonCert = soon.file;
  secure = await listen(https.createServer({ key: soon.key, cert: soon.cert }, handler));
  const old = certificate('old', 'expired');
  expiredCert = old.file;
  expired = await listen(https.createServer({ key: old.key, cert: old.cert }, handler));
});
afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

const endpoint = (url: string, extra: Record<string, unknown> = {}) =>
  endpointSchema.parse({ name: 'shop', url, ...extra });

describe('probe', () => {
  it('times a healthy endpoint', async () => {
    const result = await probe(endpoint(`http://127.0.0.1:${plain}/`));
    expect(result).toMatchObject({ up: true, status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(findingsOf(endpoint('http://x/'), result, new Date())).toEqual([]);
  });

  it('reports an unexpected status as down', async () => {
    const e = endpoint(`http://127.0.0.1:${plain}/broken`);
    const result = await probe(e);
    expect(result).toMatchObject({ up: false, status: 503, error: 'unexpected status 503' });
    expect(findingsOf(e, result, new Date())).toEqual([
      expect.objectContaining({ key: 'http:shop:down', severity: 'critical' }),
    ]);
    const accepting = endpoint(`http://127.0.0.1:${plain}/broken`, { expectStatus: [503] });
    expect((await probe(accepting)).up).toBe(true);
  });

  it('gives up on an endpoint that never answers, after its timeout', async () => {
    const e = endpoint(`http://127.0.0.1:${plain}/hang`, { timeoutMs: 200 });
    const result = await probe(e);
    expect(result.up).toBe(false);
    expect(result.error).toContain('no answer within 200 ms');
  });

  it('reports a refused connection', async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const result = await probe(endpoint(`http://127.0.0.1:${port}/`));
    expect(result.up).toBe(false);
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('marks a slow endpoint with a warning', async () => {
    const e = endpoint(`http://127.0.0.1:${plain}/slow`, { slowMs: 100 });
    const result = await probe(e);
    expect(result.up).toBe(true);
    expect(findingsOf(e, result, new Date())).toEqual([
      expect.objectContaining({ key: 'http:shop:slow', severity: 'warning' }),
    ]);
  });

  it('reads the certificate expiry and warns within certWarnDays', async () => {
    const e = endpoint(`https://127.0.0.1:${secure}/`, { caFile: soonCert });
    const result = await probe(e);
    expect(result.up).toBe(true);
    const days = ((result.certExpiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4);
    expect(days).toBeLessThan(6);
    const [finding] = findingsOf(e, result, new Date());
    expect(finding).toMatchObject({ key: 'http:shop:cert', severity: 'warning' });
    expect(finding?.title).toMatch(/expires in [45] days/);
  });

  it('refuses an untrusted certificate rather than ignoring it', async () => {
    const e = endpoint(`https://127.0.0.1:${secure}/`);
    const result = await probe(e);
    expect(result.up).toBe(false);
    expect(result.tlsError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(findingsOf(e, result, new Date())[0]?.title).toContain('not trusted');
  });

  it('reports an expired certificate as critical', async () => {
    const e = endpoint(`https://127.0.0.1:${expired}/`, { caFile: expiredCert });
    const result = await probe(e);
    expect(result.tlsError).toBe('CERT_HAS_EXPIRED');
    expect(findingsOf(e, result, new Date())).toEqual([
      expect.objectContaining({
        key: 'http:shop:cert',
        severity: 'critical',
        title: 'shop: TLS certificate has expired',
      }),
    ]);
  });
});
