import {
  buildRegistry,
  configJsonSchema,
  createManualClock,
  type Source,
  silentLogger,
} from '@opsagent/core';
import { type FakeHomeAssistant, startFakeHomeAssistant } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createHomelabPlugin, homelabConfigSchema, homelabPlugin } from './homelab-plugin.js';
import { createFakeCollector } from './local/__fixtures__/fake-collector.js';

const environment = { logger: silentLogger, dataDir: '/tmp/opsagent-test', env: {} };

describe('homelab config', () => {
  it('has a default for everything and reads durations', () => {
    const config = homelabConfigSchema.parse({ ssh: { commandTimeout: '30s' }, hostTimeout: 2500 });
    expect(config).toMatchObject({
      local: { enabled: true, units: [] },
      hosts: [],
      ssh: {
        knownHosts: '~/.ssh/known_hosts',
        connectTimeout: 5000,
        commandTimeout: 30_000,
        keepalive: 15_000,
      },
      docker: { enabled: true, ignore: [], restartLoop: { restarts: 3, window: 600_000 } },
      cacheTtl: 5000,
      hostTimeout: 2500,
      retryUnreachable: 30_000,
      contextFiles: { paths: ['CLAUDE.md', 'AGENTS.md'], maxBytes: 16_384 },
      remediations: { containers: ['*'], verifyTimeout: 60_000 },
    });
  });

  it('names the field and the fix for broken host entries, duplicate names and unsafe templates', () => {
    const bad = homelabConfigSchema.safeParse({
      hosts: [
        { name: 'nas', address: '10.0.0.2' },
        { name: 'nas', address: '10.0.0.3', user: 'a', port: 70_000 },
        { name: 'my pi', address: 'pi', user: 'pi' },
      ],
      readonlyCommands: [{ name: 'shell', template: 'sh -c {script}' }],
      ssh: { connectTimeout: 'soon' },
    });
    const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hosts\.0\.user: /),
        expect.stringMatching(/^hosts\.1\.port: /),
        expect.stringMatching(/^hosts\.2\.name: a host name: letters, digits/),
        expect.stringMatching(/^readonlyCommands\.0\.template: unknown placeholder \{script\}/),
        expect.stringMatching(/^ssh\.connectTimeout: expected a duration/),
      ]),
    );
    expect(
      homelabConfigSchema.safeParse({
        hosts: [
          { name: 'a', address: 'x', user: 'u' },
          { name: 'a', address: 'y', user: 'u' },
        ],
      }).error?.issues[0]?.message,
    ).toBe('host names must be unique');
  });

  it('rejects unknown keys through the registry, naming the section', async () => {
    await expect(
      buildRegistry([{ plugin: homelabPlugin, config: { host: [] } }], environment),
    ).rejects.toThrow(/plugins\.homelab/);
  });

  it('has a JSON Schema for editors', () => {
    const schema = JSON.stringify(configJsonSchema([homelabPlugin]));
    expect(schema).toContain('knownHosts');
    expect(schema).toContain('Long-lived access token');
  });
});

describe('homelab contributions', () => {
  it('contributes the source, tools and remediations; Home Assistant only with a URL and a token', async () => {
    const plugin = createHomelabPlugin({ collector: createFakeCollector() });
    const without = await plugin.setup({
      ...environment,
      config: homelabConfigSchema.parse({ docker: { enabled: false } }),
    });
    expect(without.sources?.map((s) => s.name)).toEqual(['homelab']);
    expect(without.tools?.map((t) => t.name)).toEqual([
      'host_status',
      'list_containers',
      'container_logs',
      'unit_journal',
      'disk_usage',
      'top_processes',
      'run_readonly_command',
    ]);
    expect(without.remediations?.map((r) => [r.name, r.risk])).toEqual([
      ['restart_container', 'medium'],
      ['restart_unit', 'medium'],
    ]);
    const urlOnly = await plugin.setup({
      ...environment,
      env: { HA_URL: 'http://127.0.0.1:1' },
      config: homelabConfigSchema.parse({ docker: { enabled: false } }),
    });
    expect(urlOnly.tools?.some((t) => t.name.startsWith('ha_'))).toBe(false);
    expect(urlOnly.checks?.map((c) => c.name)).toEqual(['home assistant']);
    const withHa = await plugin.setup({
      ...environment,
      env: { HA_URL: 'http://127.0.0.1:1', HA_TOKEN: 't' },
      config: homelabConfigSchema.parse({ docker: { enabled: false } }),
    });
    expect(withHa.tools?.filter((t) => t.name.startsWith('ha_')).map((t) => t.name)).toEqual([
      'ha_find_entities',
      'ha_entity_state',
    ]);
    expect(withHa.remediations?.map((r) => [r.name, r.risk])).toContainEqual([
      'ha_call_service',
      'low',
    ]);
  });
});

describe('Home Assistant outage grace', () => {
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** The issues of a homeAssistant section, as `path: message`. */
  function issues(homeAssistant: unknown): string[] {
    const result = homelabConfigSchema.safeParse({ homeAssistant });
    return result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }

  it('defaults to 3 minutes, reads durations, and names the field when out of range', () => {
    expect(homelabConfigSchema.parse({}).homeAssistant.outageGrace).toBe(180_000);
    expect(
      homelabConfigSchema.parse({ homeAssistant: { outageGrace: '10m' } }).homeAssistant
        .outageGrace,
    ).toBe(600_000);
    expect(
      homelabConfigSchema.parse({ homeAssistant: { outageGrace: 0 } }).homeAssistant.outageGrace,
    ).toBe(0);
    expect(issues({ outageGrace: '7h' })).toEqual([
      'homeAssistant.outageGrace: expected a duration from 0s to 6h',
    ]);
    expect(issues({ outageGrace: 'a while' })).toEqual([
      expect.stringMatching(/^homeAssistant\.outageGrace: expected a duration like "30s"/),
    ]);
    expect(issues({ outageGrace: -1 })).toHaveLength(1);
  });

  async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 500; i += 1) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** The plugin's Home Assistant source on a fake Home Assistant, connected, on a manual clock. */
  async function haSource(outageGrace: string) {
    const ha: FakeHomeAssistant = await startFakeHomeAssistant({
      token: 'grace-token',
      entities: [{ entity_id: 'sensor.freezer', state: '-19' }],
    });
    let open = true;
    cleanups.push(async () => {
      if (open) await ha.close();
    });
    const clock = createManualClock(new Date('2026-11-21T22:00:00Z'));
    const plugin = createHomelabPlugin({ collector: createFakeCollector(), clock });
    const contributions = await plugin.setup({
      ...environment,
      env: { HA_URL: ha.url, HA_TOKEN: 'grace-token' },
      config: homelabConfigSchema.parse({
        docker: { enabled: false },
        homeAssistant: { watch: [{ entity: 'sensor.freezer', above: -15 }], outageGrace },
      }),
    });
    cleanups.push(() => contributions.dispose?.());
    const source = contributions.sources?.find((s) => s.name === 'homeassistant') as Source;
    await until('connected', async () =>
      (await source.status!(ctx)).sections[0]!.title.endsWith('watched'),
    );
    return {
      source,
      clock,
      /** Home Assistant goes away (an update restarting it) and the agent notices. */
      async outage() {
        open = false;
        await ha.close();
        await until('disconnected', async () =>
          (await source.status!(ctx)).sections[0]!.title.endsWith('not connected'),
        );
      },
    };
  }

  const connectionFindings = async (source: Source) =>
    (await source.check!(ctx)).filter((f) => f.key === 'homeassistant:connection');

  it('raises homeassistant:connection only once the outage outlasts homeAssistant.outageGrace', async () => {
    const { source, clock, outage } = await haSource('10m');
    expect(await connectionFindings(source)).toEqual([]);
    await outage();
    expect(await connectionFindings(source)).toEqual([]);
    // Past the default 3 minutes, still within the configured 10.
    clock.advance(9 * 60_000 + 59_000);
    expect(await connectionFindings(source)).toEqual([]);
    clock.advance(1_000);
    const [finding] = await connectionFindings(source);
    expect(finding).toMatchObject({
      severity: 'warning',
      title: 'Home Assistant is not connected: its alerts may be late',
    });
  });

  it('raises it at the first check while down with an outageGrace of 0s', async () => {
    const { source, outage } = await haSource('0s');
    expect(await connectionFindings(source)).toEqual([]);
    await outage();
    expect(await connectionFindings(source)).toHaveLength(1);
  });
});
