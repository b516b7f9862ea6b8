import {
  backoffCeiling,
  type Clock,
  errorMessage,
  type Logger,
  silentLogger,
  systemClock,
} from '@opsagent/core';
import WebSocket from 'ws';
import { z } from 'zod';
import { type EntityState, stateSchema } from './client.js';

/** Where the watcher's connection stands. */
export type WatcherStatus =
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'auth_invalid'
  | 'stopped';

/** Options of {@link HomeAssistantWatcher}. */
export interface HomeAssistantWatcherOptions {
  /** Base URL of Home Assistant (`http://homeassistant.local:8123`); the socket is `/api/websocket`. */
  url: string;
  /** Long-lived access token; sent only in the `auth` message, never logged. */
  token: string;
  /** Entity ids whose states are kept. */
  entities: readonly string[];
  logger?: Logger;
  /** First reconnect delay, in ms; doubled after each failed attempt up to `maxBackoffMs`. Default 1000. */
  backoffMs?: number;
  /** Longest reconnect delay, in ms; default 60000. */
  maxBackoffMs?: number;
  /** How often a `ping` command checks the connection, in ms; a missing `pong` by the next one drops it. Default 30000. */
  pingIntervalMs?: number;
  /** Source of time for `downSince`; default the wall clock. */
  clock?: Clock;
  /** Called after a watched entity's state changed (or was first read). */
  onChange?: (entityId: string, state: EntityState | null) => void;
}

/** Every message the server sends has a `type`; the rest is checked per type. */
const messageSchema = z.looseObject({
  type: z.string(),
  id: z.number().int().optional(),
  message: z.string().optional(),
  success: z.boolean().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).optional(),
  event: z
    .looseObject({
      event_type: z.string().optional(),
      data: z
        .looseObject({
          entity_id: z.string().optional(),
          new_state: z.unknown().optional(),
        })
        .optional(),
    })
    .optional(),
});

const SUBSCRIBE_ID = 1;
const GET_STATES_ID = 2;

/**
 * Keeps the latest state of watched Home Assistant entities over the WebSocket API
 * (`/api/websocket`): `auth_required` → `auth` (access token) → `auth_ok`, then
 * `subscribe_events` for `state_changed` and `get_states` for where things stand. A dropped
 * socket is opened again with backoff (1 s, 2 s, 4 s, ... up to a minute) and the states read
 * again; a refused token (`auth_invalid`) is not retried: it needs a new token.
 */
export class HomeAssistantWatcher {
  private socket: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private attempt = 0;
  private nextId = 3;
  private awaitingPong = false;
  private readonly logger: Logger;
  private readonly wanted: Set<string>;
  private readonly waiters = new Set<() => void>();
  private readonly latest = new Map<string, EntityState | null>();
  private _status: WatcherStatus = 'connecting';
  private _error: string | undefined;
  private _loaded = false;
  private _connects = 0;
  private readonly clock: Clock;
  private _downSince: number | undefined;
  /** The WebSocket URL (no token). */
  readonly socketUrl: string;

  constructor(private readonly options: HomeAssistantWatcherOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'ha-websocket' });
    this.clock = options.clock ?? systemClock;
    this._downSince = this.clock.now().getTime();
    this.wanted = new Set(options.entities);
    const base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
    this.socketUrl = `${base.replace(/^http/, 'ws')}/api/websocket`;
  }

  /** Where the connection stands. */
  get status(): WatcherStatus {
    return this._status;
  }

  /** Why it is not connected, when it is not (never contains the token). */
  get error(): string | undefined {
    return this._error;
  }

  /** True once the states were read on the current or an earlier connection. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Since when (ms since the epoch) the watcher has had no authenticated connection; undefined while it has one. */
  get downSince(): number | undefined {
    return this._downSince;
  }

  /** Connections that reached `auth_ok` so far. */
  get connects(): number {
    return this._connects;
  }

  /** The latest state of a watched entity: null when HA has no such entity, undefined before it was read. */
  state(entityId: string): EntityState | null | undefined {
    return this.latest.get(entityId);
  }

  /** Opens the connection (again after `stop`). */
  start(): void {
    if (this.socket) return;
    this._status = 'connecting';
    this.connect();
  }

  /**
   * Resolves once the states are loaded, the token was refused, or `timeoutMs` passed, whichever
   * is first: for `status` and `doctor`, which should not wait on a dead Home Assistant.
   */
  async settled(timeoutMs: number): Promise<void> {
    if (this._loaded || this._status === 'auth_invalid' || this._status === 'stopped') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, timeoutMs);
      t.unref?.();
      this.waiters.add(done);
    });
  }

  /** Closes the connection and stops reconnecting. */
  stop(): void {
    this._status = 'stopped';
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.on('error', () => {});
    socket?.terminate();
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.socketUrl, { handshakeTimeout: 10_000 });
    } catch (error) {
      // Only a URL ws cannot use gets here (no http:// or https:// in HA_URL): say so, stay down.
      this._status = 'disconnected';
      this._error = `cannot connect to Home Assistant at ${this.socketUrl}: ${errorMessage(error)}; HA_URL (or homeAssistant.url) must start with http:// or https://`;
      this.logger.error(this._error);
      this.wake();
      return;
    }
    this.socket = socket;
    socket.on('message', (data) => this.onMessage(socket, data.toString()));
    socket.on('error', (error) => {
      this._error = `cannot reach Home Assistant at ${this.socketUrl}: ${errorMessage(error)}`;
    });
    socket.on('close', (code) => this.onClose(socket, code));
  }

  private send(socket: WebSocket, message: Record<string, unknown>): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  private onMessage(socket: WebSocket, text: string): void {
    if (socket !== this.socket) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.logger.warn('Home Assistant sent a frame that is not JSON; ignored');
      return;
    }
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.warn('Home Assistant sent a message without a type; ignored');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'auth_required':
        socket.send(JSON.stringify({ type: 'auth', access_token: this.options.token }));
        return;
      case 'auth_invalid':
        this._status = 'auth_invalid';
        this._error = `Home Assistant at ${this.socketUrl} refused the token (auth_invalid: ${message.message ?? 'no reason given'}); create a long-lived access token in your HA profile and set HA_TOKEN, then restart`;
        this.logger.error(this._error);
        socket.close();
        this.wake();
        return;
      case 'auth_ok':
        this._status = 'connected';
        this._error = undefined;
        this._downSince = undefined;
        this._connects += 1;
        this.attempt = 0;
        this.logger.info({ url: this.socketUrl }, 'Home Assistant websocket connected');
        this.send(socket, {
          id: SUBSCRIBE_ID,
          type: 'subscribe_events',
          event_type: 'state_changed',
        });
        this.send(socket, { id: GET_STATES_ID, type: 'get_states' });
        this.startPinging(socket);
        return;
      case 'result':
        this.onResult(message);
        return;
      case 'event':
        if (message.id === SUBSCRIBE_ID && message.event?.event_type === 'state_changed') {
          const entityId = message.event.data?.entity_id;
          if (!entityId || !this.wanted.has(entityId)) return;
          const next = stateSchema.safeParse(message.event.data?.new_state);
          // new_state is null when the entity was removed.
          this.update(entityId, next.success ? (next.data as EntityState) : null);
        }
        return;
      case 'pong':
        this.awaitingPong = false;
        return;
      default:
        return;
    }
  }

  private onResult(message: z.output<typeof messageSchema>): void {
    if (message.success === false) {
      const what =
        message.id === SUBSCRIBE_ID
          ? 'subscribe_events'
          : message.id === GET_STATES_ID
            ? 'get_states'
            : `command ${message.id}`;
      this._error =
        `Home Assistant refused ${what}: ${message.error?.code ?? 'error'}: ${message.error?.message ?? ''}`.trim();
      this.logger.warn(this._error);
      return;
    }
    if (message.id !== GET_STATES_ID || !Array.isArray(message.result)) return;
    const found = new Map<string, EntityState>();
    for (const item of message.result) {
      const state = stateSchema.safeParse(item);
      if (state.success && this.wanted.has(state.data.entity_id))
        found.set(state.data.entity_id, state.data as EntityState);
    }
    for (const entityId of this.wanted) this.update(entityId, found.get(entityId) ?? null);
    this._loaded = true;
    this.wake();
  }

  private update(entityId: string, state: EntityState | null): void {
    this.latest.set(entityId, state);
    this.options.onChange?.(entityId, state);
  }

  private startPinging(socket: WebSocket): void {
    clearInterval(this.pinger);
    this.awaitingPong = false;
    this.pinger = setInterval(() => {
      if (socket !== this.socket) return;
      if (this.awaitingPong) {
        this.logger.warn('Home Assistant did not answer a ping; reconnecting');
        this._error = `Home Assistant at ${this.socketUrl} stopped answering`;
        socket.terminate();
        return;
      }
      this.awaitingPong = true;
      this.nextId += 1;
      this.send(socket, { id: this.nextId, type: 'ping' });
    }, this.options.pingIntervalMs ?? 30_000);
    this.pinger.unref?.();
  }

  private onClose(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    clearInterval(this.pinger);
    this.socket = undefined;
    this._downSince ??= this.clock.now().getTime();
    if (this._status === 'stopped') return;
    if (this._status === 'auth_invalid') {
      this.wake();
      return;
    }
    this._status = 'disconnected';
    this._error ??= `the Home Assistant websocket closed (code ${code})`;
    const delay = backoffCeiling(this.attempt, {
      initialDelayMs: this.options.backoffMs ?? 1000,
      maxDelayMs: this.options.maxBackoffMs ?? 60_000,
    });
    this.attempt += 1;
    this.logger.warn(
      { delayMs: delay, err: this._error },
      'Home Assistant websocket closed; reconnecting',
    );
    this.timer = setTimeout(() => {
      if (this._status === 'stopped') return;
      this._status = 'connecting';
      this.connect();
    }, delay);
    this.timer.unref?.();
  }
}
