import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Agent,
  createAgent,
  definePlugin,
  defineRemediation,
  defineTool,
  type InboundMessage,
  isOpsAgentError,
  type Logger,
  silentLogger,
} from '@opsagent/core';
import {
  callTool,
  createScriptedModel,
  type FakeSignalServer,
  type FakeSignalServerOptions,
  reply,
  type ScriptStep,
  startFakeSignalServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRetryAfter, SignalApi } from './api.js';
import { createSignalChannel, type SignalChannel, type SignalChannelOptions } from './channel.js';
import { groupRecipient } from './envelope.js';

const OWNER = '+15550000002';
const FRIEND_UUID = '6f1c0b7e-1d2a-4c55-9a55-2b9d2b6d1a10';
const STRANGER = '+15550000666';

interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

function recordingLogger(records: LogRecord[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
      if (typeof fieldsOrMessage === 'string')
        records.push({ level, fields: bindings, message: fieldsOrMessage });
      else records.push({ level, fields: { ...bindings, ...fieldsOrMessage }, message });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(records, { ...bindings, ...more }),
  };
}

function labPlugin() {
  const runs: string[] = [];
  const plugin = definePlugin({
    name: 'lab',
    setup: () => ({
      tools: [
        defineTool({
          name: 'list_containers',
          description: 'List containers',
          input: z.object({}),
          async run() {
            return 'web (unhealthy), db (running)';
          },
        }),
      ],
      remediations: [
        defineRemediation({
          name: 'restart_container',
          description: 'Restart a container',
          input: z.object({ container: z.string() }),
          risk: 'medium',
          describe: (input) => `docker restart ${input.container} on host sagan`,
          async execute(input) {
            runs.push(input.container);
            return { ok: true, detail: `restarted ${input.container}` };
          },
        }),
      ],
    }),
  });
  return { plugin, runs };
}

interface Setup {
  fake: FakeSignalServer;
  agent: Agent;
  channel: SignalChannel;
  runs: string[];
  logs: LogRecord[];
  /** Waits until the agent has handled everything the fake delivered so far. */
  settle(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: {
    fake?: FakeSignalServerOptions;
    channel?: Partial<SignalChannelOptions>;
    script?: ScriptStep[];
    start?: boolean;
  } = {},
): Promise<Setup> {
  const fake = await startFakeSignalServer(options.fake);
  cleanups.push(() => fake.close());
  const logs: LogRecord[] = [];
  const logger = recordingLogger(logs);
  const channel = createSignalChannel({
    apiUrl: fake.url,
    number: fake.number,
    allowedSenders: [OWNER, FRIEND_UUID],
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    pollTimeoutSeconds: 1,
    typingRefreshMs: 60_000,
    ...options.channel,
  });
  const { plugin, runs } = labPlugin();
  const agent = await createAgent({
    plugins: [definePlugin({ name: 'signal', setup: () => ({ channels: [channel] }) }), plugin],
    principals: [
      { id: 'owner', roles: ['admin'], identities: { signal: [OWNER] } },
      { id: 'friend', roles: ['viewer'], identities: { signal: [FRIEND_UUID] } },
    ],
    model: createScriptedModel(options.script ?? []),
    monitor: { enabled: false },
    logger,
  });
  cleanups.push(() => agent.stop());
  if (options.start !== false) await agent.start();
  const settle = async () => {
    // Frames reach the agent asynchronously: wait for the fake's queue to drain, then the agent.
    for (let i = 0; i < 200 && fake.queued() > 0; i += 1)
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    await agent.idle();
  };
  return { fake, agent, channel, runs, logs, settle };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('signal channel start-up', () => {
  it('fails with a clear message when signal-cli-rest-api is unreachable', async () => {
    const port = await closedPort();
    const channel = createSignalChannel({
      apiUrl: `http://127.0.0.1:${port}`,
      number: '+15550000001',
    });
    const error = await channel
      .start({ receive: async () => {}, logger: silentLogger })
      .catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_API_UNREACHABLE')).toBe(true);
    expect(String((error as Error).message)).toContain(`http://127.0.0.1:${port}`);
    expect(String((error as Error).message)).toContain('SIGNAL_API_URL');
    await channel.stop();
  });

  it('fails when the number is not registered, naming how to link it', async () => {
    const fake = await startFakeSignalServer({ accounts: ['+15559999999'] });
    cleanups.push(() => fake.close());
    const channel = createSignalChannel({ apiUrl: fake.url, number: fake.number });
    const error = await channel
      .start({ receive: async () => {}, logger: silentLogger })
      .catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_NUMBER_NOT_REGISTERED')).toBe(true);
    expect(String((error as Error).message)).toContain('qrcodelink');
    await channel.stop();
  });

  it('fails when /v1/about answers with an error', async () => {
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    fake.failNext('about', { status: 500, body: { error: 'boom' } });
    const channel = createSignalChannel({ apiUrl: fake.url, number: fake.number });
    const error = await channel
      .start({ receive: async () => {}, logger: silentLogger })
      .catch((e: unknown) => e);
    expect(isOpsAgentError(error)).toBe(true);
    expect(String((error as Error).message)).toContain('HTTP 500');
    await channel.stop();
  });

  it('picks the WebSocket in json-rpc mode and polling in normal mode', async () => {
    const ws = await setup();
    expect(ws.channel.receiveMode).toBe('websocket');
    expect(ws.channel.connected).toBe(true);
    const poll = await setup({ fake: { mode: 'normal' } });
    expect(poll.channel.receiveMode).toBe('poll');
  });
});

describe('signal channel conversation', () => {
  it('answers status from an allowlisted number with styled text and no model call', async () => {
    const t = await setup();
    t.fake.message({ from: OWNER, text: 'help' });
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body).toMatchObject({
      number: t.fake.number,
      recipients: [OWNER],
      text_mode: 'styled',
    });
    expect(sent?.body.message).toContain('approve');
    expect(t.fake.typing).toEqual([]);
  });

  it('accepts an allowlisted uuid when the envelope carries no number', async () => {
    const t = await setup();
    const frame = t.fake.frameFor({ from: '+15550000003', uuid: FRIEND_UUID, text: 'help' });
    frame.envelope.sourceNumber = null;
    frame.envelope.source = FRIEND_UUID;
    t.fake.deliver(frame);
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body.recipients).toEqual([FRIEND_UUID]);
  });

  it('gives an unknown sender nothing, logs them once, and runs no tool', async () => {
    const t = await setup({ script: [callTool('list_containers'), reply('should not happen')] });
    t.fake.message({ from: STRANGER, text: 'what containers are unhealthy?' });
    t.fake.message({ from: STRANGER, text: 'status' });
    t.fake.message({ from: OWNER, text: 'help' });
    await t.fake.waitForSent(1);
    await t.settle();
    expect(t.fake.sent.map((s) => s.body.recipients[0])).toEqual([OWNER]);
    const warnings = t.logs.filter((l) => l.level === 'warn' && l.fields.sender === STRANGER);
    expect(warnings).toHaveLength(1);
    expect(t.fake.typing).toEqual([]);
    expect((await t.agent.store.listAudit()).filter((a) => a.type === 'tool_call')).toEqual([]);
  });

  it('skips malformed frames and API errors without stopping', async () => {
    const t = await setup();
    t.fake.deliver('{not json');
    t.fake.deliver({ envelope: { source: OWNER } });
    t.fake.deliver({
      envelope: { timestamp: 5, dataMessage: { message: 'no source' } },
      account: t.fake.number,
    });
    t.fake.deliver({ envelope: { source: OWNER, timestamp: 'yesterday' } });
    t.fake.deliver({ error: 'receive failed: untrusted identity' });
    t.fake.deliver([1, 2, 3]);
    t.fake.message({ from: OWNER, text: 'help' });
    await t.fake.waitForSent(1);
    await t.settle();
    expect(t.fake.sent).toHaveLength(1);
    expect(t.logs.filter((l) => l.message === 'malformed Signal frame skipped')).toHaveLength(5);
    expect(t.logs.some((l) => l.message === 'signal-cli-rest-api reported a receive error')).toBe(
      true,
    );
  });

  it('ignores its own number, sync messages, typing and receipts', async () => {
    const t = await setup();
    t.fake.message({ from: t.fake.number, text: 'help' });
    const sync = t.fake.frameFor({ from: OWNER, text: 'help' }) as {
      envelope: Record<string, unknown>;
    };
    delete sync.envelope.dataMessage;
    sync.envelope.syncMessage = {
      sentMessage: { destination: OWNER, message: 'help', timestamp: 1 },
    };
    t.fake.deliver(sync);
    const typing = t.fake.frameFor({ from: OWNER }) as { envelope: Record<string, unknown> };
    delete typing.envelope.dataMessage;
    typing.envelope.typingMessage = { action: 'STARTED', timestamp: 1 };
    t.fake.deliver(typing);
    t.fake.message({ from: OWNER, text: 'incidents' });
    const sent = await t.fake.waitForSent(1);
    await t.settle();
    expect(t.fake.sent).toHaveLength(1);
    expect(sent[0]?.body.message).toContain('No open incidents');
  });

  it('handles a duplicate delivery once', async () => {
    const t = await setup({ script: [reply('web is unhealthy.')] });
    const frame = t.fake.frameFor({ from: OWNER, text: 'anything unhealthy?' });
    t.fake.deliver(frame);
    t.fake.deliver(frame);
    await t.fake.waitForSent(1);
    await t.settle();
    expect(t.fake.sent).toHaveLength(1);
  });

  it('shows the typing indicator while answering a question, then stops it', async () => {
    const t = await setup({
      script: [callTool('list_containers'), reply('**web** is unhealthy.')],
    });
    t.fake.message({ from: OWNER, text: 'what containers are unhealthy?' });
    const [sent] = await t.fake.waitForSent(1);
    await t.settle();
    expect(sent?.body.message).toBe('**web** is unhealthy.');
    expect(t.fake.typing).toEqual([
      { action: 'start', recipient: OWNER },
      { action: 'stop', recipient: OWNER },
    ]);
  });

  it('replies into the group a message came from', async () => {
    const t = await setup({ fake: { groups: [{ internalId: 'b3BzLWdyb3Vw', name: 'ops' }] } });
    t.fake.message({ from: OWNER, text: 'help', groupId: 'b3BzLWdyb3Vw' });
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body.recipients).toEqual([groupRecipient('b3BzLWdyb3Vw')]);
  });

  it('splits a 6,000-character answer at paragraph boundaries', async () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `${i}: ${'x'.repeat(500)}`);
    const long = paragraphs.join('\n\n');
    expect(long.length).toBeGreaterThan(5_900);
    const t = await setup({ script: [reply(long)] });
    t.fake.message({ from: OWNER, text: 'tell me everything' });
    await t.fake.waitForSent(3);
    await t.settle();
    const bodies = t.fake.sent.map((s) => s.body.message ?? '');
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(2000);
    expect(bodies.join('\n\n')).toBe(long);
    for (const body of bodies) expect(body).toMatch(/^\d+: x+/);
  });

  it('reads both forms of the /v2/send reply', async () => {
    const t = await setup({ fake: { sendResponse: 'array' } });
    t.fake.message({ from: OWNER, text: 'help' });
    await t.fake.waitForSent(1);
    await t.settle();
    const out = await t.channel.send({ chat: OWNER }, { blocks: [{ type: 'text', text: 'hi' }] });
    expect(out.id).toBe(String(t.fake.sent[1]?.timestamp));
  });

  it('survives a refused send and answers the next message', async () => {
    const t = await setup();
    t.fake.failNext('send', {
      status: 400,
      body: { error: 'Failed to send message: Unregistered user' },
    });
    t.fake.message({ from: OWNER, text: 'help' });
    await t.settle();
    expect(t.fake.sent).toHaveLength(0);
    expect(t.logs.some((l) => l.level === 'error' && l.message === 'could not send a reply')).toBe(
      true,
    );
    t.fake.message({ from: OWNER, text: 'incidents' });
    await t.fake.waitForSent(1);
  });
});

describe('signal api client', () => {
  it('retries a send whose connection was refused while the API restarts, and sends it once', async () => {
    const port = await closedPort();
    const api = new SignalApi({ url: `http://127.0.0.1:${port}`, number: '+15550000001' });
    const sending = api.send(OWNER, 'hello', 'styled');
    await new Promise((r) => setTimeout(r, 100));
    const fake = await startFakeSignalServer({ port });
    cleanups.push(() => fake.close());
    const outcome = await sending;
    expect(fake.sent).toHaveLength(1);
    expect(outcome.timestamp).toBe(fake.sent[0]?.timestamp);
  });

  it('gives up on a refused send after its retries, with a clear error', async () => {
    const port = await closedPort();
    const api = new SignalApi({
      url: `http://127.0.0.1:${port}`,
      number: '+15550000001',
      sendRetries: 1,
    });
    const error = await api.send(OWNER, 'hello', 'styled').catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_REQUEST_FAILED')).toBe(true);
    expect(String(error)).toContain('ECONNREFUSED');
  });

  it('explains a rate limit that outlasts its retries, and sends nothing', async () => {
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    fake.failNext('send', { status: 429, times: 4 });
    const waits: number[] = [];
    let clock = 0;
    const api = new SignalApi({
      url: fake.url,
      number: fake.number,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      random: () => 0,
    });
    const error = await api.send(OWNER, 'hello', 'styled').catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_RATE_LIMITED')).toBe(true);
    expect(String(error)).toContain('rate-limit-challenge');
    expect(String(error)).toContain('after 3 retries');
    expect(String(error)).toContain('this message was not sent');
    expect(fake.requests.filter((r) => r.path === '/v2/send')).toHaveLength(4);
    expect(fake.sent).toHaveLength(0);
    // Without Retry-After: backoff from 1 s, doubling (random 0: the lower half of each step).
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('does not retry a 5xx (the message may have gone out)', async () => {
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    fake.failNext('send', { status: 503, body: { error: 'signal-cli failed after sending' } });
    const waits: number[] = [];
    const api = new SignalApi({
      url: fake.url,
      number: fake.number,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const error = await api.send(OWNER, 'hello', 'styled').catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_REQUEST_FAILED')).toBe(true);
    expect(String(error)).toContain('HTTP 503');
    expect(fake.requests.filter((r) => r.path === '/v2/send')).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('signal channel rate limits', () => {
  /**
   * A channel on a fake API with a manual clock that a wait moves on; waits are recorded (and,
   * while `hold` is on, held until `release`).
   */
  async function limited(options: Partial<SignalChannelOptions> & { startAt?: number } = {}) {
    const { startAt = 0, ...channelOptions } = options;
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    const waits: number[] = [];
    let clock = startAt;
    let release: () => void = () => {};
    let held = false;
    const channel = createSignalChannel({
      apiUrl: fake.url,
      number: fake.number,
      receive: 'poll',
      pollTimeoutSeconds: 1,
      random: () => 0.5,
      now: () => clock,
      sleep: (ms) => {
        waits.push(ms);
        const done = () => {
          clock += ms;
        };
        if (!held) return Promise.resolve().then(done);
        return new Promise<void>((resolve) => {
          release = resolve;
        }).then(done);
      },
      ...channelOptions,
    });
    await channel.start({ receive: async () => {}, logger: silentLogger });
    cleanups.push(() => channel.stop());
    return {
      fake,
      channel,
      waits,
      hold() {
        held = true;
      },
      release() {
        held = false;
        release();
      },
    };
  }
  const text = (body: string) => ({
    kind: 'reply' as const,
    blocks: [{ type: 'text' as const, text: body }],
  });
  const sendCount = (fake: FakeSignalServer) =>
    fake.requests.filter((r) => r.path === '/v2/send').length;

  it('waits as Retry-After (seconds) says, then sends the message once', async () => {
    const t = await limited();
    t.fake.failNext('send', { status: 429, headers: { 'retry-after': '7' }, times: 2 });
    const sent = await t.channel.send({ chat: OWNER }, text('disk almost full'));
    expect(t.waits).toEqual([7000, 7000]);
    expect(t.fake.sent.map((s) => s.body.message)).toEqual(['disk almost full']);
    expect(sent.id).toBe(String(t.fake.sent[0]?.timestamp));
    expect(sendCount(t.fake)).toBe(3);
  });

  it('waits until a Retry-After date, capped at maxRetryWaitMs', async () => {
    const t = await limited({
      startAt: Date.parse('2026-11-21T10:00:00Z'),
      maxRetryWaitMs: 60_000,
    });
    t.fake.failNext('send', {
      status: 429,
      headers: { 'retry-after': 'Sat, 21 Nov 2026 10:00:20 GMT' },
    });
    t.fake.failNext('send', { status: 429, headers: { 'retry-after': '3600' } });
    await t.channel.send({ chat: OWNER }, text('hello'));
    expect(t.waits).toEqual([20_000, 60_000]);
    expect(t.fake.sent).toHaveLength(1);
  });

  it('backs off with jitter when there is no Retry-After', async () => {
    const t = await limited();
    t.fake.failNext('send', { status: 429, times: 2 });
    await t.channel.send({ chat: OWNER }, text('hello'));
    // random 0.5: three quarters of 1 s, then of 2 s.
    expect(t.waits).toEqual([750, 1500]);
    expect(t.fake.sent).toHaveLength(1);
  });

  it('keeps messages to one recipient in order while the first waits out a rate limit', async () => {
    const t = await limited();
    t.fake.failNext('send', { status: 429, headers: { 'retry-after': '5' } });
    t.hold();
    const first = t.channel.send({ chat: OWNER }, text('first'));
    for (let i = 0; i < 200 && t.waits.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(t.waits).toEqual([5000]);
    const second = t.channel.send({ chat: OWNER }, text('second'));
    await new Promise((r) => setTimeout(r, 50));
    expect(t.fake.sent).toHaveLength(0);
    t.release();
    await Promise.all([first, second]);
    expect(t.fake.sent.map((s) => s.body.message)).toEqual(['first', 'second']);
  });

  it('fails with a clear error after its retries, loses no later message, and says how much went out', async () => {
    let sends = 0;
    let fake: FakeSignalServer | undefined;
    const t = await limited({
      rateLimitRetries: 1,
      maxMessageLength: 200,
      // Once the first part is through, Signal starts refusing (twice: more than one retry).
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/v2/send') && ++sends === 1) {
          fake?.failNext('send', { status: 429, times: 2 });
        }
        return response;
      },
    });
    fake = t.fake;
    const long = Array.from({ length: 3 }, (_, i) => `${i}: ${'x'.repeat(150)}`).join('\n\n');
    const error = await t.channel.send({ chat: OWNER }, text(long)).catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_RATE_LIMITED')).toBe(true);
    expect(String(error)).toContain('this message was not sent');
    expect(String(error)).toContain('1 of 3 parts of the message were sent before it');
    expect(t.fake.sent).toHaveLength(1);
    // The next message to the same recipient is not stuck behind the failed one.
    await t.channel.send({ chat: OWNER }, text('next'));
    expect(t.fake.sent.map((s) => s.body.message).at(-1)).toBe('next');
    expect(t.fake.sent).toHaveLength(2);
  });

  it('gives up a send waiting out a rate limit when the channel stops, unsent', async () => {
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    // The real wait (no sleep seam): Signal asks for an hour; stop() must not wait for it.
    const channel = createSignalChannel({
      apiUrl: fake.url,
      number: fake.number,
      receive: 'poll',
      pollTimeoutSeconds: 1,
      maxRetryWaitMs: 3_600_000,
    });
    await channel.start({ receive: async () => {}, logger: silentLogger });
    fake.failNext('send', { status: 429, headers: { 'retry-after': '3600' } });
    const sending = channel.send({ chat: OWNER }, text('late')).catch((e: unknown) => e);
    for (let i = 0; i < 200 && sendCount(fake) === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(sendCount(fake)).toBe(1);
    await channel.stop();
    const error = await sending;
    expect(isOpsAgentError(error, 'SIGNAL_SEND_ABORTED')).toBe(true);
    expect(String(error)).toContain('this message was not sent');
    expect(fake.sent).toHaveLength(0);
    expect(sendCount(fake)).toBe(1);
  });

  it('answers a chat message whose reply meets a 429 exactly once', async () => {
    const waits: number[] = [];
    let clock = 0;
    const t = await setup({
      channel: {
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
      script: [reply('all good')],
    });
    t.fake.failNext('send', { status: 429, headers: { 'retry-after': '2' } });
    t.fake.message({ from: OWNER, text: 'how are things?' });
    await t.fake.waitForSent(1);
    await t.settle();
    expect(t.fake.sent.map((s) => s.body.message)).toEqual(['all good']);
    expect(waits).toEqual([2000]);
  });
});

describe('signal channel connection', () => {
  it('reconnects after the WebSocket drops and loses nothing sent meanwhile', async () => {
    const t = await setup({ script: [reply('first answer'), reply('second answer')] });
    t.fake.message({ from: OWNER, text: 'first question' });
    await t.fake.waitForSent(1);
    t.fake.dropConnections();
    t.fake.message({ from: OWNER, text: 'second question, sent while disconnected' });
    expect(t.fake.queued()).toBeGreaterThanOrEqual(1);
    await t.fake.waitForConnections(2);
    const sent = await t.fake.waitForSent(2);
    expect(sent.map((s) => s.body.message)).toEqual(['first answer', 'second answer']);
    expect(t.logs.some((l) => l.message === 'Signal WebSocket dropped')).toBe(true);
  });

  it('recovers when the API drops what arrived during the gap (json-rpc up to 0.100)', async () => {
    const t = await setup({ fake: { queueWhileDisconnected: false }, script: [reply('after')] });
    t.fake.dropConnections();
    t.fake.message({ from: OWNER, text: 'lost in the gap' });
    expect(t.fake.queued()).toBe(0);
    await t.fake.waitForConnections(2);
    while (!t.channel.connected) await new Promise((r) => setTimeout(r, 5));
    t.fake.message({ from: OWNER, text: 'after the reconnect' });
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body.message).toBe('after');
  });

  it('notices a half-open connection by its unanswered pings and reconnects', async () => {
    const t = await setup({ channel: { heartbeatMs: 50 }, script: [reply('still here')] });
    t.fake.goSilent(true);
    t.fake.message({ from: OWNER, text: 'are you there?' });
    await t.fake.waitForConnections(2);
    t.fake.goSilent(false);
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body.message).toBe('still here');
    expect(t.logs.some((l) => l.message?.includes('stopped answering pings'))).toBe(true);
  });

  it('keeps retrying while the API refuses the WebSocket, then resumes', async () => {
    const t = await setup();
    t.fake.failNext('receive', { status: 503, times: 2 });
    t.fake.dropConnections();
    await t.fake.waitForConnections(2);
    t.fake.message({ from: OWNER, text: 'help' });
    await t.fake.waitForSent(1);
    const attempts = t.fake.requests.filter((r) => r.path.startsWith('/v1/receive/'));
    expect(attempts.length).toBeGreaterThanOrEqual(4);
  });

  it('receives by polling in normal mode and retries a failed poll', async () => {
    const t = await setup({ fake: { mode: 'normal' } });
    t.fake.failNext('receive', { status: 500, body: { error: 'signal-cli crashed' } });
    t.fake.message({ from: OWNER, text: 'help' });
    const [sent] = await t.fake.waitForSent(1);
    expect(sent?.body.recipients).toEqual([OWNER]);
    expect(t.logs.some((l) => l.message === 'Signal poll failed; retrying')).toBe(true);
  });
});

describe('signal channel approvals', () => {
  const propose = callTool('propose_remediation', {
    remediation: 'restart_container',
    input: { container: 'web' },
    reason: 'web is unhealthy',
  });

  it('sends the plan on its own and runs it once on a 👍 reaction', async () => {
    const t = await setup({ script: [propose, reply('I proposed restarting web.')] });
    t.fake.message({ from: OWNER, text: 'fix web' });
    const plan = await t.fake.waitForSend((s) =>
      (s.body.message ?? '').includes('Approval needed'),
    );
    await t.settle();
    expect(plan.body.message).toContain('docker restart web on host sagan');
    expect(plan.body.message).toContain('medium');
    expect(plan.body.message).toContain('👍');
    const before = t.fake.sent.length;
    t.fake.reaction({ from: OWNER, emoji: '👍🏽', targetTimestamp: plan.timestamp });
    await t.fake.waitForSent(before + 2);
    await t.settle();
    expect(t.runs).toEqual(['web']);
    // A second thumbs-up does not run it again.
    t.fake.reaction({ from: OWNER, emoji: '👍', targetTimestamp: plan.timestamp });
    await t.fake.waitForSent(before + 3);
    await t.settle();
    expect(t.runs).toEqual(['web']);
    expect(t.fake.sent.at(-1)?.body.message).toContain('already decided');
  });

  it('rejects on a 👎 reaction and runs nothing', async () => {
    const t = await setup({ script: [propose, reply('proposed')] });
    t.fake.message({ from: OWNER, text: 'fix web' });
    const plan = await t.fake.waitForSend((s) =>
      (s.body.message ?? '').includes('Approval needed'),
    );
    await t.settle();
    t.fake.reaction({ from: OWNER, emoji: '👎', targetTimestamp: plan.timestamp });
    const rejected = await t.fake.waitForSend((s) => (s.body.message ?? '').startsWith('Rejected'));
    expect(rejected.body.message).toContain('Nothing was run');
    expect(t.runs).toEqual([]);
  });

  it('ignores reactions from strangers, other emoji, removals and messages that are not plans', async () => {
    const t = await setup({ script: [propose, reply('proposed')] });
    t.fake.message({ from: OWNER, text: 'fix web' });
    const plan = await t.fake.waitForSend((s) =>
      (s.body.message ?? '').includes('Approval needed'),
    );
    await t.settle();
    const count = t.fake.sent.length;
    t.fake.reaction({ from: STRANGER, emoji: '👍', targetTimestamp: plan.timestamp });
    t.fake.reaction({ from: OWNER, emoji: '❤️', targetTimestamp: plan.timestamp });
    t.fake.reaction({ from: OWNER, emoji: '👍', targetTimestamp: plan.timestamp, remove: true });
    t.fake.reaction({ from: OWNER, emoji: '👍', targetTimestamp: t.fake.sent.at(-1)!.timestamp });
    await t.settle();
    expect(t.fake.sent).toHaveLength(count);
    expect(t.runs).toEqual([]);
    expect((await t.agent.approvals.pending()).length).toBe(1);
  });

  it('approves with a bare "approve" typed when one plan is pending', async () => {
    const t = await setup({ script: [propose, reply('proposed')] });
    t.fake.message({ from: OWNER, text: 'fix web' });
    await t.fake.waitForSend((s) => (s.body.message ?? '').includes('Approval needed'));
    await t.settle();
    t.fake.message({ from: OWNER, text: 'approve' });
    await t.fake.waitForSend((s) => (s.body.message ?? '').startsWith('Approved'));
    await t.settle();
    expect(t.runs).toEqual(['web']);
  });

  it('decides the quoted plan when "approve" is sent as a reply to it, even with two pending', async () => {
    const t = await setup({
      script: [
        propose,
        callTool('propose_remediation', {
          remediation: 'restart_container',
          input: { container: 'db' },
          reason: 'db is slow',
        }),
        reply('proposed two'),
      ],
    });
    t.fake.message({ from: OWNER, text: 'fix web and db' });
    await t.fake.waitForSend((s) => (s.body.message ?? '').includes('docker restart db'));
    await t.settle();
    const webPlan = t.fake.sent.find((s) => (s.body.message ?? '').includes('docker restart web'))!;
    const frame = t.fake.frameFor({ from: OWNER, text: 'approve' });
    (frame.envelope.dataMessage as Record<string, unknown>).quote = {
      id: webPlan.timestamp,
      author: t.fake.number,
      text: 'Approval needed',
    };
    t.fake.deliver(frame);
    await t.fake.waitForSend((s) => (s.body.message ?? '').startsWith('Approved'));
    await t.settle();
    expect(t.runs).toEqual(['web']);
    expect((await t.agent.approvals.pending()).length).toBe(1);
  });

  it('remembers which message carries which plan across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signal-plans-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const statePath = join(dir, 'signal-plans.json');
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    const first = createSignalChannel({ apiUrl: fake.url, number: fake.number, statePath });
    const view = {
      id: 'ab12',
      remediation: 'restart_container',
      action: 'docker restart web on host sagan',
      risk: 'medium' as const,
      reason: 'unhealthy',
      requestedBy: 'monitor',
      expiresAt: new Date(Date.now() + 60_000),
    };
    const sent = await first.send(
      { chat: OWNER },
      { blocks: [{ type: 'approval', approval: view }] },
    );
    const second = createSignalChannel({
      apiUrl: fake.url,
      number: fake.number,
      allowedSenders: [OWNER],
      statePath,
    });
    const received: InboundMessage[] = [];
    await second.start({ receive: async (m) => void received.push(m), logger: silentLogger });
    cleanups.push(() => second.stop());
    fake.reaction({ from: OWNER, emoji: '👍', targetTimestamp: Number(sent.id) });
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(received[0]?.action).toEqual({
      type: 'approval',
      approvalId: 'ab12',
      decision: 'approve',
    });
  });

  it('refuses a reaction from a viewer', async () => {
    const t = await setup({ script: [propose, reply('proposed')] });
    t.fake.message({ from: OWNER, text: 'fix web' });
    const plan = await t.fake.waitForSend((s) =>
      (s.body.message ?? '').includes('Approval needed'),
    );
    await t.settle();
    t.fake.reaction({
      from: '+15550000003',
      uuid: FRIEND_UUID,
      emoji: '👍',
      targetTimestamp: plan.timestamp,
    });
    const refusal = await t.fake.waitForSend((s) =>
      (s.body.message ?? '').includes('cannot decide'),
    );
    expect(refusal.body.recipients).toEqual(['+15550000003']);
    expect(t.runs).toEqual([]);
  });
});
