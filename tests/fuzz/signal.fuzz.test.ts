import {
  type Classified,
  classifyFrame,
  createSignalChannel,
  SignalApi,
} from '@opsagent/channel-signal';
import { createAgent, definePlugin, isOpsAgentError, type Logger } from '@opsagent/core';
import { createScriptedModel, reply, startFakeSignalServer } from '@opsagent/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';

// Surface 2: Signal envelopes. Whatever signal-cli-rest-api sends (WebSocket frames, polled
// arrays) is classified without throwing; malformed frames are skipped with a log line; the
// channel keeps receiving and answering real messages after any amount of garbage.

const RUNS = fuzzRuns();
const OWN = '+15550000001';
const OWNER = '+15550000002';
const STRANGER = '+15550000666';

const KINDS = new Set(['message', 'reaction', 'ignored', 'error', 'malformed']);

/** Checks one classification is well-formed. */
function wellFormed(c: Classified): void {
  expect(KINDS.has(c.kind)).toBe(true);
  if (c.kind === 'message') {
    expect(typeof c.text).toBe('string');
    expect(c.text.trim()).toBe(c.text);
    expect(c.text.length).toBeGreaterThan(0);
    expect(Boolean(c.sender.number || c.sender.uuid)).toBe(true);
    expect(Number.isInteger(c.timestamp) && c.timestamp > 0).toBe(true);
  }
  if (c.kind === 'reaction') {
    expect(c.emoji.length).toBeGreaterThan(0);
    expect(Number.isInteger(c.targetTimestamp) && c.targetTimestamp > 0).toBe(true);
  }
  if (c.kind === 'malformed') expect(c.problem.length).toBeGreaterThan(0);
}

/** A valid frame as signal-cli-rest-api sends it, to mutate. */
function validFrame(from: string, text: string, timestamp: number): Record<string, unknown> {
  return {
    envelope: {
      source: from,
      sourceNumber: from,
      sourceUuid: '6f1c0b7e-1d2a-4c55-9a55-2b9d2b6d1a10',
      sourceName: 'Someone',
      sourceDevice: 1,
      timestamp,
      dataMessage: {
        timestamp,
        message: text,
        expiresInSeconds: 0,
        viewOnce: false,
        groupInfo: { groupId: 'Z3JvdXA=', type: 'DELIVER' },
        quote: { id: timestamp - 1, author: OWN, text: 'plan' },
        reaction: {
          emoji: '👍',
          targetAuthor: OWN,
          targetSentTimestamp: timestamp - 1,
          isRemove: false,
        },
      },
    },
    account: OWN,
  };
}

const odd = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    undefined,
    -1,
    0,
    1.5,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    '+',
    '👍',
    [],
    {},
  ),
);

/** Paths into a frame, for near-valid mutations. */
const FIELD_PATHS: string[][] = [
  [],
  ['envelope'],
  ['account'],
  ['jsonrpc'],
  ['envelope', 'source'],
  ['envelope', 'sourceNumber'],
  ['envelope', 'sourceUuid'],
  ['envelope', 'sourceName'],
  ['envelope', 'timestamp'],
  ['envelope', 'dataMessage'],
  ['envelope', 'syncMessage'],
  ['envelope', 'typingMessage'],
  ['envelope', 'receiptMessage'],
  ['envelope', 'editMessage'],
  ['envelope', 'dataMessage', 'message'],
  ['envelope', 'dataMessage', 'timestamp'],
  ['envelope', 'dataMessage', 'groupInfo'],
  ['envelope', 'dataMessage', 'groupInfo', 'groupId'],
  ['envelope', 'dataMessage', 'quote'],
  ['envelope', 'dataMessage', 'quote', 'id'],
  ['envelope', 'dataMessage', 'reaction'],
  ['envelope', 'dataMessage', 'reaction', 'emoji'],
  ['envelope', 'dataMessage', 'reaction', 'targetSentTimestamp'],
  ['envelope', 'dataMessage', 'reaction', 'isRemove'],
];

function setAt(tree: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const base = tree && typeof tree === 'object' && !Array.isArray(tree) ? tree : {};
  const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  if (value === undefined && rest.length === 0) delete copy[head];
  else copy[head] = setAt(copy[head], rest, value);
  return copy;
}

/** A valid frame with 1-4 fields set to odd values or removed. */
const nearValid = fc
  .tuple(
    fc.constantFrom(OWN, STRANGER, 'not-a-number', ''),
    fc.string({ maxLength: 20 }),
    fc.integer({ min: 1, max: 2 ** 45 }),
    fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), odd), { minLength: 1, maxLength: 4 }),
    fc.boolean(),
  )
  .map(([from, text, ts, edits, rpc]) => {
    let frame: unknown = validFrame(from, text, ts);
    if (rpc) frame = { jsonrpc: '2.0', method: 'receive', params: frame };
    for (const [path, value] of edits)
      frame = setAt(frame, rpc && path.length > 0 ? ['params', ...path] : path, value);
    return frame;
  });

const anyFrame = fc.oneof(
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 4, arbitrary: nearValid },
  { weight: 1, arbitrary: nearValid.map((f) => String(JSON.stringify(f)).slice(0, -1)) },
);

describe('Signal frames, fuzzed', () => {
  it('classifyFrame never throws and always says what the frame is', () => {
    fc.assert(
      fc.property(anyFrame, (frame) => {
        wellFormed(classifyFrame(frame, OWN));
      }),
      { numRuns: RUNS },
    );
    report('signal', 'classifyFrame on random and near-valid frames', RUNS);
  });

  it('a polled response that is not a JSON array is a clear, retryable error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 40 }),
        ),
        fc.constantFrom(200, 200, 200, 400, 404, 500, 502),
        async (body, status) => {
          const api = new SignalApi({
            url: 'http://127.0.0.1:9',
            number: OWN,
            fetch: async () => new Response(body, { status }),
          });
          const outcome = await bounded(
            api.receive(1, new AbortController().signal).then(
              (frames) => ({ frames }),
              (error: unknown) => ({ error }),
            ),
          );
          if ('frames' in outcome) {
            expect(Array.isArray(outcome.frames)).toBe(true);
            for (const frame of outcome.frames) wellFormed(classifyFrame(frame, OWN));
          } else {
            expect(isOpsAgentError(outcome.error)).toBe(true);
            expect((outcome.error as Error).message).toMatch(/signal-cli-rest-api|Signal/);
          }
        },
      ),
      { numRuns: RUNS },
    );
    report('signal', 'polled receive bodies', RUNS);
  });

  it('over the WebSocket, garbage is skipped with a log line and every real message is answered', async () => {
    const batches = Math.max(10, Math.round(RUNS / 10));
    const fake = await startFakeSignalServer({ number: OWN });
    const warnings: string[] = [];
    const logger: Logger = {
      trace() {},
      debug() {},
      info() {},
      warn(fields: unknown, message?: string) {
        warnings.push(String(message ?? fields));
      },
      error(fields: unknown, message?: string) {
        warnings.push(`ERROR ${String(message ?? fields)}`);
      },
      child() {
        return logger;
      },
    };
    const channel = createSignalChannel({
      apiUrl: fake.url,
      number: OWN,
      allowedSenders: [OWNER],
      typingRefreshMs: 60_000,
    });
    const agent = await createAgent({
      plugins: [definePlugin({ name: 'signal', setup: () => ({ channels: [channel] }) })],
      principals: [{ id: 'owner', roles: ['admin'], identities: { signal: [OWNER] } }],
      model: createScriptedModel(Array.from({ length: batches }, (_, i) => reply(`answer ${i}`))),
      monitor: { enabled: false },
      logger,
    });
    await agent.start();
    let frames = 0;
    let batch = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(anyFrame, { minLength: 10, maxLength: 10 }), async (garbage) => {
          for (const frame of garbage) fake.deliver(frame);
          frames += garbage.length;
          const n = batch++;
          fake.message({ from: OWNER, text: `question ${n}` });
          const sent = await bounded(fake.waitForSend((s) => s.body.message === `answer ${n}`));
          expect(sent.body.recipients).toEqual([OWNER]);
        }),
        { numRuns: batches, endOnFailure: true },
      );
    } finally {
      await agent.stop();
      await fake.close();
    }
    expect(warnings.filter((w) => w.startsWith('ERROR'))).toEqual([]);
    expect(warnings.some((w) => w.includes('malformed Signal frame skipped'))).toBe(true);
    report('signal', 'frames through the channel over the WebSocket', frames);
  });
});
