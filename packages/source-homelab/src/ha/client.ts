import { OpsAgentError } from '@opsagent/core';
import { z } from 'zod';

/** One entity state (`GET /api/states`). `state` is always a string (`on`, `21.5`, `unavailable`). */
export interface EntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
}

/** An entity state as Home Assistant sends it (REST `/api/states`, WebSocket `get_states` and events). */
export const stateSchema = z.looseObject({
  entity_id: z.string(),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()).default({}),
  last_changed: z.string().default(''),
  last_updated: z.string().default(''),
});

/** Options of {@link createHomeAssistantClient}. */
export interface HomeAssistantOptions {
  /** Base URL, e.g. `http://homeassistant.local:8123`. */
  url: string;
  /** Long-lived access token; sent as a bearer token, never logged. */
  token: string;
  /** Time allowed per request, in ms; default 10000. */
  timeoutMs?: number;
  /** Injected fetch, for tests; default the global one. */
  fetch?: typeof fetch;
}

/** A Home Assistant REST client. */
export interface HomeAssistant {
  /** The base URL (no token). */
  readonly url: string;
  /** `GET /api/`: resolves when the API answers and the token is accepted. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Every entity state. */
  states(signal?: AbortSignal): Promise<EntityState[]>;
  /** One entity, or undefined when HA answers 404. */
  state(entityId: string, signal?: AbortSignal): Promise<EntityState | undefined>;
  /** Calls a service (`POST /api/services/<domain>/<service>`); resolves with the states it changed. */
  callService(
    domain: string,
    service: string,
    data: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<EntityState[]>;
}

/** `light.living_room`: domain, dot, object id. */
export const ENTITY_ID = /^[a-z0-9_]+\.[a-z0-9_]+$/;
const SLUG = /^[a-z0-9_]+$/;

/** A Home Assistant REST API client (bearer token). Errors never contain the token. */
export function createHomeAssistantClient(options: HomeAssistantOptions): HomeAssistant {
  const base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scrub = (text: string) => text.split(options.token).join('[redacted]');

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = timeout.aborted;
      throw new OpsAgentError(
        timedOut ? 'TIMEOUT' : 'HA_UNREACHABLE',
        timedOut
          ? `Home Assistant at ${base} did not answer ${method} ${path} within ${timeoutMs} ms`
          : `cannot reach Home Assistant at ${base}: ${scrub((error as Error).cause ? String(((error as Error).cause as Error).message ?? (error as Error).cause) : (error as Error).message)}`,
        { category: 'third-party', retryable: true },
      );
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new OpsAgentError(
        'HA_UNAUTHORIZED',
        `Home Assistant at ${base} refused the token (${res.status}); create a long-lived access token in your HA profile and set HA_TOKEN`,
        { category: 'user' },
      );
    }
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) {
      let message = text.trim();
      try {
        const parsed = JSON.parse(message) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // plain text body, e.g. an unknown service
      }
      throw new OpsAgentError(
        'HA_API_ERROR',
        `Home Assistant answered ${res.status} to ${method} ${path}: ${scrub(message).slice(0, 300)}`,
        {
          category: res.status >= 500 ? 'third-party' : 'user',
          retryable: res.status >= 500,
        },
      );
    }
    try {
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new OpsAgentError(
        'HA_API_ERROR',
        `Home Assistant sent invalid JSON for ${method} ${path}`,
        { category: 'third-party' },
      );
    }
  }

  const parseStates = (raw: unknown): EntityState[] => {
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((item) => {
      const parsed = stateSchema.safeParse(item);
      return parsed.success ? [parsed.data as EntityState] : [];
    });
  };

  return {
    url: base,
    async ping(signal) {
      const raw = await call('GET', '/api/', undefined, signal);
      if (raw === undefined)
        throw new OpsAgentError('HA_API_ERROR', `no Home Assistant API at ${base}/api/`, {
          category: 'user',
        });
    },
    async states(signal) {
      const raw = await call('GET', '/api/states', undefined, signal);
      if (raw !== undefined && !Array.isArray(raw)) {
        throw new OpsAgentError(
          'HA_API_ERROR',
          `Home Assistant answered GET /api/states with something other than a list of states`,
          { category: 'third-party' },
        );
      }
      return parseStates(raw);
    },
    async state(entityId, signal) {
      if (!ENTITY_ID.test(entityId))
        throw new OpsAgentError(
          'HA_BAD_ENTITY',
          `"${entityId}" is not an entity id like light.living_room`,
          { category: 'user' },
        );
      const raw = await call('GET', `/api/states/${entityId}`, undefined, signal);
      if (raw === undefined) return undefined;
      const parsed = stateSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new OpsAgentError(
          'HA_API_ERROR',
          `Home Assistant sent an entity state that is not one for ${entityId} (${issue?.path.join('.') || 'the body'}: ${issue?.message ?? 'invalid'})`,
          { category: 'third-party' },
        );
      }
      return parsed.data as EntityState;
    },
    async callService(domain, service, data, signal) {
      if (!SLUG.test(domain) || !SLUG.test(service)) {
        throw new OpsAgentError(
          'HA_BAD_SERVICE',
          `"${domain}.${service}" is not a service like light.turn_on`,
          { category: 'user' },
        );
      }
      const raw = await call('POST', `/api/services/${domain}/${service}`, data, signal);
      if (raw === undefined)
        throw new OpsAgentError(
          'HA_API_ERROR',
          `Home Assistant has no service ${domain}.${service}`,
          { category: 'user' },
        );
      return parseStates(raw);
    },
  };
}

/** The friendly name of an entity, or its object id with spaces. */
export function friendlyName(entity: EntityState): string {
  const name = entity.attributes.friendly_name;
  return typeof name === 'string' && name !== ''
    ? name
    : (entity.entity_id.split('.')[1] ?? entity.entity_id).replaceAll('_', ' ');
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9äöüéèàç]+/g, ' ')
    .split(' ')
    .filter((w) => w && !['the', 'a', 'an', 'my', 'in', 'of', 'on', 'off'].includes(w))
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w));
}

const DOMAIN_WORDS: Record<string, string> = {
  light: 'light',
  lamp: 'light',
  switch: 'switch',
  fan: 'fan',
  sensor: 'sensor',
  thermostat: 'climate',
  heating: 'climate',
  blind: 'cover',
  cover: 'cover',
  lock: 'lock',
  scene: 'scene',
  plug: 'switch',
};

/**
 * Entities matching a phrase such as "living room lights", best first: an exact entity id or
 * friendly name wins; otherwise every word must appear in the name or id, and a word naming a
 * domain ("lights", "thermostat") prefers that domain.
 */
export function findEntities(
  states: readonly EntityState[],
  query: string,
  limit = 10,
): EntityState[] {
  const q = query.trim().toLowerCase();
  const exact = states.filter((s) => s.entity_id === q || friendlyName(s).toLowerCase() === q);
  if (exact.length > 0) return exact.slice(0, limit);
  const qWords = words(q);
  const domains = new Set(
    qWords.map((w) => DOMAIN_WORDS[w]).filter((d): d is string => d !== undefined),
  );
  const scored = states.flatMap((s) => {
    const [domain = ''] = s.entity_id.split('.');
    const hay = new Set([
      ...words(friendlyName(s)),
      ...words(s.entity_id.replace('.', ' ').replaceAll('_', ' ')),
    ]);
    const content = qWords.filter((w) => !(DOMAIN_WORDS[w] && domains.size > 0));
    if (content.some((w) => !hay.has(w))) return [];
    if (domains.size > 0 && !domains.has(domain) && content.length === 0) return [];
    const score = (domains.has(domain) ? 10 : 0) + content.length - hay.size * 0.01;
    return [{ s, score }];
  });
  const inDomain = scored.filter((x) => domains.has(x.s.entity_id.split('.')[0] ?? ''));
  const pool = domains.size > 0 && inDomain.length > 0 ? inDomain : scored;
  return pool
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((x) => x.s);
}
