import { createSlackChannel } from '@opsagent/channel-slack';
import type { Logger } from '@opsagent/core';
import {
  appMention,
  type FakeSlackServer,
  type FakeSlackSocketServer,
  startFakeSlackServer,
  startFakeSlackSocketServer,
} from '@opsagent/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';
import { constantModel, startGuardedAgent } from './slack-agent.js';

// Surface: Socket Mode frames, through the real Bolt SocketModeReceiver (and @slack/socket-mode's
// client) connected to testkit's Socket Mode double on 127.0.0.1. Every well-formed envelope (a
// known type with an envelope_id) is acked exactly once, whatever its payload; anything else is
// logged and dropped without an ack; the process never crashes, nothing runs, and a real question
// afterwards is still answered.

const RUNS = fuzzRuns(300);
const TOKEN = 'xoxb-fuzz-bot-token';
const APP_TOKEN = 'xapp-1-fuzz';
const ENVELOPE_TYPES = ['events_api', 'interactive', 'slash_commands'] as const;
/** Names the Socket Mode client emits for itself: an envelope must not be able to fake them. */
const CLIENT_EVENTS = [
  'error',
  'close',
  'ws_message',
  'slack_event',
  'outgoing_message',
  'connecting',
  'connected',
  'authenticated',
  'reconnecting',
  'disconnecting',
  'disconnected',
];
const DROPPED = 'malformed Socket Mode frame dropped';

let slack: FakeSlackServer;
let socket: FakeSlackSocketServer;
let stopAll: () => Promise<void>;
let idle: () => Promise<void>;
const executed: string[] = [];
const errors: string[] = [];
const warnings: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const model = constantModel();

const text = (fields: unknown) =>
  JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v))?.slice(0, 300);
const logger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn(fields: unknown, message?: string) {
    warnings.push(typeof fields === 'string' ? fields : (message ?? text(fields) ?? ''));
  },
  error(fields: unknown, message?: string) {
    // A reply that could not reach the fake Web API over loopback says nothing about frames.
    if (message === 'could not send a reply' && text(fields)?.includes('A request error')) return;
    errors.push(`${typeof fields === 'string' ? fields : (message ?? '')} ${text(fields)}`);
  },
  child() {
    return logger;
  },
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  socket = await startFakeSlackSocketServer({ pingIntervalMs: 1_000 });
  slack = await startFakeSlackServer({ botToken: TOKEN, appToken: APP_TOKEN });
  slack.setSocketUrl(socket.url);
  const channel = createSlackChannel({
    mode: 'socket',
    botToken: TOKEN,
    appToken: APP_TOKEN,
    apiUrl: slack.url,
    apiRetries: 0,
  });
  const agent = await startGuardedAgent({ channel, logger, model, executed });
  await socket.waitForConnection();
  idle = () => agent.idle();
  stopAll = async () => {
    await agent.stop();
    await socket.close();
    await slack.close();
    process.off('unhandledRejection', onUnhandled);
  };
});
afterAll(async () => {
  await stopAll?.();
});

let counter = 0;
const nextId = () => `env-${++counter}`;

const slackId = fc.oneof(
  fc.constantFrom('U_ALICE', 'U_BOT', 'U_STRANGER', 'C_OPS', 'D_ALICE', 'T_FAKE', ''),
  fc.string({ maxLength: 12 }),
);
const oddValue = fc.oneof(
  slackId,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 0, -1, true, [], {}, '<@U_BOT>', 'approve_plan', 'reject_plan'),
);

/** Event callbacks with odd fields, and payloads that are not event callbacks at all. */
const eventsPayload = fc.oneof(
  fc
    .record({
      eventType: fc.constantFrom(
        'app_mention',
        'message',
        'reaction_added',
        'app_home_opened',
        ...CLIENT_EVENTS,
      ),
      user: oddValue,
      channel: oddValue,
      channelType: fc.constantFrom('im', 'channel', 'group', undefined),
      subtype: fc.constantFrom(undefined, 'bot_message', 'message_changed', 'thread_broadcast'),
      text: fc.oneof(fc.string({ maxLength: 40 }), oddValue),
      ts: fc.oneof(fc.constantFrom('1700000000.000100'), oddValue),
      threadTs: fc.option(oddValue, { nil: undefined }),
      drop: fc.subarray(['event', 'type', 'team_id', 'authorizations', 'event_id']),
    })
    .map((f) => {
      const body: Record<string, unknown> = {
        token: 'legacy',
        team_id: 'T_FAKE',
        api_app_id: 'A_FAKE',
        type: 'event_callback',
        event_id: 'EvFUZZ',
        event_time: 1_700_000_000,
        authorizations: [{ team_id: 'T_FAKE', user_id: 'U_BOT', is_bot: true }],
        event: {
          type: f.eventType,
          user: f.user,
          channel: f.channel,
          channel_type: f.channelType,
          subtype: f.subtype,
          text: f.text,
          ts: f.ts,
          event_ts: f.ts,
          thread_ts: f.threadTs,
        },
      };
      for (const key of f.drop) delete body[key];
      return body as unknown;
    }),
  fc.constantFrom(null, [], 'x', 0, {}, { event: null }, { event: [] }, { event: { type: 5 } }),
  fc.jsonValue({ maxDepth: 3 }),
);

const commandPayload = fc.oneof(
  fc
    .record({
      command: fc.oneof(fc.constant('/opsagent'), fc.string({ maxLength: 10 })),
      text: fc.oneof(
        fc.constantFrom('status', 'help', 'pending', ''),
        fc.string({ maxLength: 30 }),
      ),
      user_id: oddValue,
      channel_id: oddValue,
      drop: fc.subarray(['command', 'text', 'user_id', 'channel_id', 'trigger_id']),
    })
    .map(({ drop, ...f }) => {
      const body: Record<string, unknown> = {
        ...f,
        team_id: 'T_FAKE',
        response_url: `${slack.responseUrlBase}/fuzz`,
        trigger_id: '1.1.cmd',
      };
      for (const key of drop) delete body[key];
      return body as unknown;
    }),
  fc.jsonValue({ maxDepth: 3 }),
);

const interactivePayload = fc.oneof(
  fc
    .record({ user: oddValue, actionId: fc.constantFrom('approve_plan', 'reject_plan', 'x') })
    .map((f) => ({
      type: 'block_actions',
      user: { id: f.user, team_id: 'T_FAKE' },
      team: { id: 'T_FAKE' },
      channel: { id: 'C_OPS' },
      container: { type: 'message', message_ts: '1.2', channel_id: 'C_OPS' },
      message: { type: 'message', ts: '1.2', blocks: [] },
      response_url: `${slack.responseUrlBase}/fuzz`,
      actions: [{ type: 'button', action_id: f.actionId, value: 'plan-1', action_ts: '1.3' }],
    })),
  fc.constantFrom({ type: 'shortcut', callback_id: 'x' }, { type: 'view_submission' }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Frame = {
  kind: 'envelope' | 'hello' | 'malformed';
  /** The frame sent, as is. */
  raw: string | Buffer;
  /** The envelope id the client must (envelope) or must not (malformed) ack. */
  id?: string;
};

/** Well-formed envelopes: a known type and an envelope_id, with any payload. */
const envelope: fc.Arbitrary<Frame> = fc
  .record({
    type: fc.constantFrom(...ENVELOPE_TYPES),
    events: eventsPayload,
    command: commandPayload,
    interactive: interactivePayload,
    accepts: fc.option(oddValue, { nil: undefined }),
    retry: fc.option(oddValue, { nil: undefined }),
  })
  .map((f) => {
    const id = nextId();
    const payload =
      f.type === 'events_api' ? f.events : f.type === 'slash_commands' ? f.command : f.interactive;
    return {
      kind: 'envelope' as const,
      id,
      raw: JSON.stringify({
        type: f.type,
        envelope_id: id,
        payload,
        accepts_response_payload: f.accepts,
        retry_attempt: f.retry,
        retry_reason: f.retry === undefined ? undefined : 'timeout',
      }),
    };
  });

/** A well-formed event envelope of 1 to 3 MB (a huge message text). */
const huge: fc.Arbitrary<Frame> = fc.integer({ min: 1, max: 3 }).map((mb) => {
  const id = nextId();
  return {
    kind: 'envelope' as const,
    id,
    raw: JSON.stringify({
      type: 'events_api',
      envelope_id: id,
      payload: appMention({ text: 'x'.repeat(mb * 1024 * 1024), user: 'U_STRANGER' }),
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
    }),
  };
});

const hello: fc.Arbitrary<Frame> = fc
  .record({ num: oddValue, extra: fc.jsonValue({ maxDepth: 2 }) })
  .map((f) => ({
    kind: 'hello' as const,
    raw: JSON.stringify({ type: 'hello', num_connections: f.num, debug_info: f.extra }),
  }));

/** Frames that are not envelopes: not JSON, not an object, no or odd envelope_id or type. */
const malformed: fc.Arbitrary<Frame> = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => ({ kind: 'malformed' as const, raw: `${s}{` })),
  fc
    .constantFrom('null', '[]', '1', '"events_api"', 'true', '{', '{"type":', '')
    .map((raw) => ({ kind: 'malformed' as const, raw })),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({
    kind: 'malformed' as const,
    raw: Buffer.from(bytes),
  })),
  // Truncated envelopes.
  envelope.map((e) => ({ kind: 'malformed' as const, raw: String(e.raw).slice(0, -2) })),
  // Missing or odd envelope_id on a known type.
  fc
    .record({
      type: fc.constantFrom(...ENVELOPE_TYPES),
      envelopeId: fc.constantFrom(undefined, null, 5, '', {}, ['x']),
      payload: eventsPayload,
    })
    .map((f) => ({
      kind: 'malformed' as const,
      raw: JSON.stringify({ type: f.type, envelope_id: f.envelopeId, payload: f.payload }),
    })),
  // A type that is not a Socket Mode type (or not a string), with an envelope_id.
  fc
    .record({
      type: fc.oneof(
        fc.constantFrom(...CLIENT_EVENTS, 'x', 'EVENTS_API', 5, null, {}, ['events_api']),
        fc.string({ maxLength: 12 }),
      ),
      payload: eventsPayload,
    })
    .filter((f) => !['hello', 'disconnect', ...ENVELOPE_TYPES].includes(f.type as string))
    .map((f) => {
      const id = nextId();
      return {
        kind: 'malformed' as const,
        id,
        raw: JSON.stringify({ type: f.type, envelope_id: id, payload: f.payload }),
      };
    }),
);

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: envelope, weight: 10 },
  { arbitrary: malformed, weight: 8 },
  { arbitrary: hello, weight: 1 },
  { arbitrary: huge, weight: 1 },
);

const sent: Frame[] = [];
let asked = 0;

/** Sends a real question and waits for its answer in the thread. */
async function askReal(): Promise<void> {
  asked += 1;
  const ts = `1700009${String(asked).padStart(3, '0')}.000001`;
  const ack = await socket.deliver('events_api', appMention({ text: 'still there?', ts }));
  expect(ack.envelope_id).toBeTruthy();
  await bounded(
    slack.waitFor(() =>
      slack.thread('C_OPS', ts).some((m) => m.text === 'answered after the fuzzing'),
    ),
  );
}

async function waitUntil(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function run(f: Frame): Promise<void> {
  const dropped = warnings.filter((w) => w.includes(DROPPED)).length;
  sent.push(f);
  socket.sendRaw(f.raw);
  const describeFrame = () =>
    `${f.kind} ${typeof f.raw === 'string' ? f.raw.slice(0, 300) : `<${f.raw.length} bytes>`}`;
  try {
    if (f.kind === 'envelope') {
      await waitUntil(() => socket.acksFor(f.id!).length > 0, `ack of ${f.id}`);
    } else if (f.kind === 'malformed') {
      await waitUntil(
        () => warnings.filter((w) => w.includes(DROPPED)).length > dropped,
        'log line for the dropped frame',
      );
    }
    await bounded(idle());
  } catch (error) {
    throw new Error(`${describeFrame()}: ${error}`, { cause: error });
  }
  if (errors.length > 0 || unhandled.length > 0) {
    throw new Error(
      `failed for ${describeFrame()}: ${errors.splice(0).join('; ')} ${unhandled.splice(0).map(String).join('; ')}`,
    );
  }
  expect(socket.connections).toBe(1);
  expect(executed).toEqual([]);
  if (sent.length % 25 === 0) await askReal();
}

describe('Socket Mode frames through the Bolt SocketModeReceiver, fuzzed', () => {
  it('envelopes, hello, huge and malformed frames: acked once or logged and dropped, never a crash', async () => {
    await fc.assert(fc.asyncProperty(frame, run), { numRuns: RUNS });
    await askReal();
    await idle();
    for (const f of sent) {
      if (f.kind === 'envelope') expect(socket.acksFor(f.id!), f.id).toHaveLength(1);
      if (f.kind === 'malformed' && f.id) expect(socket.acksFor(f.id), f.id).toHaveLength(0);
    }
    expect(errors).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(executed).toEqual([]);
    report('socket', 'envelopes, hello, huge and malformed frames', RUNS);
  });

  it('a disconnect with an odd reason reconnects, and the next event is answered', async () => {
    const opens = slack.callsTo('apps.connections.open').length;
    socket.sendRaw(JSON.stringify({ type: 'disconnect', reason: { odd: true } }));
    await waitUntil(
      () => slack.callsTo('apps.connections.open').length > opens,
      'reconnect',
      20_000,
    );
    await socket.waitForConnection();
    await waitUntil(() => socket.connections === 1, 'one connection');
    await askReal();
    expect(errors).toEqual([]);
    expect(unhandled).toEqual([]);
    report('socket', 'disconnect with an odd reason, then a question', 1);
  }, 30_000);
});
