import { createHmac } from 'node:crypto';
import { createSlackChannel, type LambdaEvent, type LambdaResponse } from '@opsagent/channel-slack';
import type { Logger } from '@opsagent/core';
import { apiGatewayEvent, appMention, startFakeSlackServer } from '@opsagent/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';
import { constantModel, startGuardedAgent } from './slack-agent.js';

// Surface 1: Slack request bodies and headers, through the real Bolt receiver of the channel
// (its AWS Lambda handler, called in-process with API Gateway events). Unsigned or wrongly signed
// requests get 401, malformed ones 400 or an ignored 200; nothing crashes, no invalid event
// reaches the model or runs anything, and a real question afterwards is still answered.

const RUNS = fuzzRuns();
const SECRET = 'fuzz-signing-secret-0123456789';
const TOKEN = 'xoxb-fuzz-bot-token';
const KNOWN_USERS = new Set(['U_ALICE']);

let handler: (event: LambdaEvent) => Promise<LambdaResponse>;
let stopAll: () => Promise<void>;
let httpIdle: () => Promise<void>;
const model = constantModel();
let slack: Awaited<ReturnType<typeof startFakeSlackServer>>;
const executed: string[] = [];
const errors: string[] = [];

const logger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(fields: unknown, message?: string) {
    // A reply that could not reach the fake Web API over loopback (a connection reset on a loaded
    // machine) says nothing about input handling; every other error fails the case.
    const text = JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v));
    if (message === 'could not send a reply' && text.includes('A request error occurred')) return;
    errors.push(
      `${message ?? ''} ${JSON.stringify(fields, (_k, v) => (v instanceof Error ? v.message : v))}`,
    );
  },
  child() {
    return logger;
  },
};

let httpUrl: string;

/** An agent with the Slack channel in `mode`, the guard remediation, and the counting model. */
async function startAgent(mode: 'lambda' | 'http') {
  const channel = createSlackChannel({
    mode,
    botToken: TOKEN,
    signingSecret: SECRET,
    apiUrl: slack.url,
    apiRetries: 0,
    ...(mode === 'http' ? { port: 0, host: '127.0.0.1' } : {}),
  });
  const agent = await startGuardedAgent({ channel, logger, model, executed });
  return { channel, agent };
}

beforeAll(async () => {
  slack = await startFakeSlackServer({ botToken: TOKEN });
  const lambda = await startAgent('lambda');
  const http = await startAgent('http');
  httpUrl = `http://127.0.0.1:${http.channel.port}/slack/events`;
  const raw = lambda.channel.lambdaHandler({ settle: () => lambda.agent.idle() });
  handler = (event) => raw(event, {});
  httpIdle = () => http.agent.idle();
  stopAll = async () => {
    await lambda.agent.stop();
    await http.agent.stop();
    await slack.close();
  };
});
afterAll(async () => {
  await stopAll?.();
});

const sign = (body: string, timestamp: number) =>
  `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;

/** An API Gateway event with the given raw body and headers. */
function gatewayEvent(
  body: string | null,
  headers: Record<string, string>,
  extra: { method?: string; base64?: boolean } = {},
): LambdaEvent {
  const event = apiGatewayEvent('', { signingSecret: SECRET, unsigned: true }) as Record<
    string,
    unknown
  >;
  event.headers = headers;
  event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  event.body = body;
  event.isBase64Encoded = extra.base64 ?? false;
  if (extra.method) event.httpMethod = extra.method;
  return event as unknown as LambdaEvent;
}

const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-8',
  '',
  'garbage/\u0000',
];

const slackId = fc.oneof(
  fc.constantFrom('U_ALICE', 'U_BOT', 'U_STRANGER', 'C_OPS', 'D_ALICE', 'T_FAKE', ''),
  fc.string({ maxLength: 12 }),
);
const oddValue = fc.oneof(
  slackId,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 0, -1, true, [], {}, '<@U_BOT>', 'approve_plan', 'reject_plan'),
);

/** Event envelopes Slack could plausibly send, with fields replaced by odd values. */
const envelope = fc
  .record({
    type: fc.constantFrom(
      'event_callback',
      'url_verification',
      'app_rate_limited',
      'block_actions',
      'view_submission',
      'shortcut',
      'x',
    ),
    eventType: fc.constantFrom(
      'app_mention',
      'message',
      'reaction_added',
      'app_home_opened',
      'member_joined_channel',
      '',
    ),
    user: oddValue,
    channel: oddValue,
    channelType: fc.constantFrom('im', 'channel', 'group', 'mpim', undefined),
    subtype: fc.constantFrom(
      undefined,
      'bot_message',
      'message_changed',
      'file_share',
      'thread_broadcast',
      'x',
    ),
    text: fc.oneof(fc.string({ maxLength: 40 }), oddValue),
    ts: fc.oneof(fc.constantFrom('1700000000.000100', ''), oddValue),
    threadTs: fc.option(oddValue, { nil: undefined }),
    botId: fc.option(oddValue, { nil: undefined }),
    eventId: fc.option(oddValue, { nil: undefined }),
    teamId: oddValue,
    challenge: fc.option(oddValue, { nil: undefined }),
    drop: fc.subarray(['event', 'type', 'team_id', 'authorizations', 'event_id', 'token']),
  })
  .map((f) => {
    const body: Record<string, unknown> = {
      token: 'legacy',
      team_id: f.teamId,
      api_app_id: 'A_FAKE',
      type: f.type,
      event_id: f.eventId,
      event_time: 1_700_000_000,
      authorizations: [{ team_id: 'T_FAKE', user_id: 'U_BOT', is_bot: true }],
      challenge: f.challenge,
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
        bot_id: f.botId,
      },
    };
    for (const key of f.drop) delete body[key];
    return body;
  });

/** Interactive payloads (button clicks) with odd fields, form-encoded as Slack sends them. */
const interactive = fc
  .record({
    user: oddValue,
    actionId: fc.oneof(
      fc.constantFrom('approve_plan', 'reject_plan'),
      fc.string({ maxLength: 12 }),
    ),
    value: oddValue,
    channel: oddValue,
    messageTs: oddValue,
    actions: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  })
  .map((f) => ({
    type: 'block_actions',
    user: { id: f.user, team_id: 'T_FAKE' },
    api_app_id: 'A_FAKE',
    team: { id: 'T_FAKE' },
    channel: { id: f.channel },
    container: { type: 'message', message_ts: f.messageTs, channel_id: f.channel },
    message: { type: 'message', ts: f.messageTs, blocks: [] },
    trigger_id: '1.1.x',
    response_url: `${slack.responseUrlBase}/fuzz`,
    actions: f.actions ?? [
      { type: 'button', action_id: f.actionId, block_id: 'b', value: f.value, action_ts: '1.2' },
    ],
  }));

/** Slash commands with odd fields (the response URL stays the fake's: nothing leaves 127.0.0.1). */
const slash = fc
  .record({
    command: fc.oneof(fc.constant('/opsagent'), fc.string({ maxLength: 10 })),
    text: fc.oneof(
      fc.constantFrom('status', 'help', 'pending', 'incidents', 'approve all', ''),
      fc.string({ maxLength: 30 }),
    ),
    user: fc.oneof(fc.constantFrom('U_STRANGER', ''), fc.string({ maxLength: 10 })),
    channel: slackId,
    omit: fc.subarray(['user_id', 'channel_id', 'command', 'text', 'trigger_id', 'team_id']),
  })
  .map((f) => {
    const form: Record<string, string> = {
      token: 'legacy',
      team_id: 'T_FAKE',
      channel_id: f.channel,
      user_id: f.user,
      command: f.command,
      text: f.text,
      response_url: `${slack.responseUrlBase}/fuzz`,
      trigger_id: '1.1.cmd',
    };
    for (const key of f.omit) delete form[key];
    return new URLSearchParams(form).toString();
  });

type Case = {
  kind: string;
  body: string | null;
  headers: Record<string, string>;
  method?: string;
  base64?: boolean;
  /** The request carries a valid signature. */
  signed: boolean;
};

const now = () => Math.floor(Date.now() / 1000);

const bodyText = fc.oneof(
  envelope.map((e) => JSON.stringify(e)),
  interactive.map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString()),
  interactive.map((p) =>
    new URLSearchParams({ payload: JSON.stringify(p).slice(0, -3) }).toString(),
  ),
  slash,
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '{', 'payload=', 'payload=%7B', 'payload=null', 'ssl_check=1', 'null', '[]'),
);

const signedCase: fc.Arbitrary<Case> = fc
  .tuple(
    bodyText,
    fc.constantFrom(...CONTENT_TYPES),
    fc.option(fc.constantFrom('1', '2', 'x'), { nil: undefined }),
  )
  .map(([body, type, retry]) => {
    const ts = now();
    const headers: Record<string, string> = {
      'Content-Type': type,
      'X-Slack-Request-Timestamp': String(ts),
      'X-Slack-Signature': sign(body, ts),
    };
    if (retry) {
      headers['X-Slack-Retry-Num'] = retry;
      headers['X-Slack-Retry-Reason'] = 'http_timeout';
    }
    return { kind: 'signed', body, headers, signed: true };
  });

/** Signed bodies with the content type Slack uses for them, so most reach Bolt and the listeners. */
const wellTypedCase: fc.Arbitrary<Case> = fc
  .oneof(
    envelope.map((e) => ({ body: JSON.stringify(e), type: 'application/json' })),
    interactive.map((p) => ({
      body: new URLSearchParams({ payload: JSON.stringify(p) }).toString(),
      type: 'application/x-www-form-urlencoded',
    })),
    slash.map((body) => ({ body, type: 'application/x-www-form-urlencoded' })),
  )
  .map(({ body, type }) => {
    const ts = now();
    return {
      kind: 'signed-well-typed',
      body,
      headers: {
        'Content-Type': type,
        'X-Slack-Request-Timestamp': String(ts),
        'X-Slack-Signature': sign(body, ts),
      },
      signed: true,
    };
  });

const headerGarbage = fc.oneof(
  fc.constant<Record<string, string>>({}),
  fc.dictionary(
    fc.constantFrom(
      'x-slack-signature',
      'X-Slack-Signature',
      'x-slack-request-timestamp',
      'X-Slack-Request-Timestamp',
      'content-type',
      'Content-Type',
    ),
    fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.constantFrom('v0=', 'v0=00', 'v1=abc', '0', '-1', '99999999999', 'NaN'),
    ),
  ),
);

const unsignedCase: fc.Arbitrary<Case> = fc.oneof(
  // Random headers, no valid signature.
  fc
    .tuple(bodyText, headerGarbage)
    .map(([body, headers]) => ({ kind: 'garbage-headers', body, headers, signed: false })),
  // Signed with the wrong secret, or for another body, or too old.
  fc
    .tuple(bodyText, fc.constantFrom('wrong-secret', 'other-body', 'stale', 'future'))
    .map(([body, how]) => {
      const ts = how === 'stale' ? now() - 60 * 10 : how === 'future' ? now() + 60 * 10 : now();
      const signature =
        how === 'wrong-secret'
          ? `v0=${createHmac('sha256', 'wrong').update(`v0:${ts}:${body}`).digest('hex')}`
          : sign(how === 'other-body' ? `${body} ` : body, ts);
      return {
        kind: `bad-signature-${how}`,
        body,
        headers: {
          'Content-Type': 'application/json',
          'X-Slack-Request-Timestamp': String(ts),
          'X-Slack-Signature': signature,
        },
        signed: false,
      };
    }),
  // Odd API Gateway events: no body, base64 flag on a non-base64 body, other methods.
  fc
    .tuple(
      fc.option(bodyText, { nil: null }),
      fc.boolean(),
      fc.constantFrom('POST', 'GET', 'PUT', 'OPTIONS'),
    )
    .map(([body, base64, method]) => ({
      kind: 'odd-event',
      body,
      headers: {},
      base64,
      method,
      signed: false,
    })),
);

/** Whether a signed body is a question from a known person (the only thing the model may see). */
function isValidQuestion(c: Case): boolean {
  if (!c.signed || c.body === null || !c.headers['Content-Type']?.startsWith('application/json'))
    return false;
  try {
    const body = JSON.parse(c.body) as { type?: unknown; event?: Record<string, unknown> };
    const e = body.event;
    return (
      body.type === 'event_callback' &&
      typeof e === 'object' &&
      e !== null &&
      typeof e.user === 'string' &&
      KNOWN_USERS.has(e.user)
    );
  } catch {
    return false;
  }
}

const statuses: Record<string, number> = {};

async function run(c: Case): Promise<void> {
  const before = model.requests.length;
  let response: LambdaResponse;
  try {
    response = await bounded(handler(gatewayEvent(c.body, c.headers, c)));
  } catch (error) {
    throw new Error(`handler threw for ${c.kind} ${JSON.stringify(c).slice(0, 400)}: ${error}`, {
      cause: error,
    });
  }
  statuses[`${c.kind}:${response.statusCode}`] =
    (statuses[`${c.kind}:${response.statusCode}`] ?? 0) + 1;
  expect(typeof response.statusCode).toBe('number');
  expect(typeof response.body).toBe('string');
  if (!c.signed) expect([401, 400, 404, 405]).toContain(response.statusCode);
  else expect([200, 400, 401, 404]).toContain(response.statusCode);
  if (!isValidQuestion(c)) expect(model.requests.length).toBe(before);
  // Nothing the listeners did failed (a failure is logged at error level by the channel).
  if (errors.length > 0)
    throw new Error(
      `listener failed for ${JSON.stringify(c).slice(0, 600)}: ${errors.splice(0).join('; ')}`,
    );
  expect(executed).toEqual([]);
}

describe('Slack requests through the Lambda handler, fuzzed', () => {
  it('unsigned or wrongly signed requests are refused with 4xx and reach nothing', async () => {
    await fc.assert(fc.asyncProperty(unsignedCase, run), { numRuns: RUNS });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    report('slack', 'unsigned, wrongly signed and odd gateway events', RUNS);
  });

  it('signed random envelopes, clicks and commands: 200/400, ignored or refused, never a crash or a run', async () => {
    await fc.assert(fc.asyncProperty(signedCase, run), { numRuns: RUNS });
    expect(errors).toEqual([]);
    report('slack', 'signed random envelopes, clicks and slash commands', RUNS);
  });

  it('signed envelopes, clicks and commands with the right content type: handled, ignored or refused', async () => {
    await fc.assert(fc.asyncProperty(wellTypedCase, run), { numRuns: RUNS });
    expect(errors).toEqual([]);
    report('slack', 'signed well-typed envelopes, clicks and slash commands', RUNS);
  });

  it('after all that, a real question is still answered', async () => {
    const before = model.requests.length;
    const response = await handler(
      apiGatewayEvent(appMention({ text: 'still there?', ts: '1700000999.000001' }), {
        signingSecret: SECRET,
      }) as unknown as LambdaEvent,
    );
    expect(response.statusCode).toBe(200);
    expect(model.requests.length).toBe(before + 1);
    expect(slack.thread('C_OPS', '1700000999.000001').map((m) => m.text)).toContain(
      'answered after the fuzzing',
    );
    expect(executed).toEqual([]);
    console.log('slack fuzz status counts', statuses);
  });
});

/** The same case posted to the channel's HTTP receiver (Events API over HTTP) on 127.0.0.1. */
async function runHttp(c: Case): Promise<void> {
  const before = model.requests.length;
  const method = c.method ?? 'POST';
  const response = await bounded(
    fetch(httpUrl, {
      method,
      headers: Object.fromEntries(
        Object.entries(c.headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)),
      ),
      ...(method === 'GET' || c.body === null ? {} : { body: c.body }),
    }),
  );
  await response.arrayBuffer();
  await bounded(httpIdle());
  statuses[`http:${c.kind}:${response.status}`] =
    (statuses[`http:${c.kind}:${response.status}`] ?? 0) + 1;
  // Bolt's HTTP receiver checks only stale timestamps; the channel drops (acknowledges without
  // processing) a signed request dated more than five minutes ahead.
  if (c.kind === 'bad-signature-future') expect([200, 400, 401]).toContain(response.status);
  else if (!c.signed) expect([401, 400, 404, 405]).toContain(response.status);
  else expect([200, 400, 401, 404]).toContain(response.status);
  if (!isValidQuestion(c)) expect(model.requests.length).toBe(before);
  if (errors.length > 0)
    throw new Error(
      `listener failed for ${JSON.stringify(c).slice(0, 600)}: ${errors.splice(0).join('; ')}`,
    );
  expect(executed).toEqual([]);
}

describe('Slack requests through the HTTP receiver, fuzzed', () => {
  it('unsigned, signed and well-typed requests over HTTP: 4xx, or handled, ignored or refused', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(unsignedCase, signedCase, wellTypedCase), runHttp), {
      numRuns: RUNS,
    });
    report('slack', 'the same cases over the HTTP receiver on 127.0.0.1', RUNS);
    console.log(
      'slack fuzz status counts (HTTP)',
      Object.fromEntries(Object.entries(statuses).filter(([k]) => k.startsWith('http:'))),
    );
  });
});
