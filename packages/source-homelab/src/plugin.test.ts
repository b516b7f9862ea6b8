import { buildRegistry, silentLogger } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import {
  createFakeCollector,
  diskFixture,
  snapshotFixture,
} from './local/__fixtures__/fake-collector.js';
import { createLocalHostPlugin, localHostConfigSchema, localHostPlugin } from './plugin.js';

const environment = { logger: silentLogger, dataDir: '/tmp/opsagent-test', env: {} };

describe('local-host config', () => {
  it('defaults the cache TTL and every threshold', () => {
    expect(localHostConfigSchema.parse({})).toEqual({
      cacheTtl: 5000,
      thresholds: {
        disk: { warn: 85, critical: 95 },
        memory: { warn: 90, critical: 97 },
        loadPerCore: { warn: 2, critical: 4 },
        temperature: { warn: 80, critical: 90 },
      },
    });
  });

  it('fills in the level a partial threshold leaves out', () => {
    const config = localHostConfigSchema.parse({ thresholds: { disk: { warn: 70 } } });
    expect(config.thresholds.disk).toEqual({ warn: 70, critical: 95 });
  });

  it('rejects a warning level above the critical one, and unknown keys, naming the path', async () => {
    const bad = localHostConfigSchema.safeParse({
      thresholds: { memory: { warn: 99, critical: 95 } },
    });
    expect(bad.error?.issues[0]?.path).toEqual(['thresholds', 'memory', 'warn']);
    await expect(
      buildRegistry([{ plugin: localHostPlugin, config: { cacheTTL: 10 } }], environment),
    ).rejects.toThrow(/plugins\.local-host/);
  });
});

describe('local-host plugin', () => {
  it('contributes the local source and three read-only tools sharing one collector', async () => {
    const collector = createFakeCollector(snapshotFixture({ disks: [diskFixture('/', 88)] }));
    const plugin = createLocalHostPlugin({ collector });
    const registry = await buildRegistry(
      [{ plugin, config: { thresholds: { disk: { warn: 90 } } } }],
      environment,
    );
    expect([...registry.sources.keys()]).toEqual(['local']);
    expect([...registry.tools.keys()]).toEqual(['host_status', 'top_processes', 'disk_usage']);

    const source = registry.sources.get('local')!;
    const context = { signal: new AbortController().signal, logger: silentLogger };
    expect((await source.status!(context)).health).toBe('ok');
    expect(await source.check!(context)).toEqual([]);
    expect(collector.collects).toBe(1);
  });
});
