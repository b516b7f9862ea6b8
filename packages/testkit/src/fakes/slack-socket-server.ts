import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** An envelope type Slack sends over Socket Mode. */
export type SocketEnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** The client's acknowledgement of an envelope. */
export interface SocketAck {
  envelope_id: string;
  /** The response payload the client sent with its ack, if any. */
  payload?: unknown;
}

/** Options of {@link startFakeSlackSocketServer}. */
export interface FakeSlackSocketServerOptions {
  /** Interval of WebSocket pings sent to clients (Slack pings well under 30 s); default 10 s. */
  pingIntervalMs?: number;
  /** Send `{"type":"hello"}` on connect; default true. */
  hello?: boolean;
}

/** A fake of Slack's Socket Mode WebSocket endpoint on 127.0.0.1. */
export interface FakeSlackSocketServer {
  /** `ws://127.0.0.1:<port>/link`, what `apps.connections.open` should return. */
  readonly url: string;
  /** Clients connected now. */
  readonly connections: number;
  /** Every frame a client sent (parsed JSON), in order. */
  readonly received: unknown[];
  /** Resolves when at least `count` clients are connected (and were sent hello). */
  waitForConnection(count?: number, timeoutMs?: number): Promise<void>;
  /**
   * Sends an envelope to the first (or the given) connection and resolves with the client's ack;
   * rejects when no ack comes within `timeoutMs` (default 5 s).
   */
  deliver(
    type: SocketEnvelopeType,
    payload: unknown,
    options?: {
      retryAttempt?: number;
      retryReason?: string;
      envelopeId?: string;
      timeoutMs?: number;
      acceptsResponsePayload?: boolean;
    },
  ): Promise<SocketAck>;
  /**
   * Sends one frame exactly as given (text, or binary for a Buffer) to the first connection, for
   * malformed or hand-made envelopes; acks come back in `received` (see `acksFor`).
   */
  sendRaw(frame: string | Buffer): void;
  /** The acks a client sent for an envelope id so far. */
  acksFor(envelopeId: string): SocketAck[];
  /** Sends `{"type":"disconnect","reason"}` to every client (they reconnect). */
  requestDisconnect(reason?: string): void;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/**
 * Starts a Socket Mode double that speaks Slack's envelope/ack protocol: `hello` on connect,
 * envelopes `{type, envelope_id, payload, accepts_response_payload, retry_attempt, retry_reason}`,
 * acks `{envelope_id, payload?}` from the client, WebSocket pings from the server.
 */
export async function startFakeSlackSocketServer(
  options: FakeSlackSocketServerOptions = {},
): Promise<FakeSlackSocketServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const sockets: WebSocket[] = [];
  const received: unknown[] = [];
  const pendingAcks = new Map<string, (ack: SocketAck) => void>();
  const connectionWaiters = new Set<() => void>();
  const pingTimer = setInterval(() => {
    for (const socket of sockets) socket.ping();
  }, options.pingIntervalMs ?? 10_000);
  pingTimer.unref();

  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(data)) as unknown;
      } catch {
        received.push(String(data));
        return;
      }
      received.push(frame);
      const id = (frame as { envelope_id?: unknown }).envelope_id;
      if (typeof id === 'string') {
        const resolve = pendingAcks.get(id);
        pendingAcks.delete(id);
        resolve?.(frame as SocketAck);
      }
    });
    socket.on('close', () => {
      const index = sockets.indexOf(socket);
      if (index >= 0) sockets.splice(index, 1);
    });
    if (options.hello !== false) {
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.length,
          debug_info: { host: 'fake-socket', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A_FAKE' },
        }),
      );
    }
    for (const waiter of [...connectionWaiters]) waiter();
  });

  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/link`,
    get connections() {
      return sockets.length;
    },
    received,
    waitForConnection: (count = 1, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (sockets.length >= count) {
          resolve();
          return;
        }
        const check = () => {
          if (sockets.length < count) return;
          clearTimeout(timer);
          connectionWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          connectionWaiters.delete(check);
          reject(new Error(`fake socket mode: no ${count} connection(s) within ${timeoutMs} ms`));
        }, timeoutMs);
        connectionWaiters.add(check);
      }),
    deliver: (type, payload, deliverOptions = {}) => {
      const socket = sockets[0];
      if (!socket) return Promise.reject(new Error('fake socket mode: no client connected'));
      const envelopeId = deliverOptions.envelopeId ?? randomUUID();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`fake socket mode: envelope ${envelopeId} was not acked`));
        }, deliverOptions.timeoutMs ?? 5_000);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        socket.send(
          JSON.stringify({
            type,
            envelope_id: envelopeId,
            payload,
            accepts_response_payload:
              deliverOptions.acceptsResponsePayload ?? type !== 'events_api',
            ...(type === 'events_api'
              ? {
                  retry_attempt: deliverOptions.retryAttempt ?? 0,
                  retry_reason: deliverOptions.retryReason ?? '',
                }
              : {}),
          }),
        );
      });
    },
    sendRaw: (frame) => {
      const socket = sockets[0];
      if (!socket) throw new Error('fake socket mode: no client connected');
      socket.send(frame, { binary: typeof frame !== 'string' });
    },
    acksFor: (envelopeId) =>
      received.filter(
        (frame): frame is SocketAck =>
          typeof frame === 'object' &&
          frame !== null &&
          (frame as { envelope_id?: unknown }).envelope_id === envelopeId,
      ),
    requestDisconnect: (reason = 'refresh_requested') => {
      for (const socket of sockets) socket.send(JSON.stringify({ type: 'disconnect', reason }));
    },
    close: async () => {
      clearInterval(pingTimer);
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
