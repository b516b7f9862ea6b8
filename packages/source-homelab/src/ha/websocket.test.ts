import { type FakeHomeAssistant, startFakeHomeAssistant } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HomeAssistantWatcher } from './websocket.js';

const TOKEN = 'ws-token-NEVER-IN-LOGS-31337';
const fakes: FakeHomeAssistant[] = [];
const watchers: HomeAssistantWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) w.stop();
  for (const f of fakes.splice(0)) await f.close();
});

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

async function setup(token = TOKEN, pingIntervalMs?: number) {
  const ha = await startFakeHomeAssistant({
    token: TOKEN,
    entities: [
      {
        entity_id: 'sensor.freezer_temperature',
        state: '-19.5',
        attributes: { friendly_name: 'Freezer', unit_of_measurement: '°C' },
      },
      { entity_id: 'light.hall', state: 'off' },
    ],
  });
  fakes.push(ha);
  const changes: string[] = [];
  const watcher = new HomeAssistantWatcher({
    url: `${ha.url}/`,
    token,
    entities: ['sensor.freezer_temperature', 'sensor.ups_status'],
    backoffMs: 20,
    maxBackoffMs: 100,
    ...(pingIntervalMs ? { pingIntervalMs } : {}),
    onChange: (id, state) => changes.push(`${id}=${state?.state ?? 'null'}`),
  });
  watchers.push(watcher);
  watcher.start();
  return { ha, watcher, changes };
}

describe('HomeAssistantWatcher against the fake Home Assistant WebSocket API', () => {
  it('authenticates with the token, subscribes to state_changed, reads the watched states', async () => {
    const { ha, watcher } = await setup();
    await watcher.settled(5000);
    expect(watcher.status).toBe('connected');
    expect(watcher.socketUrl).toBe(`${ha.url.replace('http', 'ws')}/api/websocket`);
    expect(ha.wsMessages.map((m) => m.message)).toEqual([
      { type: 'auth', access_token: TOKEN },
      { id: 1, type: 'subscribe_events', event_type: 'state_changed' },
      { id: 2, type: 'get_states' },
    ]);
    expect(watcher.state('sensor.freezer_temperature')).toMatchObject({
      state: '-19.5',
      attributes: { unit_of_measurement: '°C' },
    });
    // Watched but not in Home Assistant: null, not "not read yet".
    expect(watcher.state('sensor.ups_status')).toBeNull();
    expect(watcher.state('light.hall')).toBeUndefined();
  });

  it('keeps watched states current from pushed events and ignores the rest', async () => {
    const { ha, watcher, changes } = await setup();
    await watcher.settled(5000);
    ha.setState('light.hall', 'on');
    ha.setState('sensor.freezer_temperature', '-8.0');
    ha.setState('sensor.ups_status', 'on_battery');
    await until('two events', () => changes.length >= 4);
    expect(changes).toEqual([
      'sensor.freezer_temperature=-19.5',
      'sensor.ups_status=null',
      'sensor.freezer_temperature=-8.0',
      'sensor.ups_status=on_battery',
    ]);
    ha.setState('sensor.ups_status', null);
    await until('removal', () => watcher.state('sensor.ups_status') === null);
  });

  it('refuses a wrong token clearly, without the token, and does not retry', async () => {
    const { ha, watcher } = await setup('wrong-token-0000000000');
    await watcher.settled(5000);
    expect(watcher.status).toBe('auth_invalid');
    expect(watcher.error).toContain(
      'refused the token (auth_invalid: Invalid access token or password)',
    );
    expect(watcher.error).toContain('set HA_TOKEN');
    expect(watcher.error).not.toContain('wrong-token');
    await new Promise((r) => setTimeout(r, 200));
    expect(ha.wsMessages.filter((m) => m.message.type === 'auth')).toHaveLength(1);
    expect(ha.wsAuthenticated()).toBe(0);
  });

  it('reconnects with backoff after the socket drops, reads the states again and keeps following events', async () => {
    const { ha, watcher } = await setup();
    await watcher.settled(5000);
    ha.dropWebSockets();
    await until('disconnect', () => watcher.status !== 'connected');
    // Changed while the agent was away: the fresh get_states brings it in.
    ha.setState('sensor.freezer_temperature', '-5.0');
    await until('reconnect', () => watcher.connects === 2 && watcher.status === 'connected');
    await until(
      'states read again',
      () => watcher.state('sensor.freezer_temperature')?.state === '-5.0',
    );
    ha.setState('sensor.freezer_temperature', '-2.0');
    await until(
      'event after reconnect',
      () => watcher.state('sensor.freezer_temperature')?.state === '-2.0',
    );
    expect(ha.wsMessages.filter((m) => m.connection === 2).map((m) => m.message.type)).toEqual(
      expect.arrayContaining(['auth', 'subscribe_events', 'get_states']),
    );
  });

  it('pings, and keeps trying while Home Assistant is down', async () => {
    const { ha, watcher } = await setup(TOKEN, 30);
    await watcher.settled(5000);
    await until('a pong', () => ha.wsMessages.some((m) => m.message.type === 'ping'));
    expect(watcher.status).toBe('connected');
    const url = ha.url;
    await ha.close();
    fakes.splice(fakes.indexOf(ha), 1);
    await until('disconnected', () => watcher.status !== 'connected');
    await new Promise((r) => setTimeout(r, 150));
    expect(['connecting', 'disconnected']).toContain(watcher.status);
    expect(watcher.error).toMatch(
      /cannot reach Home Assistant at ws:\/\/127\.0\.0\.1:\d+\/api\/websocket|closed/,
    );
    expect(watcher.error).not.toContain(TOKEN);
    expect(url).not.toBe('');
  });

  it('names a Home Assistant URL without http:// instead of throwing', async () => {
    const watcher = new HomeAssistantWatcher({
      url: 'homeassistant.local:8123',
      token: TOKEN,
      entities: ['sensor.freezer_temperature'],
    });
    watchers.push(watcher);
    watcher.start();
    await watcher.settled(100);
    expect(watcher.status).toBe('disconnected');
    expect(watcher.error).toContain('must start with http:// or https://');
  });
});
