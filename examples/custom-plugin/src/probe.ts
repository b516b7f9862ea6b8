import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Endpoint } from './config.js';

/** What one probe of an endpoint found. */
export interface ProbeResult {
  /** The endpoint's name. */
  name: string;
  /** The URL probed. */
  url: string;
  /** True when it answered with an expected status in time and its certificate is valid. */
  up: boolean;
  /** The status code, when it answered. */
  status?: number;
  /** Time to the response headers, in ms, when it answered. */
  latencyMs?: number;
  /** For https: when the certificate stops being valid. */
  certExpiresAt?: Date;
  /** Why it is not up (refused, timed out, TLS error, unexpected status). */
  error?: string;
  /** A TLS error code such as `CERT_HAS_EXPIRED`, when the handshake failed. */
  tlsError?: string;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/;

function isExpected(endpoint: Endpoint, status: number): boolean {
  return endpoint.expectStatus ? endpoint.expectStatus.includes(status) : status < 400;
}

/** GETs the endpoint once (no redirects followed), timing the response headers. */
export async function probe(endpoint: Endpoint, signal?: AbortSignal): Promise<ProbeResult> {
  const url = new URL(endpoint.url);
  const base = { name: endpoint.name, url: endpoint.url };
  const ca = endpoint.caFile ? await readFile(endpoint.caFile, 'utf8') : undefined;
  const started = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'GET',
        headers: { 'user-agent': 'opsagent-http-checks/0.1', accept: '*/*' },
        timeout: endpoint.timeoutMs,
        signal,
        ...(ca ? { ca } : {}),
        agent: false,
      },
      (response) => {
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        const status = response.statusCode ?? 0;
        let certExpiresAt: Date | undefined;
        if (url.protocol === 'https:') {
          const cert = (response.socket as TLSSocket).getPeerCertificate?.();
          if (cert?.valid_to) certExpiresAt = new Date(cert.valid_to);
        }
        response.resume(); // drain and discard the body
        const up = isExpected(endpoint, status);
        resolve({
          ...base,
          up,
          status,
          latencyMs,
          ...(certExpiresAt ? { certExpiresAt } : {}),
          ...(up ? {} : { error: `unexpected status ${status}` }),
        });
      },
    );
    request.on('timeout', () => {
      request.destroy(new Error(`no answer within ${endpoint.timeoutMs} ms`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      resolve({
        ...base,
        up: false,
        error: code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message,
        ...(TLS_CODES.test(code) ? { tlsError: code } : {}),
      });
    });
    request.end();
  });
}

/** Days from `now` until `date` (negative once past). */
export function daysUntil(date: Date, now: Date): number {
  return (date.getTime() - now.getTime()) / 86_400_000;
}
