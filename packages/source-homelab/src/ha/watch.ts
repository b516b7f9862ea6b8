import {
  type Clock,
  type Field,
  type Finding,
  type Health,
  type Severity,
  type Source,
  systemClock,
} from '@opsagent/core';
import { type EntityState, friendlyName } from './client.js';
import type { HomeAssistantWatcher } from './websocket.js';

/** One watched entity and when it is a problem. */
export interface EntityWatch {
  /** Entity id, e.g. `sensor.freezer_temperature`. */
  entity: string;
  /** A numeric state above this is a problem (e.g. a freezer above -15). */
  above?: number;
  /** A numeric state below this is a problem (e.g. a UPS battery below 30 %). */
  below?: number;
  /** States that are a problem (e.g. `on_battery`, or `on` for a leak sensor); case-insensitive. */
  states?: readonly string[];
  /** How bad a match is; default warning. Being unavailable is always a warning. */
  severity?: Severity;
}

/**
 * How long the websocket may be down before that is a finding, by default
 * (`homeAssistant.outageGrace`): a Home Assistant update restarts it.
 */
export const DEFAULT_GRACE_MS = 180_000;

/** States Home Assistant uses for an entity it cannot read. */
const UNAVAILABLE = new Set(['unavailable', 'unknown']);

function label(watch: EntityWatch, state: EntityState | null | undefined): string {
  return state ? friendlyName(state) : watch.entity;
}

function valueText(state: EntityState): string {
  const unit = state.attributes.unit_of_measurement;
  return typeof unit === 'string' && unit !== '' ? `${state.state} ${unit}` : state.state;
}

/** What is wrong with one watched entity now, or undefined when nothing is. */
function problem(
  watch: EntityWatch,
  state: EntityState | null,
):
  | { kind: 'missing' | 'unavailable' | 'level' | 'state'; severity: Severity; text: string }
  | undefined {
  if (state === null)
    return {
      kind: 'missing',
      severity: 'warning',
      text: 'is not an entity of Home Assistant (check homeAssistant.watch)',
    };
  if (UNAVAILABLE.has(state.state))
    return { kind: 'unavailable', severity: 'warning', text: `is ${state.state}` };
  const severity = watch.severity ?? 'warning';
  if (watch.states?.some((s) => s.toLowerCase() === state.state.toLowerCase()))
    return { kind: 'state', severity, text: `is ${valueText(state)}` };
  const value = Number(state.state);
  if (Number.isFinite(value) && state.state.trim() !== '') {
    if (watch.above !== undefined && value > watch.above)
      return { kind: 'level', severity, text: `is ${valueText(state)} (above ${watch.above})` };
    if (watch.below !== undefined && value < watch.below)
      return { kind: 'level', severity, text: `is ${valueText(state)} (below ${watch.below})` };
  }
  return undefined;
}

/**
 * Findings for the watched entities from the watcher's latest states (keys
 * `<prefix>:<entity>:<missing|unavailable|level|state>`), and one for the connection when it is
 * down (`<prefix>:connection`): the last known states are still judged, but may be stale.
 */
export function watchFindings(
  watcher: HomeAssistantWatcher,
  watches: readonly EntityWatch[],
  options: { prefix?: string; graceMs?: number; now?: number } = {},
): Finding[] {
  const prefix = options.prefix ?? 'homeassistant';
  const findings: Finding[] = [];
  const downFor = (options.now ?? Date.now()) - (watcher.downSince ?? Number.POSITIVE_INFINITY);
  // A refused token is reported at once; an outage only past the grace (HA restarts on updates).
  if (
    watcher.status === 'auth_invalid' ||
    (watcher.status !== 'connected' && downFor >= (options.graceMs ?? DEFAULT_GRACE_MS))
  ) {
    findings.push({
      key: `${prefix}:connection`,
      severity: 'warning',
      resource: 'homeassistant',
      title:
        watcher.status === 'auth_invalid'
          ? 'Home Assistant refused the token: no Home Assistant alerts'
          : 'Home Assistant is not connected: its alerts may be late',

      evidence: watcher.error ?? `websocket ${watcher.status}`,
    });
  }
  for (const watch of watches) {
    const state = watcher.state(watch.entity);
    if (state === undefined) continue;
    const found = problem(watch, state);
    if (!found) continue;
    findings.push({
      key: `${prefix}:${watch.entity}:${found.kind}`,
      severity: found.severity,
      resource: `ha:${watch.entity}`,
      title: `${label(watch, state)} ${found.text}`,
      evidence: state
        ? `${watch.entity} = ${valueText(state)} since ${state.last_changed || '?'}`
        : `${watch.entity} is not in Home Assistant's states`,
      data: { entity: watch.entity, ...(state ? { state: state.state } : {}) },
    });
  }
  return findings;
}

/** Options of {@link createHomeAssistantSource}. */
export interface HomeAssistantSourceOptions {
  watcher: HomeAssistantWatcher;
  watches: readonly EntityWatch[];
  /** How often the monitor judges the latest states, in ms (cheap: no request is made). */
  checkIntervalMs?: number;
  /** How long `status` waits for a first connection, in ms; default 3000. */
  settleMs?: number;
  /** How long the connection may be down before that is a finding, in ms; default 3 minutes. */
  graceMs?: number;
  /** Source of time, the same as the watcher's; default the wall clock. */
  clock?: Clock;
}

/**
 * The `homeassistant` source: the watched entities as a status section, and findings for the
 * monitor from the states the websocket keeps current between checks (a check makes no request,
 * so it can run often and an alert is only as late as the check interval).
 */
export function createHomeAssistantSource(options: HomeAssistantSourceOptions): Source {
  const { watcher, watches } = options;
  const settle = () => watcher.settled(options.settleMs ?? 3000);
  const clock = options.clock ?? systemClock;
  return {
    name: 'homeassistant',
    ...(options.checkIntervalMs === undefined ? {} : { checkIntervalMs: options.checkIntervalMs }),
    async status() {
      await settle();
      const fields: Field[] = watches.map((watch) => {
        const state = watcher.state(watch.entity);
        if (state === undefined)
          return { label: watch.entity, value: 'not read yet', health: 'unknown' };
        const found = problem(watch, state);
        const health: Health = !found ? 'ok' : found.severity === 'critical' ? 'critical' : 'warn';
        return {
          label: label(watch, state),
          value: state ? valueText(state) : 'no such entity',
          health,
        };
      });
      const connected = watcher.status === 'connected';
      if (!connected)
        fields.push({
          label: 'Connection',
          value: watcher.error ?? watcher.status,
          health: 'warn',
        });
      const marks = fields.map((f) => f.health);
      const health: Health = marks.includes('critical')
        ? 'critical'
        : marks.includes('warn') || marks.includes('unknown')
          ? 'warn'
          : 'ok';
      return {
        health,
        sections: [
          {
            title: `Home Assistant: ${watches.length} watched${connected ? '' : ', not connected'}`,
            health,
            fields,
          },
        ],
      };
    },
    async check() {
      await settle();
      return watchFindings(watcher, watches, {
        now: clock.now().getTime(),
        ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      });
    },
  };
}
