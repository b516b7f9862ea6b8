import { silentLogger, type Tool } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import {
  createFakeCollector,
  diskFixture,
  snapshotFixture,
} from './__fixtures__/fake-collector.js';
import { resolveThresholds } from './thresholds.js';
import { createLocalHostTools, diskForPath } from './tools.js';

const ctx = { signal: new AbortController().signal, logger: silentLogger };

function setup() {
  const collector = createFakeCollector(
    snapshotFixture({
      disks: [diskFixture('/', 40), diskFixture('/srv', 90), diskFixture('/srv/media', 20)],
    }),
  );
  const tools = new Map(
    createLocalHostTools({ collector, thresholds: resolveThresholds() }).map((t) => [t.name, t]),
  );
  return { collector, tool: (name: string) => tools.get(name) as Tool };
}

async function run(tool: Tool, raw: unknown) {
  const input = tool.input.parse(raw);
  const result = await tool.run(input, ctx);
  return typeof result === 'string' ? { output: result, isError: false } : result;
}

describe('tool inputs', () => {
  it('top_processes defaults to 10 by CPU and accepts 1 to 50 by cpu or memory', () => {
    const { tool } = setup();
    const input = tool('top_processes').input;
    expect(input.parse({})).toEqual({ limit: 10, sortBy: 'cpu' });
    expect(input.parse({ limit: 50, sortBy: 'memory' })).toEqual({ limit: 50, sortBy: 'memory' });
    for (const bad of [
      { limit: 0 },
      { limit: 51 },
      { limit: 2.5 },
      { limit: '5' },
      { sortBy: 'disk' },
    ]) {
      expect(input.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('disk_usage takes an optional, non-empty mount', () => {
    const { tool } = setup();
    const input = tool('disk_usage').input;
    expect(input.parse({})).toEqual({});
    expect(input.parse({ mount: '/srv' })).toEqual({ mount: '/srv' });
    expect(input.safeParse({ mount: '' }).success).toBe(false);
    expect(input.safeParse({ mount: 7 }).success).toBe(false);
  });

  it('host_status takes no input', () => {
    const { tool } = setup();
    expect(tool('host_status').input.parse({})).toEqual({});
  });
});

describe('tools', () => {
  it('are three, with timeouts and descriptions', () => {
    const tools = createLocalHostTools({
      collector: createFakeCollector(),
      thresholds: resolveThresholds(),
    });
    expect(tools.map((t) => t.name)).toEqual(['host_status', 'top_processes', 'disk_usage']);
    for (const t of tools) {
      expect(t.description.length).toBeGreaterThan(40);
      expect(t.timeoutMs).toBe(15_000);
    }
  });

  it('host_status collects fresh every call', async () => {
    const { tool, collector } = setup();
    const first = await run(tool('host_status'), {});
    await run(tool('host_status'), {});
    expect(collector.collects).toBe(2);
    expect(first.output).toContain('Disk /srv: 90% used, 10 GiB free of 100 GiB (ext4) [WARN]');
  });

  it('top_processes passes the limit and sort order to the collector', async () => {
    const { tool, collector } = setup();
    collector.processes = {
      total: 120,
      processes: [
        {
          pid: 42,
          name: 'postgres',
          params: '-D /var/lib/pg',
          user: 'postgres',
          cpuPercent: 3,
          memPercent: 12,
          rssBytes: 2 * 1024 ** 3,
          state: 'sleeping',
        },
      ],
    };
    const result = await run(tool('top_processes'), { limit: 5, sortBy: 'memory' });
    expect(collector.lastTop).toEqual({ limit: 5, sortBy: 'memory' });
    expect(result.output).toContain('Top 1 of 120 processes by memory:');
    expect(result.output).toContain(
      '42\tpostgres\tcpu 3%\tmem 12% (2 GiB)\tsleeping\tpostgres -D /var/lib/pg',
    );
  });

  it('disk_usage lists every disk, or the one holding a path', async () => {
    const { tool } = setup();
    const all = await run(tool('disk_usage'), {});
    expect(all.output.split('\n')).toHaveLength(3);
    const one = await run(tool('disk_usage'), { mount: '/srv/media/films' });
    expect(one.output).toBe(
      '/srv/media [ok]: 20% used, 80 GiB free of 100 GiB (ext4) on /dev/fakesrvmedia',
    );
  });

  it('disk_usage returns an error result for a path no disk holds', async () => {
    const { tool } = setup();
    const result = await run(tool('disk_usage'), { mount: 'D:' });
    expect(result).toEqual({
      isError: true,
      output: 'No disk holds "D:". Mount points: /, /srv, /srv/media.',
    });
  });
});

describe('diskForPath', () => {
  const disks = [diskFixture('/', 1), diskFixture('/srv', 1), diskFixture('C:', 1)];
  it('picks the exact mount, else the longest containing mount', () => {
    expect(diskForPath(disks, '/srv')?.mount).toBe('/srv');
    expect(diskForPath(disks, '/srv/x/y')?.mount).toBe('/srv');
    expect(diskForPath(disks, '/srvx')?.mount).toBe('/');
    expect(diskForPath(disks, 'c:\\Users')?.mount).toBe('C:');
    expect(diskForPath(disks, 'relative/path')).toBeUndefined();
  });
});
