import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** A running dynalite server on 127.0.0.1. */
export interface Dynalite {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite in this process on a free loopback port; tables are ACTIVE at once. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(server);
  return { endpoint: urlOf(server), close: () => closeServer(server) };
}

/** A client for a local endpoint with dummy credentials; `maxAttempts` 1 unless told. */
export function localClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
}

/** What the proxy does with one request. */
export type ProxyAnswer =
  | { kind: 'forward' }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'reply'; body: unknown };

/** A loopback HTTP proxy in front of a DynamoDB endpoint that can answer with errors instead. */
export interface DynamoProxy {
  endpoint: string;
  /** The `X-Amz-Target` operation (e.g. `PutItem`) of every request received, in order. */
  operations: string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy that asks `decide(operation, index)` for each request (index counts requests of
 * that operation from 0; it may first do something else, e.g. write through another client) and either forwards it to `target` or answers with a DynamoDB JSON 1.0
 * error (`{"__type": "com.amazonaws.dynamodb.v20120810#<type>", "message"}`), as AWS does.
 */
export async function startDynamoProxy(
  target: string,
  decide: (operation: string, index: number, body: unknown) => ProxyAnswer | Promise<ProxyAnswer>,
): Promise<DynamoProxy> {
  const operations: string[] = [];
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    operations.push(operation);
    const index = counts.get(operation) ?? 0;
    counts.set(operation, index + 1);
    const answer = await decide(operation, index, JSON.parse(raw.toString('utf8') || '{}'));
    if (answer.kind === 'reply') {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    if (answer.kind === 'error') {
      const body = JSON.stringify({
        __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`,
        message: answer.message,
      });
      res.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `proxy-${operations.length}`,
      });
      res.end(body);
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', (error) => res.destroy(error));
    forward.end(raw);
  });
  await listen(server);
  return { endpoint: urlOf(server), operations, close: () => closeServer(server) };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
