import os from 'node:os';
import { silentLogger } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { createSystemCollector, readNetworkCounters } from './collect.js';
import { createLocalHostSource } from './source.js';
import { resolveThresholds } from './thresholds.js';
import { createLocalHostTools } from './tools.js';

describe('systeminformation collector on this machine', () => {
  const collector = createSystemCollector();

  it('reads plausible CPU, memory, disk and OS values', async () => {
    const snapshot = await collector.collect();

    expect(snapshot.host.hostname).toBe(os.hostname());
    expect(snapshot.host.arch.length).toBeGreaterThan(0);
    expect(snapshot.cpu.count).toBe(os.cpus().length);
    expect(snapshot.cpu.loadPercent).toBeGreaterThanOrEqual(0);
    expect(snapshot.cpu.loadPercent).toBeLessThanOrEqual(100);
    expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
    expect(snapshot.memory.totalBytes).toBe(os.totalmem());
    expect(snapshot.memory.usedPercent).toBeGreaterThan(0);
    expect(snapshot.memory.usedPercent).toBeLessThan(100);
    expect(snapshot.disks.length).toBeGreaterThanOrEqual(1);
    for (const disk of snapshot.disks) {
      expect(disk.sizeBytes).toBeGreaterThan(0);
      expect(disk.usedPercent).toBeGreaterThanOrEqual(0);
      expect(disk.usedPercent).toBeLessThanOrEqual(100);
      expect(['tmpfs', 'overlay', 'squashfs']).not.toContain(disk.fsType);
    }
    expect(new Set(snapshot.disks.map((d) => d.mount)).size).toBe(snapshot.disks.length);
    expect(snapshot.uptimeSeconds).toBeGreaterThan(0);
    if (snapshot.temperatureC !== undefined) expect(snapshot.temperatureC).toBeGreaterThan(0);
  });

  it('lists the heaviest processes', async () => {
    const list = await collector.topProcesses(5, 'memory');
    expect(list.total).toBeGreaterThan(0);
    expect(list.processes.length).toBeGreaterThan(0);
    expect(list.processes.length).toBeLessThanOrEqual(5);
    const rss = list.processes.map((p) => p.rssBytes);
    expect(rss).toEqual([...rss].sort((a, b) => b - a));
  });

  it('serves status, check, context and the tools from the real machine', async () => {
    const source = createLocalHostSource({ collector });
    const ctx = { signal: new AbortController().signal, logger: silentLogger };
    const report = await source.status!(ctx);
    expect(report.sections[0]?.fields.map((f) => f.label)).toEqual(
      expect.arrayContaining(['CPU', 'Load', 'Memory', 'Swap', 'Uptime']),
    );
    expect(Array.isArray(await source.check!(ctx))).toBe(true);
    expect(await source.context!(ctx)).toContain(`CPUs: ${os.cpus().length}`);

    const tools = createLocalHostTools({ collector, thresholds: resolveThresholds() });
    for (const tool of tools) {
      const output = await tool.run(tool.input.parse({}), ctx);
      expect(typeof output === 'string' ? output : output.output).not.toBe('');
    }
  });
});

describe('network rates of this machine', () => {
  it('shows none on the first reading, then bytes per second from the counters between two readings', async () => {
    let seconds = 1000;
    let rx = 5_000_000;
    const collector = createSystemCollector({
      prime: false,
      monotonicSeconds: () => seconds,
      networkCounters: async () => [
        {
          name: 'lo',
          rxBytes: 9e9,
          txBytes: 9e9,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
        {
          name: 'enp3s0',
          rxBytes: rx,
          txBytes: 1000,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
      ],
    });
    expect((await collector.collect()).network).toBeUndefined();
    seconds += 4;
    rx += 4 * 250_000;
    expect((await collector.collect()).network).toEqual({
      intervalSeconds: 4,
      interfaces: [
        {
          name: 'enp3s0',
          rxBytesPerSecond: 250_000,
          txBytesPerSecond: 0,
          rxErrors: 0,
          txErrors: 0,
          rxDropped: 0,
          txDropped: 0,
        },
      ],
    });
  });

  it('reads the real counters (/proc/net/dev on Linux) without failing the snapshot', async () => {
    const counters = await readNetworkCounters();
    if (process.platform === 'linux') expect(counters.some((c) => c.name === 'lo')).toBe(true);
    const collector = createSystemCollector();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { network } = await collector.collect();
    // Primed at creation, so the first collect a second later already has a measured rate.
    expect(network?.intervalSeconds).toBeGreaterThanOrEqual(1);
    for (const i of network?.interfaces ?? []) {
      expect(i.name).not.toBe('lo');
      expect(i.rxBytesPerSecond).toBeGreaterThanOrEqual(0);
      expect(i.txBytesPerSecond).toBeGreaterThanOrEqual(0);
    }
  });
});
