import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { amplifyFault, amplifyOperation, handleAmplify } from './amplify.js';
import { ec2Fault, handleEc2 } from './ec2.js';
import { handleLogs, logsFault } from './logs.js';
import {
  type AwsFault,
  type AwsReply,
  jsonReply,
  signedAccessKeyId,
  signedRegion,
} from './protocol.js';
import { emptyAwsWorld, type FakeAwsWorld } from './world.js';

/** An AWS service the fake speaks. */
export type FakeAwsService = 'ec2' | 'logs' | 'amplify' | 'ses';

/** One API call the fake served (or refused). */
export interface FakeAwsCall {
  service: FakeAwsService;
  /** Operation name, e.g. `DescribeInstanceStatus`, `FilterLogEvents`, `ListJobs`. */
  operation: string;
  /** Region the request was signed for. */
  region: string;
  /** HTTP status of the reply. */
  status: number;
  /** Access key id of the SigV4 `Credential=` (the signature itself is not checked). */
  accessKeyId: string | undefined;
}

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions {
  /** The state served; defaults to an empty world. */
  world?: FakeAwsWorld;
  /** Delay before every reply, in ms (for benchmarks). */
  latencyMs?: number;
}

/**
 * Fake AWS endpoints on 127.0.0.1 that the real SDK clients talk to: EC2 (query protocol, XML),
 * CloudWatch Logs (JSON 1.1, `X-Amz-Target`), Amplify (REST-JSON) and SES v2 (REST-JSON). One port
 * serves all four; point `endpoint` or `AWS_ENDPOINT_URL_<SERVICE>` at {@link FakeAws.url}.
 * The region is read from the request's SigV4 credential scope; the signature is not checked.
 */
export interface FakeAws {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The world served; mutate it between calls. */
  readonly world: FakeAwsWorld;
  /** Every call served, in order. */
  readonly calls: FakeAwsCall[];
  /** Calls of one operation (optionally in one region). */
  count(operation: string, region?: string): number;
  /** The next `times` calls of `operation` fail with `fault` (default: the service's throttling error). */
  fail(operation: string, times?: number, fault?: AwsFault): void;
  /** The next `times` calls of `operation` return an empty page that still carries a next token. */
  emptyPages(operation: string, times?: number): void;
  /** Serves at most `size` items per page of `operation`, whatever the request asks. */
  capPage(operation: string, size: number): void;
  /** Delay before every reply, in ms. */
  latencyMs: number;
  /** Environment variables that point the SDK at this fake (endpoints and dummy credentials). */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const THROTTLE: Record<FakeAwsService, AwsFault> = {
  ec2: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' },
  logs: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  amplify: { code: 'LimitExceededException', status: 429, message: 'Rate exceeded' },
  ses: { code: 'TooManyRequestsException', status: 429, message: 'Too many requests' },
};

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function faultReply(service: FakeAwsService, fault: AwsFault): AwsReply {
  if (service === 'ec2') return ec2Fault(fault);
  if (service === 'logs') return logsFault(fault);
  return amplifyFault(fault);
}

function handleSes(path: string, body: unknown, world: FakeAwsWorld): AwsReply {
  if (path !== '/v2/email/outbound-emails') {
    return jsonReply(
      404,
      { message: `fake: no route for ${path}` },
      { 'x-amzn-errortype': 'NotFoundException' },
    );
  }
  const input = (body ?? {}) as {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[] };
    Content?: {
      Simple?: {
        Subject?: { Data?: string };
        Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      };
    };
  };
  const simple = input.Content?.Simple;
  const to = input.Destination?.ToAddresses ?? [];
  if (!input.FromEmailAddress || to.length === 0 || !simple?.Subject?.Data) {
    return jsonReply(
      400,
      {
        message:
          'FromEmailAddress, Destination.ToAddresses and Content.Simple.Subject are required',
      },
      { 'x-amzn-errortype': 'BadRequestException' },
    );
  }
  const messageId = `fake-${world.emails.length + 1}`;
  world.emails.push({
    from: input.FromEmailAddress,
    to,
    subject: simple.Subject.Data,
    text: simple.Body?.Text?.Data,
    html: simple.Body?.Html?.Data,
    messageId,
  });
  return jsonReply(200, { MessageId: messageId });
}

/** Starts the fake AWS endpoints; see {@link FakeAws}. */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const world = options.world ?? emptyAwsWorld();
  const calls: FakeAwsCall[] = [];
  const faults = new Map<string, Array<AwsFault | undefined>>();
  const empties = new Map<string, number>();
  const caps = new Map<string, number>();

  const takeEmptyPage = (operation: string) => {
    const left = empties.get(operation) ?? 0;
    if (left <= 0) return false;
    empties.set(operation, left - 1);
    return true;
  };
  const pageCap = (operation: string) => caps.get(operation);

  const route = (
    req: IncomingMessage,
    text: string,
    region: string,
  ): { service: FakeAwsService; operation: string; run: () => AwsReply } => {
    const path = req.url ?? '/';
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('Logs_20140328.')) {
      const operation = target.slice('Logs_20140328.'.length);
      return {
        service: 'logs',
        operation,
        run: () => handleLogs(operation, parseJson(text), { world, takeEmptyPage, pageCap }),
      };
    }
    if (path.startsWith('/v2/email')) {
      return {
        service: 'ses',
        operation: 'SendEmail',
        run: () => handleSes(path.split('?')[0] ?? '', parseJson(text), world),
      };
    }
    if (path.startsWith('/apps')) {
      const operation = amplifyOperation(req.method ?? 'GET', path);
      return {
        service: 'amplify',
        operation,
        run: () =>
          handleAmplify(req.method ?? 'GET', path, parseJson(text), {
            world,
            region,
            takeEmptyPage,
            pageCap,
          }),
      };
    }
    const params = new URLSearchParams(text);
    const operation = params.get('Action') ?? 'Unknown';
    return {
      service: 'ec2',
      operation,
      run: () => handleEc2(operation, params, { world, region, takeEmptyPage, pageCap }),
    };
  };

  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readText(req);
      const region = signedRegion(req.headers as Record<string, string>) ?? 'us-east-1';
      const { service, operation, run } = route(req, text, region);
      const queued = faults.get(operation);
      let reply: AwsReply;
      if (queued && queued.length > 0) {
        reply = faultReply(service, queued.shift() ?? THROTTLE[service]);
      } else {
        reply = run();
      }
      calls.push({
        service,
        operation,
        region,
        status: reply.status,
        accessKeyId: signedAccessKeyId(req.headers as Record<string, string>),
      });
      const send = () => {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(reply.status, { ...reply.headers, 'x-amzn-requestid': 'fake' });
        res.end(reply.body);
      };
      if (fake.latencyMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, fake.latencyMs);
        timers.add(timer);
      } else {
        send();
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fake: ${String(error)}` }));
    });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const fake: FakeAws = {
    url,
    world,
    calls,
    latencyMs: options.latencyMs ?? 0,
    count: (operation, region) =>
      calls.filter(
        (call) => call.operation === operation && (region === undefined || call.region === region),
      ).length,
    fail: (operation, times = 1, fault) => {
      const queue = faults.get(operation) ?? [];
      for (let n = 0; n < times; n++) queue.push(fault);
      faults.set(operation, queue);
    },
    emptyPages: (operation, times = 1) => {
      empties.set(operation, (empties.get(operation) ?? 0) + times);
    },
    capPage: (operation, size) => {
      caps.set(operation, size);
    },
    env: () => ({
      AWS_ENDPOINT_URL_EC2: url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url,
      AWS_ENDPOINT_URL_AMPLIFY: url,
      AWS_ENDPOINT_URL_SESV2: url,
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret',
      AWS_REGION: 'us-east-1',
    }),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
