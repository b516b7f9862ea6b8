import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type HealthCheck, SecretRedactor, silentLogger } from '@opsagent/core';
import { createHomelabPlugin, homelabConfigSchema } from '@opsagent/source-homelab';
import { createTestAgent, type FakeHomeAssistant, startFakeHomeAssistant } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeCollector } from './helpers.js';

const TOKEN = 'ha-ws-token-DO-NOT-LEAK-77';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let ha: FakeHomeAssistant;
beforeEach(async () => {
  ha = await startFakeHomeAssistant({
    token: TOKEN,
    entities: [
      {
        entity_id: 'sensor.freezer_temperature',
        state: '-19.5',
        attributes: { friendly_name: 'Freezer', unit_of_measurement: '°C' },
      },
      { entity_id: 'sensor.ups_status', state: 'online', attributes: { friendly_name: 'UPS' } },
    ],
  });
  cleanups.push(() => ha.close());
});

const watch = [
  { entity: 'sensor.freezer_temperature', above: -15, severity: 'critical' },
  { entity: 'sensor.ups_status', states: ['on_battery'] },
];

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (let i = 0; i < 300; i += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function agent(token = TOKEN) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    // No value-based redaction: the token must not be logged at all.
    redactor: new SecretRedactor(),
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'homelab-ha-ws-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const plugin = createHomelabPlugin({ collector: fakeCollector(), baseDir: dir });
  const t = await createTestAgent({
    plugins: [
      {
        plugin,
        config: { local: { enabled: false }, homeAssistant: { watch, checkInterval: '1s' } },
      },
    ],
    env: { HA_URL: ha.url, HA_TOKEN: token },
    notifications: [{ channel: 'fake', address: { chat: 'ops' }, minSeverity: 'warning' }],
    monitor: { openAfter: 1, resolveAfter: 1, triage: false },
    model: null,
    logger,
  });
  cleanups.push(() => t.stop());
  return { t, logs: lines };
}

async function openKeys(t: Awaited<ReturnType<typeof agent>>['t']): Promise<string[]> {
  return (await t.agent.store.listIncidents({ status: ['open'] })).map((i) => i.key).sort();
}

describe('Home Assistant alerts over the WebSocket API', () => {
  it('a watched entity crossing its level becomes a finding, an incident and an alert; status shows the entities', async () => {
    const { t, logs } = await agent();
    const [status] = await t.ask('status');
    expect(status).toContain('Home Assistant: 2 watched');
    expect(status).toMatch(/Freezer +-19\.5 °C/);
    expect(status).toMatch(/UPS +online/);
    await t.agent.monitor.runOnce();
    expect(await openKeys(t)).toEqual([]);

    ha.setState('sensor.freezer_temperature', '-8.2');
    await until('the freezer incident', async () => {
      await t.agent.monitor.runOnce();
      return (await openKeys(t)).includes('homeassistant:sensor.freezer_temperature:level');
    });
    const alert = t.channel.texts('ops').join('\n');
    expect(alert).toContain('Freezer is -8.2 °C (above -15)');
    const [incident] = await t.agent.store.listIncidents({ status: ['open'] });
    expect(incident?.severity).toBe('critical');

    ha.setState('sensor.freezer_temperature', '-18');
    await until('the freezer incident resolved', async () => {
      await t.agent.monitor.runOnce();
      return (await openKeys(t)).length === 0;
    });
    expect(t.channel.texts('ops').at(-1)).toContain('resolved');
    expect(logs.join('')).not.toContain(TOKEN);
  });

  it('after the socket drops it reconnects and still alerts, on an entity going unavailable too', async () => {
    const { t } = await agent();
    await t.ask('status');
    expect(ha.wsAuthenticated()).toBe(1);
    ha.dropWebSockets();
    await until(
      'a new authenticated connection',
      () => ha.wsAuthenticated() === 2 && ha.wsConnections() === 1,
    );
    ha.setState('sensor.ups_status', 'on_battery');
    await until('the UPS incident', async () => {
      await t.agent.monitor.runOnce();
      return (await openKeys(t)).includes('homeassistant:sensor.ups_status:state');
    });
    expect(t.channel.texts('ops').join('\n')).toContain('UPS is on_battery');
    ha.setState('sensor.freezer_temperature', 'unavailable');
    await until('the unavailable incident', async () => {
      await t.agent.monitor.runOnce();
      return (await openKeys(t)).includes('homeassistant:sensor.freezer_temperature:unavailable');
    });
    expect(t.channel.texts('ops').join('\n')).toContain('Freezer is unavailable');
  });

  it('a refused token is named in doctor, status and a finding, never logged, and not retried', async () => {
    const { t, logs } = await agent('not-the-right-token-123');
    const [status] = await t.ask('status');
    expect(status).toContain('Home Assistant: 2 watched, not connected');
    expect(status).toContain('refused the token (auth_invalid: Invalid access token or password)');
    await t.agent.monitor.runOnce();
    expect(await openKeys(t)).toEqual(['homeassistant:connection']);
    const [incident] = await t.agent.store.listIncidents({ status: ['open'] });
    expect(incident?.title).toBe('Home Assistant refused the token: no Home Assistant alerts');
    expect(ha.wsMessages.filter((m) => m.message.type === 'auth')).toHaveLength(1);
    expect(logs.join('')).not.toContain('not-the-right-token-123');
    expect(logs.join('')).not.toContain(TOKEN);
  });
});

describe('opsagent doctor: ha websocket', () => {
  const run = (c: HealthCheck) =>
    c
      .run({ signal: AbortSignal.timeout(10_000), logger: silentLogger })
      .catch((e: Error) => ({ status: 'fail', detail: e.message }));

  async function checks(token: string, entities = watch) {
    const plugin = createHomelabPlugin({ collector: fakeCollector() });
    const parts = await plugin.setup({
      logger: silentLogger,
      dataDir: tmpdir(),
      env: { HA_URL: ha.url, HA_TOKEN: token },
      config: homelabConfigSchema.parse({
        local: { enabled: false },
        homeAssistant: { watch: entities },
      }),
    });
    cleanups.push(() => parts.dispose?.());
    return parts.checks!.find((c) => c.name === 'ha websocket')!;
  }

  it('says it is subscribed, names a watched entity HA does not have, and names a refused token', async () => {
    expect(await run(await checks(TOKEN))).toEqual({
      status: 'ok',
      detail: `subscribed to state changes at ${ha.url.replace('http', 'ws')}/api/websocket; 2 watched entities found`,
    });
    expect(
      await run(await checks(TOKEN, [...watch, { entity: 'binary_sensor.leak', states: ['on'] }])),
    ).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('no such entity: binary_sensor.leak'),
    });
    const refused = await run(await checks('bad-token-000000000'));
    expect(refused).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('refused the token (auth_invalid'),
    });
    expect(refused.detail).not.toContain('bad-token');
  });

  it('refuses a bad watch entry in the config, naming the field', () => {
    const bad = homelabConfigSchema.safeParse({
      homeAssistant: { watch: [{ entity: 'Freezer Temp' }] },
    });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain(
      'an entity id like sensor.freezer_temperature',
    );
  });
});
