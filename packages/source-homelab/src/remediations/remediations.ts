import {
  defineRemediation,
  defineTool,
  errorMessage,
  type Remediation,
  type RemediationResult,
  type Tool,
} from '@opsagent/core';
import { z } from 'zod';
import type { Fleet } from '../fleet/fleet.js';
import {
  ENTITY_ID,
  type EntityState,
  findEntities,
  friendlyName,
  type HomeAssistant,
} from '../ha/client.js';

const containerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'a container name: letters, digits, _ . -');
const unitName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9@_.:-]{0,127}$/, 'a systemd unit name: letters, digits, @ _ . : -');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Options of {@link createFleetRemediations}. */
export interface FleetRemediationOptions {
  fleet: Fleet;
  /** Containers that may be restarted; `*` for any. Default any. */
  containers?: readonly string[];
  /** How long to wait for a restarted container or unit to be healthy, in ms; default 60000. */
  verifyTimeoutMs?: number;
  /** Pause between verification polls, in ms; default 1000. */
  verifyIntervalMs?: number;
}

/**
 * `restart_container` (medium risk) and `restart_unit` (medium risk, only units allowlisted for
 * the host). Each verifies: the container running and not unhealthy (waiting out `starting`), the
 * unit `active`.
 */
export function createFleetRemediations(options: FleetRemediationOptions): Remediation[] {
  const { fleet } = options;
  const hosts = fleet.names as [string, ...string[]];
  const host = z.enum(hosts).describe(`Host: ${hosts.join(', ')}`);
  const allowed = options.containers ?? ['*'];
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 60_000;
  const interval = options.verifyIntervalMs ?? 1000;
  const defaultHost = (() => {
    try {
      return fleet.member().target.name;
    } catch {
      return undefined;
    }
  })();
  const hostField = defaultHost ? host.default(defaultHost as (typeof hosts)[number]) : host;

  const restartContainer = defineRemediation({
    name: 'restart_container',
    description: `Restart a Docker container on a host${allowed.includes('*') ? '' : ` (allowed: ${allowed.join(', ')})`}, then check it runs and is healthy again.`,
    input: z.object({
      host: hostField,
      container: containerName.refine((c) => allowed.includes('*') || allowed.includes(c), {
        message: `not in the restart allowlist (${allowed.join(', ')})`,
      }),
    }),
    risk: 'medium',
    timeoutMs: 90_000,
    describe: (input) => `restart container ${input.container} on ${input.host}`,
    appliesTo(finding) {
      const data = finding.data ?? {};
      if (typeof data.container !== 'string' || typeof data.host !== 'string') return undefined;
      if (!['unhealthy', 'restart-loop', 'stopped'].includes(String(data.problem)))
        return undefined;
      // A container that exited cleanly (a one-shot job) is not restarted unasked.
      if (data.problem === 'stopped' && finding.severity !== 'critical') return undefined;
      if (!fleet.members.has(data.host)) return undefined;
      if (!allowed.includes('*') && !allowed.includes(data.container)) return undefined;
      return { host: data.host as (typeof hosts)[number], container: data.container };
    },
    async dryRun(input, ctx) {
      const c = await fleet.member(input.host).target.inspectContainer(input.container, ctx.signal);
      return {
        ok: true,
        detail: `would restart ${c.name} (${c.image}) on ${input.host}: now ${c.state}/${c.health}, ${c.restartCount} restarts`,
      };
    },
    async execute(input, ctx) {
      const target = fleet.member(input.host).target;
      const before = await target.inspectContainer(input.container, ctx.signal);
      await target.restartContainer(input.container, ctx.signal);
      return {
        ok: true,
        detail: `restarted container ${input.container} on ${input.host} (was ${before.state}/${before.health})`,
      };
    },
    async verify(input, ctx): Promise<RemediationResult> {
      const target = fleet.member(input.host).target;
      const deadline = Date.now() + verifyTimeoutMs;
      let last = '';
      for (;;) {
        try {
          const c = await target.inspectContainer(input.container, ctx.signal);
          last = `${c.state}/${c.health}`;
          if (c.state === 'running' && (c.health === 'healthy' || c.health === 'none')) {
            return {
              ok: true,
              detail: `${input.container} on ${input.host} is running${c.health === 'healthy' ? ' and healthy' : ''}`,
            };
          }
          if (c.state === 'exited' || c.state === 'dead')
            return {
              ok: false,
              detail: `${input.container} on ${input.host} is ${c.state} (exit ${c.exitCode})`,
            };
        } catch (error) {
          last = errorMessage(error);
        }
        if (Date.now() + interval > deadline)
          return {
            ok: false,
            detail: `${input.container} on ${input.host} is not healthy after ${Math.round(verifyTimeoutMs / 1000)} s: ${last}`,
          };
        await sleep(interval, ctx.signal);
      }
    },
  });

  const unitsFor = (name: string) => fleet.member(name).units;
  const restartUnit = defineRemediation({
    name: 'restart_unit',
    description: `Restart a systemd unit that is allowlisted for the host (${[...fleet.members.values()].map((m) => `${m.target.name}: ${m.units.join(', ') || 'none'}`).join('; ')}), then check it is active.`,
    input: z
      .object({ host: hostField, unit: unitName })
      .refine(
        (input) =>
          unitsFor(input.host).includes(input.unit) ||
          unitsFor(input.host).includes(input.unit.replace(/\.service$/, '')),
        {
          message:
            'this unit is not in the restart allowlist of that host (remediations.units / hosts[].units)',
          path: ['unit'],
        },
      ),
    risk: 'medium',
    timeoutMs: 90_000,
    describe: (input) => `restart systemd unit ${input.unit} on ${input.host}`,
    async execute(input, ctx) {
      const target = fleet.member(input.host).target;
      const argv = [...(target.sudo ? ['sudo', '-n'] : []), 'systemctl', 'restart', input.unit];
      const result = await target.run(argv, { signal: ctx.signal, timeoutMs: 60_000 });
      if (result.code !== 0)
        return {
          ok: false,
          detail: `systemctl restart ${input.unit} on ${input.host} failed (exit ${result.code}): ${(result.stderr || result.stdout).slice(0, 300)}`,
        };
      return { ok: true, detail: `restarted ${input.unit} on ${input.host}` };
    },
    async verify(input, ctx) {
      const target = fleet.member(input.host).target;
      const deadline = Date.now() + verifyTimeoutMs;
      let state = '';
      for (;;) {
        const result = await target.run(['systemctl', 'is-active', input.unit], {
          signal: ctx.signal,
        });
        state = result.stdout.trim() || result.stderr.trim();
        if (state === 'active')
          return { ok: true, detail: `${input.unit} on ${input.host} is active` };
        if (state === 'failed' || Date.now() + interval > deadline)
          return { ok: false, detail: `${input.unit} on ${input.host} is ${state || 'unknown'}` };
        await sleep(interval, ctx.signal);
      }
    },
  });
  return [restartContainer, restartUnit];
}

/** Options of {@link createHomeAssistantParts}. */
export interface HomeAssistantPartsOptions {
  ha: HomeAssistant;
  /** Service domains that may be called; default lights, switches, scenes, scripts, fans, covers, climate, media players. */
  domains?: readonly string[];
  /** Risk of a service call; default `low` (policy may run it at once for operators). */
  risk?: 'low' | 'medium' | 'high';
  /** How long to wait for the entity's state to change, in ms; default 10000. */
  verifyTimeoutMs?: number;
  verifyIntervalMs?: number;
}

/** Domains whose services a homelab owner typically asks for. */
export const DEFAULT_HA_DOMAINS = [
  'light',
  'switch',
  'scene',
  'script',
  'fan',
  'cover',
  'climate',
  'media_player',
  'input_boolean',
] as const;

const ON_OFF_DOMAINS = new Set(['light', 'switch', 'fan', 'input_boolean']);
const EXPECTED: Record<string, string> = {
  turn_on: 'on',
  turn_off: 'off',
  open_cover: 'open',
  close_cover: 'closed',
  lock: 'locked',
  unlock: 'unlocked',
};

function entityLine(e: EntityState): string {
  const unit =
    typeof e.attributes.unit_of_measurement === 'string'
      ? ` ${e.attributes.unit_of_measurement}`
      : '';
  return `${e.entity_id} "${friendlyName(e)}": ${e.state}${unit} (changed ${e.last_changed || '?'})`;
}

/** `ha_find_entities` and `ha_entity_state` tools, and the `ha_call_service` remediation. */
export function createHomeAssistantParts(options: HomeAssistantPartsOptions): {
  tools: Tool[];
  remediations: Remediation[];
} {
  const { ha } = options;
  const domains = options.domains ?? DEFAULT_HA_DOMAINS;
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 10_000;
  const interval = options.verifyIntervalMs ?? 500;
  const before = new Map<string, string>();

  const tools: Tool[] = [
    defineTool({
      name: 'ha_find_entities',
      description:
        'Finds Home Assistant entities by name, e.g. "living room lights", "boiler temperature"; shows id, friendly name and state.',
      input: z.object({ query: z.string().min(1).max(100) }),
      timeoutMs: 15_000,
      async run(input, ctx) {
        const found = findEntities(await ha.states(ctx.signal), input.query);
        return found.length > 0
          ? found.map(entityLine).join('\n')
          : `No entity matches "${input.query}".`;
      },
    }),
    defineTool({
      name: 'ha_entity_state',
      description:
        'The current state and attributes of one Home Assistant entity by id, e.g. light.living_room.',
      input: z.object({
        entity_id: z.string().regex(ENTITY_ID, 'an entity id like light.living_room'),
      }),
      timeoutMs: 15_000,
      async run(input, ctx) {
        const e = await ha.state(input.entity_id, ctx.signal);
        if (!e)
          return {
            isError: true,
            output: `No entity ${input.entity_id}; use ha_find_entities to look it up.`,
          };
        return `${entityLine(e)}\nattributes: ${JSON.stringify(e.attributes).slice(0, 2000)}`;
      },
    }),
  ];

  const callService = defineRemediation({
    name: 'ha_call_service',
    description: `Calls a Home Assistant service on entities (e.g. light.turn_on for light.living_room), then checks the state changed. Domains: ${domains.join(', ')}.`,
    input: z.object({
      domain: z
        .enum(domains as unknown as [string, ...string[]])
        .describe('Service domain, e.g. light.'),
      service: z
        .string()
        .regex(/^[a-z0-9_]+$/, 'a service name like turn_on')
        .describe('Service, e.g. turn_on, turn_off, toggle.'),
      entity_id: z
        .array(z.string().regex(ENTITY_ID, 'an entity id like light.living_room'))
        .min(1)
        .max(20)
        .describe('Target entity ids (look them up with ha_find_entities).'),
      data: z
        .record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()]))
        .optional()
        .describe('Extra service data, e.g. {"brightness_pct": 50}.'),
    }),
    risk: options.risk ?? 'low',
    timeoutMs: 30_000,
    describe: (input) =>
      `call Home Assistant ${input.domain}.${input.service} on ${input.entity_id.join(', ')}${input.data ? ` with ${JSON.stringify(input.data)}` : ''}`,
    async execute(input, ctx) {
      for (const id of input.entity_id) {
        const state = await ha.state(id, ctx.signal);
        if (!state) return { ok: false, detail: `no entity ${id} in Home Assistant` };
        before.set(`${ctx.approvalId}:${id}`, state.state);
      }
      ctx.logger.info(
        { domain: input.domain, service: input.service, entities: input.entity_id, url: ha.url },
        'calling Home Assistant service',
      );
      const changed = await ha.callService(
        input.domain,
        input.service,
        {
          ...input.data,
          entity_id: input.entity_id.length === 1 ? input.entity_id[0] : input.entity_id,
        },
        ctx.signal,
      );
      return {
        ok: true,
        detail: `called ${input.domain}.${input.service}; changed: ${changed.map((s) => `${s.entity_id} → ${s.state}`).join(', ') || 'nothing reported'}`,
      };
    },
    async verify(input, ctx) {
      const expected =
        ON_OFF_DOMAINS.has(input.domain) || input.domain === 'cover' || input.domain === 'lock'
          ? EXPECTED[input.service]
          : undefined;
      const deadline = Date.now() + verifyTimeoutMs;
      for (;;) {
        const states = await Promise.all(input.entity_id.map((id) => ha.state(id, ctx.signal)));
        const report = states.map((s, i) => `${input.entity_id[i]} ${s?.state ?? 'missing'}`);
        const done = states.every((s, i) => {
          if (!s) return false;
          const was = before.get(`${ctx.approvalId}:${input.entity_id[i]}`);
          return expected ? s.state === expected : s.state !== was;
        });
        if (done) {
          for (const id of input.entity_id) before.delete(`${ctx.approvalId}:${id}`);
          return { ok: true, detail: `now ${report.join(', ')}` };
        }
        if (Date.now() + interval > deadline)
          return {
            ok: false,
            detail: `state did not change as expected${expected ? ` (${expected})` : ''}: ${report.join(', ')}`,
          };
        await sleep(interval, ctx.signal);
      }
    },
  });
  return { tools, remediations: [callService] };
}
