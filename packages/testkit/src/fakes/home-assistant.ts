import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** A fake Home Assistant REST API. */
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
  close(): Promise<void>;
}

/**
 * Starts a fake Home Assistant on 127.0.0.1: `GET /api/`, `GET /api/states`, `GET /api/states/<id>`
 * (404 `{"message":"Entity not found."}`), `POST /api/services/<domain>/<service>` (returns the
 * changed states; unknown service 400 plain text), bearer token checked (401 plain text).
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
  const fake: FakeHomeAssistant = {
    url: '',
    token,
    requests,
    entities,
    async close() {
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
            entity.state = next;
            entity.last_changed = now();
            changed.push(toWire(entity));
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
