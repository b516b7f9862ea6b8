import { createHmac, randomUUID } from 'node:crypto';

/** Headers of a signed Slack request. */
export interface SlackSignedHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
  'content-type': string;
}

/**
 * Signs a request body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with
 * the signing secret. `timestamp` is in seconds, default now (Bolt rejects anything > 300 s off).
 */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  options: { timestamp?: number; contentType?: string } = {},
): SlackSignedHeaders {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', signingSecret)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex');
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
    'content-type': options.contentType ?? 'application/json',
  };
}

let counter = 0;
/** A fresh Slack-looking ts, e.g. `1700000000.000123`. */
export function slackTs(): string {
  counter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(counter).padStart(6, '0')}`;
}

/** Fields of an `event_callback` envelope. */
export interface EventCallbackOptions {
  teamId?: string;
  apiAppId?: string;
  eventId?: string;
  botUserId?: string;
}

/** Wraps an inner event in the `event_callback` envelope of the Events API. */
export function eventCallback(
  event: Record<string, unknown>,
  options: EventCallbackOptions = {},
): Record<string, unknown> {
  const teamId = options.teamId ?? 'T_FAKE';
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    api_app_id: options.apiAppId ?? 'A_FAKE',
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        team_id: teamId,
        user_id: options.botUserId ?? 'U_BOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    event,
  };
}

/** An `app_mention` event_callback body: `<@U_BOT> text` said by `user` in `channel`. */
export function appMention(
  options: {
    text: string;
    user?: string;
    channel?: string;
    ts?: string;
    threadTs?: string;
    botUserId?: string;
  } & EventCallbackOptions,
): Record<string, unknown> {
  const ts = options.ts ?? slackTs();
  const bot = options.botUserId ?? 'U_BOT';
  return eventCallback(
    {
      type: 'app_mention',
      user: options.user ?? 'U_ALICE',
      text: `<@${bot}> ${options.text}`,
      ts,
      channel: options.channel ?? 'C_OPS',
      event_ts: ts,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
    options,
  );
}

/** A `message` event_callback body (a DM by default: `channel_type: im`, channel `D...`). */
export function messageEvent(
  options: {
    text: string;
    user?: string;
    channel?: string;
    channelType?: 'im' | 'channel' | 'group' | 'mpim';
    ts?: string;
    threadTs?: string;
    subtype?: string;
    botId?: string;
  } & EventCallbackOptions,
): Record<string, unknown> {
  const ts = options.ts ?? slackTs();
  return eventCallback(
    {
      type: 'message',
      ...(options.subtype ? { subtype: options.subtype } : {}),
      ...(options.botId ? { bot_id: options.botId } : { user: options.user ?? 'U_ALICE' }),
      text: options.text,
      ts,
      channel: options.channel ?? 'D_ALICE',
      channel_type: options.channelType ?? 'im',
      event_ts: ts,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
    options,
  );
}

/** A `block_actions` payload for a button press (send it form-encoded as `payload=`). */
export function blockActions(options: {
  actionId: string;
  value: string;
  user?: string;
  teamId?: string;
  channel?: string;
  messageTs: string;
  threadTs?: string;
  responseUrl: string;
}): Record<string, unknown> {
  const teamId = options.teamId ?? 'T_FAKE';
  const channel = options.channel ?? 'C_OPS';
  return {
    type: 'block_actions',
    user: { id: options.user ?? 'U_ALICE', username: 'alice', team_id: teamId },
    api_app_id: 'A_FAKE',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: `${Date.now()}.1.abc`,
    team: { id: teamId, domain: 'fake' },
    channel: { id: channel, name: 'ops' },
    message: {
      type: 'message',
      ts: options.messageTs,
      text: 'approval',
      blocks: [],
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    },
    response_url: options.responseUrl,
    state: { values: {} },
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: 'approval',
        value: options.value,
        text: { type: 'plain_text', text: options.actionId },
        action_ts: slackTs(),
      },
    ],
  };
}

/** The form body of an interactive payload: `payload=<urlencoded JSON>`. */
export function interactiveForm(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The form body of a slash command invocation. */
export function slashCommandForm(options: {
  command?: string;
  text: string;
  user?: string;
  teamId?: string;
  channel?: string;
  responseUrl: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: options.teamId ?? 'T_FAKE',
    team_domain: 'fake',
    channel_id: options.channel ?? 'C_OPS',
    channel_name: 'ops',
    user_id: options.user ?? 'U_ALICE',
    user_name: 'alice',
    command: options.command ?? '/opsagent',
    text: options.text,
    api_app_id: 'A_FAKE',
    response_url: options.responseUrl,
    trigger_id: `${Date.now()}.1.cmd`,
  }).toString();
}

/** Options of {@link postSignedToSlackApp}. */
export interface PostSignedOptions {
  signingSecret: string;
  /** Override the timestamp (seconds), e.g. to make a stale request. */
  timestamp?: number;
  /** Send this signature instead of the right one. */
  signature?: string;
  /** Leave out the signature headers. */
  unsigned?: boolean;
  /** `X-Slack-Retry-Num` (and `X-Slack-Retry-Reason: http_timeout`). */
  retryNum?: number;
  /** Content type; default JSON for objects, form for strings. */
  contentType?: string;
}

/** The raw body and headers (lower-case names, in Slack's order) of a request as Slack sends it. */
function slackRequest(
  body: Record<string, unknown> | string,
  options: PostSignedOptions,
): { raw: string; headers: Array<[string, string]> } {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType =
    options.contentType ??
    (typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json');
  const signed = signSlackRequest(options.signingSecret, raw, {
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    contentType,
  });
  const headers: Array<[string, string]> = [['content-type', contentType]];
  if (!options.unsigned) {
    headers.push(['x-slack-request-timestamp', signed['x-slack-request-timestamp']]);
    headers.push(['x-slack-signature', options.signature ?? signed['x-slack-signature']]);
  }
  if (options.retryNum !== undefined) {
    headers.push(['x-slack-retry-num', String(options.retryNum)]);
    headers.push(['x-slack-retry-reason', 'http_timeout']);
  }
  return { raw, headers };
}

/**
 * POSTs a signed request to a Slack app's endpoint, as Slack does: a JSON body for events, or a
 * form body (string) for interactivity and slash commands. Resolves with status and body text.
 */
export async function postSignedToSlackApp(
  url: string,
  body: Record<string, unknown> | string,
  options: PostSignedOptions,
): Promise<{ status: number; body: string; headers: Headers }> {
  const { raw, headers } = slackRequest(body, options);
  const response = await fetch(url, {
    method: 'POST',
    headers: Object.fromEntries(headers),
    body: raw,
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** An API Gateway (REST, payload v1) proxy event carrying a Slack request, signed unless told. */
export function apiGatewayEvent(
  body: Record<string, unknown> | string,
  options: PostSignedOptions & { path?: string },
): Record<string, unknown> {
  const request = slackRequest(body, options);
  const raw = request.raw;
  // API Gateway passes the names as the client wrote them: `Content-Type`, `X-Slack-Signature`.
  const headers = Object.fromEntries(
    request.headers.map(([name, value]) => [
      name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()),
      value,
    ]),
  );
  const path = options.path ?? '/slack/events';
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { httpMethod: 'POST', path, stage: 'prod', requestId: randomUUID() },
    body: raw,
    isBase64Encoded: false,
  };
}
