import { createManualClock, silentLogger } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import type { EntityState } from './client.js';
import { createHomeAssistantSource, type EntityWatch, watchFindings } from './watch.js';
import type { HomeAssistantWatcher, WatcherStatus } from './websocket.js';

function entity(id: string, state: string, attributes: Record<string, unknown> = {}): EntityState {
  return {
    entity_id: id,
    state,
    attributes,
    last_changed: '2026-11-21T22:00:00+00:00',
    last_updated: '',
  };
}

function watcher(
  states: Record<string, EntityState | null>,
  status: WatcherStatus = 'connected',
  downSince?: number,
): HomeAssistantWatcher {
  return {
    status,
    error: status === 'connected' ? undefined : 'the Home Assistant websocket closed (code 1006)',
    downSince,
    state: (id: string) => states[id],
  } as unknown as HomeAssistantWatcher;
}

const watches: EntityWatch[] = [
  { entity: 'sensor.freezer', above: -15, severity: 'critical' },
  { entity: 'sensor.ups_battery', below: 30 },
  { entity: 'sensor.ups_status', states: ['On Battery'] },
  { entity: 'binary_sensor.leak', states: ['on'] },
];

describe('watchFindings', () => {
  it('judges levels, listed states, unavailable and missing entities; quiet when all is well', () => {
    const ok = watcher({
      'sensor.freezer': entity('sensor.freezer', '-19', { unit_of_measurement: '°C' }),
      'sensor.ups_battery': entity('sensor.ups_battery', '100', { unit_of_measurement: '%' }),
      'sensor.ups_status': entity('sensor.ups_status', 'Online'),
      'binary_sensor.leak': entity('binary_sensor.leak', 'off'),
    });
    expect(watchFindings(ok, watches)).toEqual([]);
    const bad = watcher({
      'sensor.freezer': entity('sensor.freezer', '-3.5', {
        unit_of_measurement: '°C',
        friendly_name: 'Freezer',
      }),
      'sensor.ups_battery': entity('sensor.ups_battery', '12', { unit_of_measurement: '%' }),
      'sensor.ups_status': entity('sensor.ups_status', 'on battery'),
      'binary_sensor.leak': null,
    });
    expect(watchFindings(bad, watches).map((f) => [f.key, f.severity, f.title])).toEqual([
      ['homeassistant:sensor.freezer:level', 'critical', 'Freezer is -3.5 °C (above -15)'],
      ['homeassistant:sensor.ups_battery:level', 'warning', 'ups battery is 12 % (below 30)'],
      ['homeassistant:sensor.ups_status:state', 'warning', 'ups status is on battery'],
      [
        'homeassistant:binary_sensor.leak:missing',
        'warning',
        'binary_sensor.leak is not an entity of Home Assistant (check homeAssistant.watch)',
      ],
    ]);
    const gone = watcher({
      'sensor.freezer': entity('sensor.freezer', 'unavailable'),
      'sensor.ups_battery': entity('sensor.ups_battery', 'unknown'),
      'sensor.ups_status': entity('sensor.ups_status', 'n/a'),
    });
    expect(watchFindings(gone, watches).map((f) => [f.key, f.severity])).toEqual([
      ['homeassistant:sensor.freezer:unavailable', 'warning'],
      ['homeassistant:sensor.ups_battery:unavailable', 'warning'],
    ]);
  });

  it('reports an outage only past its grace, a refused token at once', () => {
    const now = 1_000_000;
    expect(watchFindings(watcher({}, 'disconnected', now - 60_000), watches, { now })).toEqual([]);
    expect(
      watchFindings(watcher({}, 'disconnected', now - 200_000), watches, { now }).map((f) => f.key),
    ).toEqual(['homeassistant:connection']);
    expect(
      watchFindings(watcher({}, 'auth_invalid', now), watches, { now }).map((f) => f.title),
    ).toEqual(['Home Assistant refused the token: no Home Assistant alerts']);
  });
});

describe('createHomeAssistantSource', () => {
  it('judges the outage grace on its clock: quiet before graceMs, a finding from then on', async () => {
    const clock = createManualClock(new Date('2026-11-21T22:00:00Z'));
    const ctx = { signal: new AbortController().signal, logger: silentLogger };
    const down = {
      ...watcher({}, 'disconnected', clock.now().getTime()),
      settled: async () => {},
    } as unknown as HomeAssistantWatcher;
    const source = createHomeAssistantSource({ watcher: down, watches, graceMs: 60_000, clock });
    expect(await source.check!(ctx)).toEqual([]);
    clock.advance(59_999);
    expect(await source.check!(ctx)).toEqual([]);
    clock.advance(1);
    expect((await source.check!(ctx)).map((f) => f.key)).toEqual(['homeassistant:connection']);
  });
});
