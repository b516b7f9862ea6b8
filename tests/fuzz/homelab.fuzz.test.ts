import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOpsAgentError } from '@opsagent/core';
import {
  type ContainerInfo,
  createDockerEngineClient,
  createHomeAssistantClient,
  demuxDockerStream,
  type EntityState,
  findEntities,
  friendlyName,
  logText,
  muxDockerStream,
} from '@opsagent/source-homelab';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';

// Surface 3a: Home Assistant and Docker Engine responses. Whatever the API answers, the client
// resolves with well-formed data or rejects with a coded OpsAgentError that says what happened;
// never another exception, never a hang.

const RUNS = fuzzRuns();
const TOKEN = 'ha-fuzz-token-0123456789';

/** Outcome of a client call: data, or the error it rejected with (which must be coded). */
async function outcome<T>(work: Promise<T>): Promise<{ value: T } | { error: Error }> {
  try {
    return { value: await bounded(work) };
  } catch (error) {
    if (!isOpsAgentError(error)) {
      throw new Error(`not a coded error: ${String(error)}`, { cause: error });
    }
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(TOKEN);
    return { error };
  }
}

function wellFormedState(s: EntityState): void {
  expect(typeof s.entity_id).toBe('string');
  expect(typeof s.state).toBe('string');
  expect(typeof s.attributes).toBe('object');
  expect(s.attributes).not.toBeNull();
  expect(typeof friendlyName(s)).toBe('string');
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', 0, -1, true, [], {}, 'on', 'unavailable', 'light.kitchen'),
);

const nearState = fc
  .record(
    {
      entity_id: fc.oneof(fc.constantFrom('light.kitchen', 'sensor.t', 'switch.x_y'), odd),
      state: fc.oneof(fc.constantFrom('on', 'off', '21.5', 'unavailable'), odd),
      attributes: fc.oneof(
        fc.record({ friendly_name: odd, unit_of_measurement: odd }, { requiredKeys: [] }),
        odd,
      ),
      last_changed: odd,
      last_updated: odd,
    },
    { requiredKeys: [] },
  )
  .chain((state) =>
    fc.subarray(Object.keys(state)).map((drop) => {
      const copy: Record<string, unknown> = { ...state };
      for (const key of drop) delete copy[key];
      return copy;
    }),
  );

const haBody = fc.oneof(
  fc.array(nearState, { maxLength: 5 }).map((s) => JSON.stringify(s)),
  nearState.map((s) => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '[', '{"message": "Entity not found."}', 'null', '{"changed_states": []}'),
);
const haStatus = fc.constantFrom(
  200,
  200,
  200,
  200,
  201,
  204,
  301,
  400,
  401,
  403,
  404,
  405,
  500,
  502,
  503,
);

describe('Home Assistant responses, fuzzed', () => {
  it('states(), state() and callService(): well-formed states or a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(
        haBody,
        haStatus,
        fc.constantFrom('states', 'state', 'service', 'ping'),
        fc.string({ maxLength: 12 }),
        async (body, status, call, query) => {
          const client = createHomeAssistantClient({
            url: 'http://127.0.0.1:9',
            token: TOKEN,
            fetch: async () =>
              new Response(status === 204 ? null : body, {
                status,
                headers: { 'content-type': 'application/json' },
              }),
          });
          if (call === 'states') {
            const r = await outcome(client.states());
            if ('value' in r) {
              r.value.forEach(wellFormedState);
              for (const s of findEntities(r.value, query)) wellFormedState(s);
            }
          } else if (call === 'state') {
            const r = await outcome(client.state('light.kitchen'));
            if ('value' in r && r.value) wellFormedState(r.value);
          } else if (call === 'service') {
            const r = await outcome(
              client.callService('light', 'turn_on', { entity_id: 'light.kitchen' }),
            );
            if ('value' in r) r.value.forEach(wellFormedState);
          } else {
            await outcome(client.ping());
          }
        },
      ),
      { numRuns: RUNS },
    );
    report('home-assistant', 'states, state, callService and ping responses', RUNS);
  });

  it('odd entity ids and service names from the model are refused before any request', async () => {
    let requests = 0;
    const client = createHomeAssistantClient({
      url: 'http://127.0.0.1:9',
      token: TOKEN,
      fetch: async () => {
        requests += 1;
        return new Response('[]', { status: 200 });
      },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 12 }),
        async (id, service) => {
          const before = requests;
          const valid = /^[a-z0-9_]+\.[a-z0-9_]+$/.test(id);
          const r = await outcome(client.state(id));
          if (!valid) {
            expect('error' in r && isOpsAgentError(r.error, 'HA_BAD_ENTITY')).toBe(true);
            expect(requests).toBe(before);
          }
          await outcome(client.callService(service, service, {}));
        },
      ),
      { numRuns: RUNS },
    );
    report('home-assistant', 'entity ids and service names', RUNS);
  });
});

// A Docker Engine API double on a unix socket that answers each request as the case says.
let docker: Server;
let socketPath: string;
let dir: string;
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsagent-fuzz-docker-'));
  socketPath = join(dir, 'docker.sock');
  docker = createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => docker.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => docker.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const inspectLike = fc.record(
  {
    Id: fc.oneof(fc.constantFrom('abc123', 'def456'), odd),
    Name: fc.oneof(fc.constantFrom('/web', '/db', ''), odd),
    RestartCount: fc.oneof(fc.nat(50), odd),
    State: fc.oneof(
      fc.record(
        {
          Status: fc.oneof(fc.constantFrom('running', 'exited', 'restarting', 'weird'), odd),
          OOMKilled: fc.oneof(fc.boolean(), odd),
          ExitCode: fc.oneof(fc.integer({ min: -1, max: 255 }), odd),
          StartedAt: fc.oneof(
            fc.constantFrom('2026-11-21T10:00:00Z', '0001-01-01T00:00:00Z', 'nope'),
            odd,
          ),
          FinishedAt: odd,
          Health: fc.oneof(
            fc.record(
              {
                Status: odd,
                FailingStreak: odd,
                Log: fc.oneof(fc.array(fc.record({ Output: odd }), { maxLength: 2 }), odd),
              },
              { requiredKeys: [] },
            ),
            odd,
          ),
        },
        { requiredKeys: [] },
      ),
      odd,
    ),
    Config: fc.oneof(
      fc.record({ Image: odd, Tty: fc.oneof(fc.boolean(), odd) }, { requiredKeys: [] }),
      odd,
    ),
    HostConfig: fc.oneof(
      fc.record({ RestartPolicy: fc.oneof(fc.record({ Name: odd }), odd) }, { requiredKeys: [] }),
      odd,
    ),
  },
  { requiredKeys: [] },
);

const listLike = fc.oneof(
  fc.array(
    fc.record(
      {
        Id: fc.oneof(
          fc.constantFrom('abc123', 'def456', '../../_ping', 'a b', 'x?y=1', '%zz', 'é'),
          odd,
        ),
        Names: odd,
      },
      { requiredKeys: [] },
    ),
    { maxLength: 4 },
  ),
  odd,
);

type Reply = { status: number; type: string; body: Buffer };
const reply = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Reply> =>
  fc
    .tuple(
      fc.constantFrom(200, 200, 200, 200, 204, 304, 404, 409, 500),
      fc.oneof(
        value.map((v) => Buffer.from(JSON.stringify(v) ?? '')),
        fc.string({ maxLength: 30 }).map((s) => Buffer.from(s)),
        fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      ),
      fc.constantFrom(
        'application/json',
        'text/plain',
        'application/vnd.docker.multiplexed-stream',
      ),
    )
    .map(([status, body, type]) => ({ status, body, type }));

function wellFormedContainer(c: ContainerInfo): void {
  expect(typeof c.id).toBe('string');
  expect(typeof c.name).toBe('string');
  expect(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']).toContain(
    c.state,
  );
  expect(['healthy', 'unhealthy', 'starting', 'none']).toContain(c.health);
  expect(Number.isInteger(c.restartCount)).toBe(true);
  if (c.startedAt) expect(Number.isNaN(c.startedAt.getTime())).toBe(false);
}

describe('Docker Engine responses, fuzzed', () => {
  it('containers(), inspect() and logs(): well-formed containers and frames or a coded error', async () => {
    const client = createDockerEngineClient({ socketPath, timeoutMs: 2_000 });
    await fc.assert(
      fc.asyncProperty(
        reply(listLike),
        reply(inspectLike),
        reply(fc.constant(null)),
        fc.constantFrom('containers', 'inspect', 'logs'),
        async (list, inspect, logs, call) => {
          answer = (req, res) => {
            const url = req.url ?? '';
            const r = url.startsWith('/containers/json')
              ? list
              : url.includes('/logs')
                ? logs
                : inspect;
            res.writeHead(r.status, { 'content-type': r.type });
            res.end(r.status === 204 || r.status === 304 ? undefined : r.body);
          };
          if (call === 'containers') {
            const r = await outcome(client.containers());
            if ('value' in r) r.value.forEach(wellFormedContainer);
          } else if (call === 'inspect') {
            const r = await outcome(client.inspect('web'));
            if ('value' in r) wellFormedContainer(r.value);
          } else {
            const r = await outcome(client.logs('web', { tail: 10 }));
            if ('value' in r) expect(typeof logText(r.value)).toBe('string');
          }
        },
      ),
      { numRuns: RUNS },
    );
    report('docker-engine', 'containers, inspect and logs responses over a unix socket', RUNS);
  });

  it('demuxing any byte stream keeps every byte of complete frames and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const frames = demuxDockerStream(Buffer.from(bytes));
        for (const f of frames) expect(['stdout', 'stderr']).toContain(f.stream);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            stream: fc.constantFrom('stdout' as const, 'stderr' as const),
            text: fc.string({ maxLength: 30 }),
          }),
          { maxLength: 5 },
        ),
        (frames) => {
          // Round trip: nothing lost, order kept.
          expect(demuxDockerStream(muxDockerStream(frames))).toEqual(frames);
        },
      ),
      { numRuns: RUNS },
    );
    report('docker-engine', 'log stream demux (random bytes and round trip)', RUNS * 2);
  });
});
