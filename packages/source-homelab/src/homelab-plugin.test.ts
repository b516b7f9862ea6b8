import { buildRegistry, configJsonSchema, silentLogger } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
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
