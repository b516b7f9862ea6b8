import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FakeHomeAssistant,
  type FakeSignalServer,
  startFakeHomeAssistant,
  startFakeSignalServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, startCli } from '../helpers/cli.js';

// `opsagent run --preset homelab-sre`: a Home Assistant state change pushed over the WebSocket
// API reaches the owner on Signal as an alert, also after Home Assistant drops the socket.

const OWNER = '+15550000002';
const TOKEN = 'ha-e2e-token-NEVER-PRINTED-55';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, ok: () => boolean, exited: () => boolean): Promise<void> {
  for (let i = 0; i < 1500 && !ok(); i += 1) {
    if (exited()) throw new Error(`opsagent exited while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

describe('Home Assistant alerts through opsagent run (homelab-sre over Signal)', () => {
  it('a freezer warming up and a UPS on battery reach the owner; a dropped socket is reconnected', async () => {
    const signal: FakeSignalServer = await startFakeSignalServer();
    const ha: FakeHomeAssistant = await startFakeHomeAssistant({
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
    cleanups.push(
      () => signal.close(),
      () => ha.close(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'opsagent-ha-alert-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'opsagent.yaml'),
      [
        'preset: homelab-sre',
        'monitor: { interval: 1h, openAfter: 1, resolveAfter: 1 }',
        'plugins:',
        '  homelab:',
        '    local: { enabled: false }',
        '    docker: { enabled: false }',
        '    homeAssistant:',
        '      checkInterval: 200',
        '      watch:',
        '        - { entity: sensor.freezer_temperature, above: -15, severity: critical }',
        '        - { entity: sensor.ups_status, states: [on_battery] }',
        '',
      ].join('\n'),
    );
    const run = startCli(['run', '--log-level', 'debug'], {
      cwd: dir,
      env: cliEnv(dir, {
        SIGNAL_API_URL: signal.url,
        SIGNAL_NUMBER: signal.number,
        SIGNAL_ALLOWED_SENDERS: OWNER,
        HA_URL: ha.url,
        HA_TOKEN: TOKEN,
      }),
    });
    const exited = () => run.child.exitCode !== null;
    cleanups.push(async () => {
      await run.stop();
    });
    await until('the Home Assistant websocket', () => ha.wsAuthenticated() === 1, exited);
    await until('the Signal websocket', () => signal.connections() > 0, exited);

    ha.setState('sensor.freezer_temperature', '-8.2');
    await until(
      'the freezer alert',
      () =>
        signal.sent.some((s) => (s.body.message ?? '').includes('Freezer is -8.2 °C (above -15)')),
      exited,
    );
    const alert = signal.sent.find((s) => (s.body.message ?? '').includes('Freezer'));
    expect(alert?.body.recipients).toEqual([OWNER]);

    ha.dropWebSockets();
    await until('a new Home Assistant connection', () => ha.wsAuthenticated() === 2, exited);
    ha.setState('sensor.ups_status', 'on_battery');
    await until(
      'the UPS alert',
      () => signal.sent.some((s) => (s.body.message ?? '').includes('UPS is on_battery')),
      exited,
    );
    expect(run.stdout() + run.stderr()).not.toContain(TOKEN);
  });
});
