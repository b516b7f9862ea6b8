import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** An entity in the fake Home Assistant. */
export interface FakeEntity {
  entity_id: string;
  state: string;
  attributes?: Record<string, unknown>;
}

/** One request the fake received (the authorization header is kept so tests can check it). */
export interface FakeHaRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** One WebSocket message the fake received, per connection (tests check auth and ids). */
export interface FakeHaWsMessage {
  /** Connection number, from 1. */
  connection: number;
  message: Record<string, unknown>;
}

/** A fake Home Assistant: REST API and WebSocket API (`/api/websocket`). */
export interface FakeHomeAssistant {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly token: string;
  readonly requests: FakeHaRequest[];
  /** Current states by entity id; change them to simulate the house. */
  readonly entities: Map<string, FakeEntity & { last_changed: string }>;
  /**
   * What a service call does; default: `turn_on` / `turn_off` / `toggle` set `on` / `off` on the
   * target entities (so lights and switches behave). Return false to leave states alone.
   */
  onService?: (
    domain: string,
    service: string,
    data: Record<string, unknown>,
  ) => boolean | undefined;
  /** Messages received on the WebSocket API, in order. */
  readonly wsMessages: FakeHaWsMessage[];
  /** WebSocket connections open now (authenticated or not). */
  wsConnections(): number;
  /** Connections that got `auth_ok` so far. */
  wsAuthenticated(): number;
  /**
   * Sets an entity's state (creating it) and sends `state_changed` to every `subscribe_events`
   * subscriber, as Home Assistant does; REST reads see it too. `null` removes the entity.
   */
  setState(entityId: string, state: string | null, attributes?: Record<string, unknown>): void;
  /** Drops every WebSocket connection at once (no close frame), like a restart or a network cut. */
  dropWebSockets(): void;
  /** Sends a frame as it is (malformed ones too) to every authenticated WebSocket connection. */
  wsSendRaw(frame: string): void;
  close(): Promise<void>;
}

/**
 * Starts a fake Home Assistant on 127.0.0.1: `GET /api/`, `GET /api/states`, `GET /api/states/<id>`
 * (404 `{"message":"Entity not found."}`), `POST /api/services/<domain>/<service>` (returns the
 * changed states; unknown service 400 plain text), bearer token checked (401 plain text); and the
 * WebSocket API at `/api/websocket`: `auth_required` → `auth` → `auth_ok` (or `auth_invalid` and
 * close), `subscribe_events` (`state_changed` events pushed on every change), `unsubscribe_events`,
 * `get_states`, `ping` → `pong`, `result` errors for anything else.
 */
export async function startFakeHomeAssistant(
  options: { token?: string; entities?: FakeEntity[]; services?: string[] } = {},
): Promise<FakeHomeAssistant> {
  const token = options.token ?? 'fake-ha-token-0123456789';
  const now = () => new Date().toISOString();
  const entities = new Map(
    (options.entities ?? []).map((e) => [
      e.entity_id,
      { ...e, last_changed: '2026-11-21T06:00:00+00:00' },
    ]),
  );
  const services = new Set(
    options.services ?? [
      'light.turn_on',
      'light.turn_off',
      'light.toggle',
      'switch.turn_on',
      'switch.turn_off',
      'switch.toggle',
      'scene.turn_on',
      'homeassistant.turn_on',
      'homeassistant.turn_off',
    ],
  );
  const requests: FakeHaRequest[] = [];
  const toWire = (e: FakeEntity & { last_changed: string }) => ({
    entity_id: e.entity_id,
    state: e.state,
    attributes: e.attributes ?? {},
    last_changed: e.last_changed,
    last_reported: e.last_changed,
    last_updated: e.last_changed,
    context: { id: '01JD0000000000000000000000', parent_id: null, user_id: null },
  });
  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (typeof body === 'string') {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const wsMessages: FakeHaWsMessage[] = [];
  const sockets = new Set<WebSocket>();
  /** Authenticated sockets and the ids of their state_changed subscriptions. */
  const subscribers = new Map<WebSocket, Set<number>>();
  let connections = 0;
  let authenticated = 0;
  const wss = new WebSocketServer({ noServer: true });
  const pushStateChanged = (
    entityId: string,
    oldState: ReturnType<typeof toWire> | null,
    newState: ReturnType<typeof toWire> | null,
  ) => {
    for (const [socket, ids] of subscribers) {
      for (const id of ids) {
        socket.send(
          JSON.stringify({
            id,
            type: 'event',
            event: {
              data: { entity_id: entityId, old_state: oldState, new_state: newState },
              event_type: 'state_changed',
              time_fired: now(),
              origin: 'LOCAL',
              context: { id: '01JD0000000000000000000000', parent_id: null, user_id: null },
            },
          }),
        );
      }
    }
  };
  wss.on('connection', (socket: WebSocket) => {
    connections += 1;
    const connection = connections;
    sockets.add(socket);
    let authed = false;
    socket.on('close', () => {
      sockets.delete(socket);
      subscribers.delete(socket);
    });
    socket.on('error', () => {});
    socket.send(JSON.stringify({ type: 'auth_required', ha_version: '2026.11.1' }));
    socket.on('message', (data) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        socket.close(1003);
        return;
      }
      wsMessages.push({ connection, message });
      if (!authed) {
        if (message.type === 'auth' && message.access_token === token) {
          authed = true;
          authenticated += 1;
          subscribers.set(socket, new Set());
          socket.send(JSON.stringify({ type: 'auth_ok', ha_version: '2026.11.1' }));
        } else {
          socket.send(
            JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }),
          );
          socket.close();
        }
        return;
      }
      const id = message.id;
      const reply = (body: Record<string, unknown>) => socket.send(JSON.stringify({ id, ...body }));
      if (typeof id !== 'number') {
        reply({
          type: 'result',
          success: false,
          error: {
            code: 'invalid_format',
            message: "Message incorrectly formatted: required key not provided @ data['id']",
          },
        });
        return;
      }
      switch (message.type) {
        case 'subscribe_events':
          if (message.event_type === 'state_changed') subscribers.get(socket)?.add(id);
          reply({ type: 'result', success: true, result: null });
          return;
        case 'unsubscribe_events':
          subscribers.get(socket)?.delete(message.subscription as number);
          reply({ type: 'result', success: true, result: null });
          return;
        case 'get_states':
          reply({ type: 'result', success: true, result: [...entities.values()].map(toWire) });
          return;
        case 'ping':
          reply({ type: 'pong' });
          return;
        default:
          reply({
            type: 'result',
            success: false,
            error: { code: 'unknown_command', message: 'Unknown command.' },
          });
      }
    });
  });
  const fake: FakeHomeAssistant = {
    url: '',
    token,
    requests,
    entities,
    wsMessages,
    wsConnections: () => sockets.size,
    wsAuthenticated: () => authenticated,
    setState(entityId, state, attributes) {
      const before = entities.get(entityId);
      const old = before ? toWire(before) : null;
      if (state === null) {
        entities.delete(entityId);
        pushStateChanged(entityId, old, null);
        return;
      }
      const next = {
        entity_id: entityId,
        state,
        attributes: attributes ?? before?.attributes ?? {},
        last_changed: now(),
      };
      entities.set(entityId, next);
      pushStateChanged(entityId, old, toWire(next));
    },
    dropWebSockets() {
      for (const socket of sockets) socket.terminate();
    },
    wsSendRaw(frame) {
      for (const socket of subscribers.keys()) socket.send(frame);
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({
      method: req.method ?? 'GET',
      path,
      authorization: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, '401: Unauthorized');
    if (req.method === 'GET' && path === '/api/')
      return send(res, 200, { message: 'API running.' });
    if (req.method === 'GET' && path === '/api/states')
      return send(res, 200, [...entities.values()].map(toWire));
    const one = /^\/api\/states\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one) {
      const entity = entities.get(decodeURIComponent(one[1] ?? ''));
      return entity
        ? send(res, 200, toWire(entity))
        : send(res, 404, { message: 'Entity not found.' });
    }
    const svc = /^\/api\/services\/([^/]+)\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && svc) {
      if (typeof body === 'string')
        return send(res, 400, { message: 'Data should be valid JSON.' });
      const [domain = '', service = ''] = [svc[1], svc[2]];
      if (!services.has(`${domain}.${service}`))
        return send(res, 400, `Service ${domain}.${service} not found.`);
      const data = (body ?? {}) as Record<string, unknown>;
      const custom = fake.onService?.(domain, service, data);
      const changed: unknown[] = [];
      if (custom !== false) {
        const ids = [data.entity_id].flat().filter((id): id is string => typeof id === 'string');
        for (const id of ids) {
          const entity = entities.get(id);
          if (!entity) continue;
          const next =
            service === 'turn_on'
              ? 'on'
              : service === 'turn_off'
                ? 'off'
                : service === 'toggle'
                  ? entity.state === 'on'
                    ? 'off'
                    : 'on'
                  : entity.state;
          if (next !== entity.state) {
            const old = toWire(entity);
            entity.state = next;
            entity.last_changed = now();
            changed.push(toWire(entity));
            pushStateChanged(id, old, toWire(entity));
          }
        }
      }
      return send(res, 200, changed);
    }
    return send(res, 405, '405: Method Not Allowed');
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== '/api/websocket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
