import { readFileSync, writeFileSync } from 'node:fs';
import type {
  Address,
  Channel,
  ChannelRuntime,
  InboundMessage,
  Logger,
  OutboundMessage,
  SentMessage,
} from '@opsagent/core';
import { type BackoffOptions, backoffDelay, errorMessage, OpsAgentError } from '@opsagent/core';
import WebSocket from 'ws';
import { type About, SignalApi } from './api.js';
import { type Classified, classifyFrame, type EnvelopeSender, groupRecipient } from './envelope.js';
import { renderMessage, splitText, type TextMode } from './render.js';

/** How messages are received: `websocket` (json-rpc mode), `poll` (normal/native), or `auto` from `/v1/about`. */
export type ReceiveMode = 'auto' | 'websocket' | 'poll';

/** Options of {@link createSignalChannel}. */
export interface SignalChannelOptions {
  /** Base URL of signal-cli-rest-api; default `http://localhost:8080`. */
  apiUrl?: string;
  /** The bot's own number, e.g. `+4915112345678`. */
  number: string;
  /**
   * Numbers or uuids allowed to talk to the agent. Others get no reply and are logged once.
   * Empty or absent: every sender goes to the runtime, whose principals decide.
   */
  allowedSenders?: readonly string[];
  /** Default `auto`. */
  receive?: ReceiveMode;
  /** Default `styled`. */
  textMode?: TextMode;
  /** Longest message, in characters; longer answers are split at paragraph breaks. Default 2000. */
  maxMessageLength?: number;
  /** Seconds one poll waits for messages (normal/native mode); default 10. */
  pollTimeoutSeconds?: number;
  /** Reconnect backoff; default 1 s doubling up to 60 s, with jitter. */
  reconnect?: Partial<BackoffOptions>;
  /**
   * How often the WebSocket is pinged, in ms; a connection that has not answered the previous
   * ping by the next one is dropped and reopened (a half-open connection). Default 30 s.
   */
  heartbeatMs?: number;
  /** How often the typing indicator is renewed while the agent works, in ms; default 10 s. */
  typingRefreshMs?: number;
  /** Time allowed for one API request, in ms; default 15 s. */
  requestTimeoutMs?: number;
  /** Retries of a send whose connection was refused (the API restarting); default 3. */
  sendRetries?: number;
  /** Retries of a send Signal rate-limited (HTTP 429); default 3. */
  rateLimitRetries?: number;
  /** Longest wait before one retry of a rate-limited send, in ms (caps `Retry-After`); default 60 s. */
  maxRetryWaitMs?: number;
  /** Backoff of a rate-limited send without `Retry-After`; default 1 s doubling up to 30 s, jittered. */
  rateLimitBackoff?: Partial<BackoffOptions>;
  /** Channel name; default `signal`. */
  name?: string;
  /** A JSON file that keeps which sent message carries which plan, so reactions survive restarts. */
  statePath?: string;
  /** Logger used before `start` (later the runtime's). */
  logger?: Logger;
  /** Seams for tests: fetch, jitter, and how a rate-limited send waits (and reads the time). */
  fetch?: typeof fetch;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** The Signal channel, with what it found at start-up. */
export interface SignalChannel extends Channel {
  /** `/v1/about` as read at start, once started. */
  readonly about: About | undefined;
  /** How it receives, once started. */
  readonly receiveMode: 'websocket' | 'poll' | undefined;
  /** True while the WebSocket is open (always false when polling). */
  readonly connected: boolean;
}

const APPROVE = new Set(['👍', '✅', '👌']);
const REJECT = new Set(['👎', '❌', '🚫']);
const SKIN_TONE = /[\u{1F3FB}-\u{1F3FF}\u{FE0F}]/gu;
const DEDUP_LIMIT = 2_000;
const PLAN_LIMIT = 500;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\+[1-9]\d{5,14}$/;

/** True for a phone number in international format or an account uuid. */
export function isSignalId(value: string): boolean {
  return NUMBER.test(value) || UUID.test(value);
}

/** Parses `SIGNAL_ALLOWED_SENDERS`: numbers or uuids separated by commas, semicolons or spaces. */
export function parseAllowedSenders(value: string): string[] {
  return value
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Signal through signal-cli-rest-api: receives over the WebSocket (json-rpc mode) or by polling
 * (normal/native), sends with `POST /v2/send`, shows the typing indicator while the agent works,
 * and turns 👍 / 👎 reactions on a plan into approval decisions.
 */
export function createSignalChannel(options: SignalChannelOptions): SignalChannel {
  const name = options.name ?? 'signal';
  const number = options.number;
  const api = new SignalApi({
    url: options.apiUrl ?? 'http://localhost:8080',
    number,
    ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.rateLimitRetries !== undefined
      ? { rateLimitRetries: options.rateLimitRetries }
      : {}),
    ...(options.maxRetryWaitMs !== undefined ? { maxRetryWaitMs: options.maxRetryWaitMs } : {}),
    ...(options.sendRetries !== undefined ? { sendRetries: options.sendRetries } : {}),
    ...(options.rateLimitBackoff ? { rateLimitBackoff: options.rateLimitBackoff } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  /**
   * The last send to each recipient: sends to one recipient go out one after another, so a
   * message held back by a rate limit is never overtaken by a later one.
   */
  const outbox = new Map<string, Promise<unknown>>();
  /** Aborted by `stop()`: a send waiting to be retried gives up (unsent) rather than hold it up. */
  let sendAbort = new AbortController();
  const textMode = options.textMode ?? 'styled';
  const limit = options.maxMessageLength ?? 2000;
  const pollTimeout = options.pollTimeoutSeconds ?? 10;
  const backoff: BackoffOptions = {
    initialDelayMs: options.reconnect?.initialDelayMs ?? 1_000,
    maxDelayMs: options.reconnect?.maxDelayMs ?? 60_000,
  };
  const typingRefreshMs = options.typingRefreshMs ?? 10_000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const random = options.random ?? Math.random;
  const allowed = new Set((options.allowedSenders ?? []).map((s) => s.toLowerCase()));

  const logger: Logger | undefined = options.logger;
  let runtime: ChannelRuntime | undefined;
  let about: About | undefined;
  let receiveMode: 'websocket' | 'poll' | undefined;
  let stopping = false;
  let socket: WebSocket | undefined;
  let connected = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const pollAbort = new AbortController();
  let polling: Promise<void> | undefined;
  const seen = new Set<string>();
  const refused = new Set<string>();
  const plans = loadPlans(options.statePath);
  const typingTimers = new Set<NodeJS.Timeout>();
  // Frames are handled one at a time, in arrival order.
  let chain: Promise<void> = Promise.resolve();

  const log = (): Logger | undefined => runtime?.logger ?? logger;

  const senderId = (sender: EnvelopeSender): string | undefined => {
    const candidates = [sender.number, sender.uuid].filter((c): c is string => Boolean(c));
    if (allowed.size === 0) return candidates[0];
    return candidates.find((c) => allowed.has(c.toLowerCase()));
  };

  const addressOf = (sender: EnvelopeSender, groupId: string | undefined): Address => ({
    chat: groupId ? groupRecipient(groupId) : (sender.number ?? sender.uuid ?? ''),
  });

  const firstTime = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    if (seen.size > DEDUP_LIMIT) seen.delete(seen.values().next().value as string);
    return true;
  };

  const rememberPlan = (timestamp: number, approvalId: string) => {
    plans.set(String(timestamp), approvalId);
    while (plans.size > PLAN_LIMIT) plans.delete(plans.keys().next().value as string);
    if (options.statePath) {
      try {
        writeFileSync(options.statePath, JSON.stringify(Object.fromEntries(plans)));
      } catch (error) {
        log()?.warn({ err: error }, 'could not save which messages carry plans');
      }
    }
  };

  const handle = async (item: Classified) => {
    const logger = log();
    switch (item.kind) {
      case 'malformed':
        logger?.warn({ problem: item.problem }, 'malformed Signal frame skipped');
        return;
      case 'error':
        logger?.warn({ error: item.message }, 'signal-cli-rest-api reported a receive error');
        return;
      case 'ignored':
        logger?.trace({ reason: item.reason }, 'Signal envelope ignored');
        return;
    }
    const id = senderId(item.sender);
    const who = item.sender.number ?? item.sender.uuid ?? '?';
    if (!id) {
      if (!refused.has(who)) {
        refused.add(who);
        logger?.warn(
          { sender: who, name: item.sender.name },
          'message from a sender not in the Signal allowlist ignored (logged once per sender)',
        );
      }
      return;
    }
    if (!firstTime(`${who}:${item.timestamp}`)) {
      logger?.debug(
        { sender: who, timestamp: item.timestamp },
        'duplicate Signal delivery ignored',
      );
      return;
    }
    const base = {
      id: `${who}:${item.timestamp}`,
      channel: name,
      sender: { id, ...(item.sender.name ? { name: item.sender.name } : {}) },
      address: addressOf(item.sender, item.groupId),
      receivedAt: new Date(),
    };
    let inbound: InboundMessage;
    if (item.kind === 'reaction') {
      if (item.remove) return;
      const emoji = item.emoji.replace(SKIN_TONE, '');
      const decision = APPROVE.has(emoji) ? 'approve' : REJECT.has(emoji) ? 'reject' : undefined;
      const approvalId = plans.get(String(item.targetTimestamp));
      if (!decision || !approvalId) {
        logger?.debug(
          { emoji: item.emoji, target: item.targetTimestamp },
          'reaction not on a plan; ignored',
        );
        return;
      }
      if (item.targetAuthor?.startsWith('+') && item.targetAuthor !== number) return;
      inbound = { ...base, action: { type: 'approval', approvalId, decision } };
    } else {
      // "approve" / "reject" (or 👍 / 👎) sent as a reply quoting a plan decides that plan.
      const quoted = item.quotedTimestamp ? plans.get(String(item.quotedTimestamp)) : undefined;
      const word = item.text.toLowerCase().replace(SKIN_TONE, '');
      const decision =
        word === 'approve' || APPROVE.has(word)
          ? 'approve'
          : word === 'reject' || REJECT.has(word)
            ? 'reject'
            : undefined;
      inbound =
        quoted && decision
          ? { ...base, action: { type: 'approval', approvalId: quoted, decision } }
          : { ...base, text: item.text };
    }
    await runtime?.receive(inbound);
  };

  const enqueue = (raw: unknown) => {
    chain = chain
      .then(() => handle(classifyFrame(raw, number)))
      .catch((error: unknown) =>
        log()?.error({ err: error }, 'could not hand a Signal message to the agent'),
      );
  };

  const scheduleReconnect = () => {
    if (stopping || reconnectTimer) return;
    const delay = backoffDelay(attempt, backoff, random);
    attempt += 1;
    log()?.info({ delayMs: delay, attempt }, 'Signal WebSocket reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().catch(() => scheduleReconnect());
    }, delay);
    reconnectTimer.unref?.();
  };

  // Opens the WebSocket; resolves once open, rejects if it fails before opening.
  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stopping) {
        resolve();
        return;
      }
      const ws = new WebSocket(api.receiveSocketUrl(), { handshakeTimeout: 15_000 });
      socket = ws;
      let opened = false;
      let heartbeat: NodeJS.Timeout | undefined;
      let answered = true;
      ws.on('pong', () => {
        answered = true;
      });
      ws.on('open', () => {
        opened = true;
        connected = true;
        heartbeat = setInterval(() => {
          if (!answered) {
            log()?.warn({ heartbeatMs }, 'Signal WebSocket stopped answering pings; reconnecting');
            ws.terminate();
            return;
          }
          answered = false;
          ws.ping();
        }, heartbeatMs);
        heartbeat.unref?.();
        if (attempt > 0) log()?.info({ attempts: attempt }, 'Signal WebSocket reconnected');
        attempt = 0;
        resolve();
      });
      ws.on('message', (data) => enqueue(String(data)));
      ws.on('unexpected-response', (_req, res) => {
        ws.terminate();
        const failure = new OpsAgentError(
          'SIGNAL_RECEIVE_FAILED',
          `signal-cli-rest-api refused the receive WebSocket with HTTP ${res.statusCode}; is it in json-rpc mode, and is ${number} registered?`,
          { category: 'third-party', retryable: true, details: { status: res.statusCode } },
        );
        if (!opened) reject(failure);
      });
      ws.on('error', (error) => {
        if (!opened) reject(error);
        else log()?.warn({ err: error }, 'Signal WebSocket error');
      });
      ws.on('close', (code) => {
        clearInterval(heartbeat);
        connected = false;
        if (socket === ws) socket = undefined;
        if (!opened) {
          reject(new Error(`WebSocket closed before opening (code ${code})`));
          return;
        }
        if (stopping) return;
        log()?.warn({ code }, 'Signal WebSocket dropped');
        scheduleReconnect();
      });
    });

  const pollLoop = async () => {
    let failures = 0;
    while (!stopping) {
      try {
        const frames = await api.receive(pollTimeout, pollAbort.signal);
        failures = 0;
        for (const frame of frames) enqueue(frame);
        await chain;
      } catch (error) {
        if (stopping) return;
        const delay = backoffDelay(failures, backoff, random);
        failures += 1;
        log()?.warn({ err: errorMessage(error), delayMs: delay }, 'Signal poll failed; retrying');
        await sleep(delay, pollAbort.signal);
      }
    }
  };

  const stopTyping = async (recipient: string) => {
    await api
      .typing(recipient, false)
      .catch((error: unknown) =>
        log()?.debug({ err: errorMessage(error) }, 'could not stop the typing indicator'),
      );
  };

  /** Sends every part of a message in order; on failure says how much of it went out. */
  const deliver = async (address: Address, message: OutboundMessage): Promise<SentMessage> => {
    const chunks = renderMessage(message, textMode).flatMap((part) =>
      splitText(part.text, limit).map((text) => ({ text, approvalId: part.approvalId })),
    );
    let first: number | undefined;
    for (const [index, chunk] of chunks.entries()) {
      let outcome: Awaited<ReturnType<SignalApi['send']>>;
      try {
        outcome = await api.send(address.chat, chunk.text, textMode, sendAbort.signal);
      } catch (error) {
        if (index === 0 || !(error instanceof OpsAgentError)) throw error;
        throw new OpsAgentError(
          error.code,
          `${error.message} (${index} of ${chunks.length} parts of the message were sent before it)`,
          {
            category: error.category,
            retryable: error.retryable,
            cause: error,
            details: { ...error.details, partsSent: index, parts: chunks.length },
          },
        );
      }
      first ??= outcome.timestamp;
      if (chunk.approvalId) rememberPlan(outcome.timestamp, chunk.approvalId);
      if (outcome.failed.length > 0) {
        log()?.warn(
          { failed: outcome.failed, to: address.chat },
          'Signal could not deliver to some recipients',
        );
      }
    }
    return { address, id: String(first ?? 0) };
  };

  const channel: SignalChannel = {
    name,
    showsProgress: false,
    get about() {
      return about;
    },
    get receiveMode() {
      return receiveMode;
    },
    get connected() {
      return connected;
    },
    async start(rt) {
      runtime = rt;
      stopping = false;
      if (sendAbort.signal.aborted) sendAbort = new AbortController();
      about = await api.about();
      let accounts: string[] | undefined;
      try {
        accounts = await api.accounts();
      } catch (error) {
        rt.logger.warn(
          { err: errorMessage(error) },
          'could not list accounts; registration not checked',
        );
      }
      if (accounts && !accounts.includes(number)) {
        throw new OpsAgentError(
          'SIGNAL_NUMBER_NOT_REGISTERED',
          `${number} is not registered or linked in signal-cli-rest-api at ${api.url} (it knows ${accounts.length > 0 ? accounts.join(', ') : 'no accounts'}). Link it (open ${api.url}/v1/qrcodelink?device_name=opsagent and scan the code in Signal > Settings > Linked devices) or fix SIGNAL_NUMBER.`,
          { category: 'user', details: { number, accounts } },
        );
      }
      const mode = options.receive ?? 'auto';
      receiveMode =
        mode === 'auto' ? (about.mode?.startsWith('json-rpc') ? 'websocket' : 'poll') : mode;
      if (receiveMode === 'websocket') {
        try {
          await connect();
        } catch (error) {
          throw error instanceof OpsAgentError
            ? error
            : new OpsAgentError(
                'SIGNAL_RECEIVE_FAILED',
                `cannot open the receive WebSocket at ${api.receiveSocketUrl()}: ${errorMessage(error)}`,
                { category: 'third-party', retryable: true, cause: error },
              );
        }
      } else {
        polling = pollLoop();
      }
      rt.logger.info(
        { api: api.url, mode: about.mode, receive: receiveMode, allowlist: allowed.size },
        'Signal channel started',
      );
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      for (const timer of typingTimers) clearInterval(timer);
      typingTimers.clear();
      pollAbort.abort();
      sendAbort.abort();
      if (socket) {
        const ws = socket;
        await new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 2_000).unref?.();
        });
      }
      await polling?.catch(() => undefined);
      await chain;
    },
    async send(address, message: OutboundMessage): Promise<SentMessage> {
      const recipient = address.chat;
      const previous = outbox.get(recipient) ?? Promise.resolve();
      const sending = previous.then(() => deliver(address, message));
      const settled = sending.catch(() => undefined);
      outbox.set(recipient, settled);
      void settled.then(() => {
        if (outbox.get(recipient) === settled) outbox.delete(recipient);
      });
      return sending;
    },
    async indicateWorking(address) {
      const recipient = address.chat;
      const start = () =>
        api
          .typing(recipient, true)
          .catch((error: unknown) =>
            log()?.debug({ err: errorMessage(error) }, 'could not show the typing indicator'),
          );
      await start();
      const timer = setInterval(() => void start(), typingRefreshMs);
      timer.unref?.();
      typingTimers.add(timer);
      return async () => {
        clearInterval(timer);
        typingTimers.delete(timer);
        await stopTyping(recipient);
      };
    },
  };
  return channel;
}

function loadPlans(path: string | undefined): Map<string, string> {
  if (!path) return new Map();
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (data && typeof data === 'object') {
      return new Map(
        Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
  } catch {
    // No file yet, or unreadable: start empty.
  }
  return new Map();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
