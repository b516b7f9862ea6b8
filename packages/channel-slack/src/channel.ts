import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Address,
  type Channel,
  type ChannelRuntime,
  type InboundMessage,
  type Logger,
  OpsAgentError,
  type OutboundMessage,
  type SentMessage,
  silentLogger,
} from '@opsagent/core';
import {
  App,
  AwsLambdaReceiver,
  HTTPReceiver,
  isValidSlackRequest,
  type Receiver,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import { boltLogger } from './bolt-logger.js';
import { envelopeProblem } from './envelope.js';
import { unescapeSlack } from './mrkdwn.js';
import { APPROVE_ACTION, REJECT_ACTION, renderForSlack, type SlackBlock } from './render.js';
import { guardSocketFrames } from './socket-frames.js';

/** How Slack reaches the channel. */
export type SlackMode = 'http' | 'socket' | 'lambda';

/** Who may talk to the bot; an empty or absent list allows everyone on that axis. */
export interface SlackAllowlist {
  /** Slack user ids, e.g. `U0123ABCD`. */
  users?: readonly string[];
  /** Channel ids (`C...`, `G...`, `D...`). */
  channels?: readonly string[];
  /** Workspace ids (`team_id`, `T...`). */
  teams?: readonly string[];
}

/** Options of {@link createSlackChannel}. */
export interface SlackChannelOptions {
  /** Channel name, used in principal identities; default `slack`. */
  name?: string;
  /** Events API over HTTP, Socket Mode, or an AWS Lambda handler. */
  mode: SlackMode;
  /** Bot token, `xoxb-...`. */
  botToken: string;
  /** Signing secret (HTTP and Lambda modes). */
  signingSecret?: string;
  /** App-level token, `xapp-...` (Socket Mode). */
  appToken?: string;
  /** Web API base URL; default `https://slack.com/api/`. */
  apiUrl?: string;
  /** Port of the HTTP receiver; default 3000 (0 picks a free one, see `port`). */
  port?: number;
  /** Interface the HTTP receiver listens on; default all. */
  host?: string;
  /** Path Slack posts events, actions and commands to; default `/slack/events`. */
  path?: string;
  /** Who may talk to the bot. */
  allow?: SlackAllowlist;
  /** Answer direct messages; default true. */
  directMessages?: boolean;
  /** Channel threads. */
  threads?: {
    /**
     * Take a reply in a thread whose conversation is open (the bot answered there, within the
     * inactivity timeout) as the next turn, without a new mention; default true. Needs the
     * `message.channels` / `message.groups` events (scopes `channels:history`, `groups:history`).
     */
    followUp?: boolean;
  };
  /** Slash command name; default `/opsagent`. */
  slashCommand?: string;
  /** The reply to people the allowlist refuses. */
  refusal?: string;
  /** Web API retries on 429/5xx; default 3 (the SDK honours `Retry-After`). */
  apiRetries?: number;
  /** Logger; default silent. The runtime's logger is used once started. */
  logger?: Logger;
}

/** The result a Lambda handler returns to API Gateway. */
export interface LambdaResponse {
  statusCode: number;
  headers?: Record<string, boolean | number | string>;
  body: string;
  isBase64Encoded?: boolean;
}

/** An API Gateway proxy event (REST v1 or HTTP API v2), as far as the handler reads it. */
export type LambdaEvent = Parameters<ReturnType<AwsLambdaReceiver['toHandler']>>[0];

/** A Lambda handler: API Gateway event in, response out. */
export type SlackLambdaHandler = (event: LambdaEvent, context?: unknown) => Promise<LambdaResponse>;

/** The Slack channel, with the extras of each mode. */
export interface SlackChannel extends Channel {
  /** The mode it runs in. */
  readonly mode: SlackMode;
  /** Port the HTTP receiver listens on, once started (HTTP mode). */
  readonly port: number | undefined;
  /** The bot's own user id, once started. */
  readonly botUserId: string | undefined;
  /**
   * The Lambda handler (Lambda mode). `settle` is awaited before each response, so the work an
   * event started finishes inside the invocation (Lambda freezes the process after returning).
   */
  lambdaHandler(options?: { settle?: () => Promise<void> }): SlackLambdaHandler;
}

const DEFAULT_REFUSAL =
  "Sorry, I'm not set up to help here. Ask whoever runs opsagent to add you (or this channel) to its Slack allowlist.";
const SLASH_THREAD = 'slash:';
const DEDUP_MEMORY = 2_000;
const PENDING_TTL_MS = 30 * 60_000;
const PERSON_SUBTYPES = new Set(['file_share', 'thread_broadcast']);
const TIMESTAMP_PROPERTY = 'opsagentSlackRequestTimestamp';
/** Largest request body read (Bolt's own limit). */
const BODY_LIMIT = 4 * 1024 * 1024;

interface Click {
  at: number;
  user: string;
  channel: string;
  messageTs: string;
  threadTs: string | undefined;
  blocks: SlackBlock[];
  decision: 'approve' | 'reject';
}

interface SlackMessageEvent {
  type?: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  channel?: string;
  channel_type?: string;
}

/**
 * Slack through Bolt. Every way in (Events API over HTTP, Socket Mode, a Lambda handler) ends in
 * the same normalised inbound message: `app_mention`s and DMs become questions (each thread one
 * conversation, replies in the thread), later replies in a thread whose conversation is open
 * become follow-ups without a new mention, Approve/Reject buttons become approval actions, and
 * `/opsagent status|incidents|help|pending` become commands. A message is keyed by channel and
 * ts, so Slack retries and the app_mention + message pair of one reply are dropped by the
 * runtime's store claim, and instances that share a store handle a message once. Bot messages
 * and edits are ignored.
 */
export function createSlackChannel(options: SlackChannelOptions): SlackChannel {
  const name = options.name ?? 'slack';
  const path = options.path ?? '/slack/events';
  const slashCommand = options.slashCommand ?? '/opsagent';
  let log = options.logger ?? silentLogger;
  let runtime: ChannelRuntime | undefined;
  let server: Server | undefined;
  let botUserId: string | undefined;
  let botId: string | undefined;
  let started = false;
  const refused = new Set<string>();
  const slashResponses = new Map<string, { url: string; at: number }>();
  const clicks = new Map<string, Click[]>();
  const followUps = new Map<string, string[]>();

  const clientOptions: webApi.WebClientOptions = {
    ...(options.apiUrl ? { slackApiUrl: withSlash(options.apiUrl) } : {}),
    retryConfig: {
      retries: options.apiRetries ?? 3,
      factor: 1.5,
      minTimeout: 200,
      maxTimeout: 5_000,
    },
  };

  let receiver: Receiver;
  let lambdaReceiver: AwsLambdaReceiver | undefined;
  if (options.mode === 'socket') {
    if (!options.appToken?.startsWith('xapp-')) {
      throw new OpsAgentError(
        'SLACK_APP_TOKEN_MISSING',
        'Socket Mode needs an app-level token (xapp-...): set SLACK_APP_TOKEN, or plugins.slack.appToken',
        { category: 'user' },
      );
    }
    const socket = new SocketModeReceiver({
      appToken: options.appToken,
      logger: boltLogger(() => log),
      installerOptions: { clientOptions },
    });
    guardSocketFrames(socket.client, () => log);
    receiver = socket;
  } else {
    if (!options.signingSecret) {
      throw new OpsAgentError(
        'SLACK_SIGNING_SECRET_MISSING',
        `the Events API (${options.mode} mode) needs the app's signing secret: set SLACK_SIGNING_SECRET, or plugins.slack.signingSecret`,
        { category: 'user' },
      );
    }
    if (options.mode === 'lambda') {
      lambdaReceiver = new AwsLambdaReceiver({
        signingSecret: options.signingSecret,
        logger: boltLogger(() => log),
      });
      receiver = lambdaReceiver;
    } else {
      const http = new HTTPReceiver({
        signingSecret: options.signingSecret,
        endpoints: path,
        logger: boltLogger(() => log),
        // For the timestamp check in processEvent below (Bolt refuses only stale timestamps).
        customPropertiesExtractor: (req) => ({
          [TIMESTAMP_PROPERTY]: req.headers['x-slack-request-timestamp'],
        }),
        customRoutes: [
          {
            path: '/healthz',
            method: ['GET'],
            handler: (_req, res) => {
              res.writeHead(200, { 'content-type': 'text/plain' });
              res.end('ok');
            },
          },
        ],
      });
      // Bolt's HTTP receiver reads `body.ssl_check` without checking that the signed body is an
      // object, in a promise nobody awaits: a signed `null` was never answered, and the unhandled
      // rejection can end the process. The body of an event POST is read here first (Bolt uses
      // `rawBody` when it is set); JSON that is not an object gets 400.
      const listener = http.requestListener;
      http.requestListener = (req, res) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (req.method !== 'POST' || url.pathname !== path) {
          listener(req, res);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= BODY_LIMIT) chunks.push(chunk);
        });
        req.on('error', () => res.destroy());
        req.on('end', () => {
          if (size > BODY_LIMIT) {
            res.writeHead(413);
            res.end();
            return;
          }
          const raw = Buffer.concat(chunks);
          const body = lambdaBody(raw.toString(), req.headers['content-type']);
          if (body !== undefined && !isRecord(body)) {
            log.warn('slack request whose body is not a JSON object or form refused (400)');
            res.writeHead(400);
            res.end();
            return;
          }
          Object.assign(req, { rawBody: raw });
          listener(req, res);
        });
      };
      receiver = http;
    }
  }

  // One auth.test at start gives the bot's identity; Bolt's own single-token authorization with
  // token verification off would call auth.test on every event (a rate-limited method).
  const app = new App({
    receiver,
    authorize: async () => {
      if (!botUserId) {
        throw new OpsAgentError('SLACK_NOT_STARTED', 'slack event before the channel started');
      }
      return { botToken: options.botToken, botUserId, ...(botId ? { botId } : {}) };
    },
    clientOptions,
    logger: boltLogger(() => log),
    ignoreSelf: true,
  });
  // Bolt dereferences parts of the body before any listener runs and answers 500 (so Slack
  // retries) when they have the wrong shape: such a body is acknowledged and ignored instead.
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    const timestamp = Number(event.customProperties?.[TIMESTAMP_PROPERTY]);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > 300) {
      log.warn({ timestamp }, 'slack request dated more than five minutes ahead dropped');
      await event.ack();
      return;
    }
    const problem = envelopeProblem(event.body);
    if (problem) {
      log.warn({ problem }, 'malformed Slack request ignored');
      await event.ack();
      return;
    }
    // A request no listener acknowledges (a shortcut, view or command this app does not handle)
    // is answered as soon as Bolt is done with it, instead of being held until Bolt's 3-second
    // unhandled-request timeout.
    let acked = false;
    await processEvent({
      ...event,
      ack: async (response) => {
        acked = true;
        await event.ack(response);
      },
    });
    if (!acked) await event.ack();
  };
  const client = new webApi.WebClient(options.botToken, {
    ...clientOptions,
    logger: boltLogger(() => log),
  });

  const allowed = (
    user: string | undefined,
    chat: string | undefined,
    team: string | undefined,
  ) => {
    const allow = options.allow ?? {};
    const ok = (list: readonly string[] | undefined, value: string | undefined) =>
      !list || list.length === 0 || (value !== undefined && list.includes(value));
    return ok(allow.users, user) && ok(allow.channels, chat) && ok(allow.teams, team);
  };

  const remember = (set: Set<string>, key: string): boolean => {
    if (set.has(key)) return false;
    set.add(key);
    if (set.size > DEDUP_MEMORY) set.delete(set.values().next().value as string);
    return true;
  };

  const refuse = async (key: string, user: string | undefined, address: Address, dm: boolean) => {
    if (!remember(refused, key)) return;
    log.info({ user, chat: address.chat }, 'slack sender not on the allowlist; refused');
    const text = options.refusal ?? DEFAULT_REFUSAL;
    try {
      if (dm || !user) {
        await client.chat.postMessage({
          channel: address.chat,
          text,
          ...(address.thread ? { thread_ts: address.thread } : {}),
        });
      } else {
        await client.chat.postEphemeral({
          channel: address.chat,
          user,
          text,
          ...(address.thread ? { thread_ts: address.thread } : {}),
        });
      }
    } catch (error) {
      log.warn({ err: error }, 'could not send the allowlist refusal');
    }
  };

  // A click or slash command the runtime never answers (e.g. from a sender it does not know)
  // leaves an entry behind; entries older than Slack's response_url lifetime are dropped.
  const prune = () => {
    const cutoff = Date.now() - PENDING_TTL_MS;
    for (const [key, entry] of slashResponses) if (entry.at < cutoff) slashResponses.delete(key);
    for (const [key, queue] of clicks) {
      const live = queue.filter((click) => click.at >= cutoff);
      if (live.length === 0) clicks.delete(key);
      else if (live.length !== queue.length) clicks.set(key, live);
    }
  };

  const deliver = async (message: InboundMessage) => {
    if (!runtime) {
      log.warn({ id: message.id }, 'slack event before start; dropped');
      return;
    }
    await runtime.receive(message);
  };

  const stripMention = (text: string) =>
    unescapeSlack(
      text
        .replace(botUserId ? new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g') : /^\s*<@[^>]+>/, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );

  const mentionsBot = (text: string) => botUserId !== undefined && text.includes(`<@${botUserId}`);

  const onQuestion = async (
    event: SlackMessageEvent,
    body: { event_id?: string; team_id?: string },
    retryNum: number | undefined,
    followUp = false,
  ) => {
    // Edits, deletions, joins and bot posts carry a subtype; a message with a file or one also
    // sent to the channel from a thread is still a person talking.
    if (event.subtype && !PERSON_SUBTYPES.has(event.subtype)) return;
    if (event.bot_id || !event.user || !event.channel || !event.ts) return;
    // Events other than messages carry objects in these fields; a question needs strings.
    if (
      typeof event.user !== 'string' ||
      typeof event.channel !== 'string' ||
      typeof event.ts !== 'string'
    )
      return;
    if (botUserId && event.user === botUserId) return;
    const dm = event.channel_type === 'im' || event.channel.startsWith('D');
    const address: Address = dm
      ? { chat: event.channel, ...(event.thread_ts ? { thread: event.thread_ts } : {}) }
      : { chat: event.channel, thread: event.thread_ts ?? event.ts };
    // One message is one turn: keyed by channel and ts, not by event_id, because a thread reply
    // that mentions the bot arrives twice (app_mention and message, with different event_ids).
    // Retries repeat both; the runtime's store claim of this id dedupes across instances.
    const id = `${event.channel}:${event.ts}`;
    if (retryNum) log.debug({ id, event: body.event_id, retryNum }, 'slack retry received');
    if (!allowed(event.user, event.channel, body.team_id)) {
      if (followUp) {
        // Not addressed to the bot: people outside the allowlist may talk in the thread.
        log.debug(
          { user: event.user, chat: event.channel },
          'follow-up from outside the allowlist ignored',
        );
        return;
      }
      await refuse(id, event.user, address, dm);
      return;
    }
    await deliver({
      id,
      channel: name,
      sender: { id: event.user },
      address,
      text: stripMention(typeof event.text === 'string' ? event.text : ''),
      receivedAt: new Date(),
      ...(followUp ? { followUp: true } : {}),
    });
  };

  app.event('app_mention', async ({ event, body, context }) => {
    await onQuestion(event as SlackMessageEvent, body, context.retryNum);
  });

  app.message(async ({ message, body, context }) => {
    const event = message as SlackMessageEvent;
    if (event.channel_type === 'im') {
      if (options.directMessages === false) return;
      await onQuestion(event, body, context.retryNum);
      return;
    }
    // A reply in a channel thread (message.channels / message.groups): a follow-up, which the
    // runtime takes only while the thread's conversation is open. One that mentions the bot
    // also arrives as app_mention, which answers it (even where no conversation is open yet).
    if (options.threads?.followUp === false) return;
    if (typeof event.thread_ts !== 'string' || event.thread_ts === event.ts) return;
    if (typeof event.text === 'string' && mentionsBot(event.text)) return;
    await onQuestion(event, body, context.retryNum, true);
  });

  app.action(
    { type: 'block_actions', action_id: new RegExp(`^(${APPROVE_ACTION}|${REJECT_ACTION})$`) },
    async ({ ack, body, action }) => {
      await ack();
      const user = body.user.id;
      const chat = body.channel?.id ?? body.container?.channel_id;
      const message = body.message as { ts?: string; thread_ts?: string; blocks?: SlackBlock[] };
      const value = 'value' in action ? action.value : undefined;
      if (!chat || !message?.ts || !value) return;
      const address: Address = { chat, thread: message.thread_ts ?? message.ts };
      const id = `action:${chat}:${message.ts}:${user}:${'action_ts' in action ? action.action_ts : ''}`;
      if (!allowed(user, chat, body.user.team_id ?? body.team?.id)) {
        await refuse(id, user, address, false);
        return;
      }
      const decision = action.action_id === APPROVE_ACTION ? 'approve' : 'reject';
      prune();
      const queue = clicks.get(value) ?? [];
      queue.push({
        at: Date.now(),
        user,
        channel: chat,
        messageTs: message.ts,
        threadTs: message.thread_ts,
        blocks: Array.isArray(message.blocks) ? message.blocks : [],
        decision,
      });
      clicks.set(value, queue);
      await deliver({
        id,
        channel: name,
        sender: { id: user },
        address,
        action: { type: 'approval', approvalId: value, decision },
        receivedAt: new Date(),
      });
    },
  );

  app.command(slashCommand, async ({ ack, command, respond }) => {
    const words = command.text.trim().split(/\s+/).filter(Boolean);
    const word = (words[0] ?? 'help').toLowerCase();
    if (!allowed(command.user_id, command.channel_id, command.team_id)) {
      await ack({ response_type: 'ephemeral', text: options.refusal ?? DEFAULT_REFUSAL });
      return;
    }
    if (!['status', 'incidents', 'help', 'pending'].includes(word)) {
      await ack({
        response_type: 'ephemeral',
        text: `Usage: \`${slashCommand} status\`, \`${slashCommand} incidents\`, \`${slashCommand} pending\` or \`${slashCommand} help\`. To ask a question, mention me in a channel or send me a direct message.`,
      });
      return;
    }
    await ack();
    const id = `command:${command.trigger_id}`;
    prune();
    slashResponses.set(id, { url: command.response_url, at: Date.now() });
    const address: Address = { chat: command.channel_id, thread: `${SLASH_THREAD}${id}` };
    try {
      await deliver({
        id,
        channel: name,
        sender: { id: command.user_id },
        address,
        text: [word, ...words.slice(1)].join(' '),
        receivedAt: new Date(),
      });
    } catch (error) {
      slashResponses.delete(id);
      await respond({ response_type: 'ephemeral', text: 'Sorry, that failed; try again.' });
      throw error;
    }
  });

  app.error(async (error) => {
    log.error({ err: error }, 'slack listener failed');
  });

  const post = async (address: Address, payload: { text: string; blocks?: SlackBlock[] }) => {
    const result = await client.chat.postMessage({
      channel: address.chat,
      text: payload.text,
      ...(payload.blocks ? { blocks: payload.blocks as never } : {}),
      ...(address.thread ? { thread_ts: address.thread } : {}),
      unfurl_links: false,
    });
    if (!result.ts) {
      throw new OpsAgentError('SLACK_SEND_FAILED', 'chat.postMessage returned no ts', {
        category: 'third-party',
      });
    }
    return result.ts;
  };

  const sendSlash = async (address: Address, message: OutboundMessage): Promise<SentMessage> => {
    const key = address.thread!.slice(SLASH_THREAD.length);
    const url = slashResponses.get(key)?.url;
    if (!url || message.kind === 'progress' || message.kind === 'notice') {
      // Progress, closing notes and anything after the answer have nowhere to go.
      return { address, id: key };
    }
    slashResponses.delete(key);
    const [first, ...rest] = renderForSlack(message);
    const payloads = first ? [first, ...rest] : [];
    for (const payload of payloads) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', ...payload }),
      });
      if (!response.ok) {
        throw new OpsAgentError(
          'SLACK_RESPOND_FAILED',
          `response_url answered HTTP ${response.status}`,
          { category: 'third-party', retryable: response.status >= 500 },
        );
      }
    }
    return { address, id: key };
  };

  /** Updates the approval message a click came from: who decided, the outcome, no buttons. */
  const settleClick = async (
    address: Address,
    message: OutboundMessage,
  ): Promise<SentMessage | undefined> => {
    const note = message.decision!;
    const queue = clicks.get(note.approvalId);
    const index = queue?.findIndex((c) => c.channel === address.chat) ?? -1;
    if (!queue || index < 0) return undefined;
    const click = queue.splice(index, 1)[0]!;
    if (queue.length === 0) clicks.delete(note.approvalId);
    const replyText = renderForSlack(message)[0]?.text ?? '';
    const thread = click.threadTs ?? click.messageTs;
    const ephemeral = async () => {
      await client.chat.postEphemeral({
        channel: click.channel,
        user: click.user,
        text: replyText,
        thread_ts: thread,
      });
    };
    if (note.outcome === 'forbidden' || note.outcome === 'not_found') {
      await ephemeral();
      return { address, id: click.messageTs };
    }
    const verb: Record<string, string> = {
      rejected: ':x: Rejected',
      approved: ':white_check_mark: Approved',
      executing: ':hourglass_flowing_sand: Approved, running',
      succeeded: ':white_check_mark: Approved, done',
      failed: ':warning: Approved, failed',
      expired: ':hourglass: Expired',
      interrupted: ':warning: Approved, interrupted',
    };
    const status = note.status ?? 'decided';
    const who = note.outcome === 'decided' ? `<@${click.user}>` : (note.decidedBy ?? 'someone');
    const line =
      status === 'expired'
        ? `${verb.expired}: no longer open`
        : `${verb[status] ?? status} by ${who}${note.outcome === 'decided' ? '' : ` (${note.decidedBy ?? 'earlier'})`}`;
    const kept = click.blocks.filter((b) => b.type !== 'actions');
    await client.chat.update({
      channel: click.channel,
      ts: click.messageTs,
      text: `${line.replace(/:[a-z_]+: /, '')}: approval ${note.approvalId}`,
      blocks: [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: line }] }] as never,
    });
    if (note.outcome !== 'decided') await ephemeral();
    return { address, id: click.messageTs };
  };

  const channel: SlackChannel = {
    name,
    mode: options.mode,
    showsProgress: true,
    get port() {
      const address = server?.address();
      return address && typeof address === 'object' ? (address as AddressInfo).port : undefined;
    },
    get botUserId() {
      return botUserId;
    },
    async start(rt) {
      if (started) return;
      runtime = rt;
      log = rt.logger;
      let identity: { user_id?: string; bot_id?: string; team?: string };
      try {
        identity = await client.auth.test();
      } catch (error) {
        throw new OpsAgentError(
          'SLACK_AUTH_FAILED',
          `Slack rejected the bot token (auth.test: ${errorText(error)}); check SLACK_BOT_TOKEN${options.apiUrl ? ` and SLACK_API_URL (${options.apiUrl})` : ''}`,
          { category: 'user', cause: error },
        );
      }
      botUserId = identity.user_id;
      botId = identity.bot_id;
      log.info({ bot: botUserId, team: identity.team, mode: options.mode }, 'slack connected');
      if (options.mode === 'http') {
        const port = options.port ?? 3000;
        try {
          server = (await app.start({
            port,
            ...(options.host ? { host: options.host } : {}),
          })) as Server;
        } catch (error) {
          throw new OpsAgentError(
            'SLACK_LISTEN_FAILED',
            `cannot listen for Slack events on ${options.host ?? 'port'}${options.host ? `:${port}` : ` ${port}`} (${errorText(error)}); set PORT (or plugins.slack.port) to a free port`,
            { category: 'user', cause: error },
          );
        }
      } else if (options.mode === 'socket') {
        await app.start();
      }
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      runtime = undefined;
      if (options.mode !== 'lambda')
        await app.stop().catch((error: unknown) => log.warn({ err: error }, 'slack stop failed'));
      server = undefined;
    },
    async send(address, message) {
      if (address.thread?.startsWith(SLASH_THREAD)) return sendSlash(address, message);
      if (message.decision) {
        const settled = await settleClick(address, message);
        if (settled) return settled;
      }
      const payloads = renderForSlack(message);
      const first = await post(address, payloads[0]!);
      const extra: string[] = [];
      for (const payload of payloads.slice(1)) extra.push(await post(address, payload));
      if (extra.length > 0) followUps.set(`${address.chat}:${first}`, extra);
      return { address, id: first };
    },
    async update(sent, message) {
      if (sent.address.thread?.startsWith(SLASH_THREAD)) {
        await sendSlash(sent.address, message);
        return;
      }
      const payloads = renderForSlack(message);
      const key = `${sent.address.chat}:${sent.id}`;
      const previous = followUps.get(key) ?? [];
      const targets = [sent.id, ...previous];
      const kept: string[] = [];
      for (const [i, payload] of payloads.entries()) {
        const ts = targets[i];
        if (ts) {
          await client.chat.update({
            channel: sent.address.chat,
            ts,
            text: payload.text,
            blocks: (payload.blocks ?? []) as never,
          });
          if (i > 0) kept.push(ts);
        } else {
          kept.push(await post(sent.address, payload));
        }
      }
      for (const ts of targets.slice(payloads.length)) {
        await client.chat
          .delete({ channel: sent.address.chat, ts })
          .catch((error: unknown) => log.warn({ err: error }, 'could not delete a stale piece'));
      }
      if (kept.length > 0) followUps.set(key, kept);
      else followUps.delete(key);
    },
    lambdaHandler(handlerOptions = {}) {
      if (!lambdaReceiver) {
        throw new OpsAgentError(
          'SLACK_NOT_LAMBDA',
          `lambdaHandler() needs mode "lambda" (this channel runs in "${options.mode}" mode)`,
          { category: 'user' },
        );
      }
      const handler = lambdaReceiver.toHandler();
      const signingSecret = options.signingSecret!;
      return async (event, context) => {
        // Bolt's Lambda receiver parses the body before it checks the signature, and throws on a
        // body that is not JSON (or on an event without headers): check the signature first (401),
        // and answer what Bolt cannot read with 400 instead of failing the invocation.
        const raw = lambdaRawBody(event);
        const headers = (event as { headers?: unknown }).headers;
        const signature = headerValue(headers, 'x-slack-signature');
        const timestamp = Number(headerValue(headers, 'x-slack-request-timestamp'));
        // Bolt only refuses stale timestamps; Slack's rule is at most five minutes either way.
        if (
          !signature ||
          !Number.isFinite(timestamp) ||
          Math.abs(Date.now() / 1000 - timestamp) > 300 ||
          !isValidSlackRequest({
            signingSecret,
            body: raw,
            headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
          })
        ) {
          log.info('slack request without a valid signature refused (401)');
          return { statusCode: 401, body: '' };
        }
        if (!isRecord(lambdaBody(raw, headerValue(headers, 'content-type')))) {
          log.warn('slack request whose body is not a JSON object or form refused (400)');
          return { statusCode: 400, body: 'malformed request' };
        }
        let response: LambdaResponse;
        try {
          response = (await handler(
            { ...event, headers: headers ?? {} } as LambdaEvent,
            context,
          )) as LambdaResponse;
        } catch (error) {
          log.warn({ err: error }, 'malformed slack request refused (400)');
          return { statusCode: 400, body: 'malformed request' };
        }
        if (handlerOptions.settle) await handlerOptions.settle();
        return response;
      };
    },
  };
  return channel;
}

/** The body as Bolt's Lambda receiver reads it (base64 bodies decoded the same way), for the signature. */
function lambdaRawBody(event: LambdaEvent): string {
  const { body, isBase64Encoded } = event as { body?: unknown; isBase64Encoded?: unknown };
  if (typeof body !== 'string') return '';
  return isBase64Encoded ? Buffer.from(body, 'base64').toString('ascii') : body;
}

/**
 * The body as Bolt reads it: a form's `payload` field parsed as JSON, another form as its fields,
 * anything else as JSON; undefined when it cannot be read.
 */
function lambdaBody(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      return payload === null ? Object.fromEntries(form) : (JSON.parse(payload) as unknown);
    }
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header of an API Gateway event, by name in any case. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'data' in error) {
    const data = (error as { data?: { error?: string } }).data;
    if (data?.error) return data.error;
  }
  return error instanceof Error ? error.message : String(error);
}
