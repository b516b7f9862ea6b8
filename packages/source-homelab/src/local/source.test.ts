import { createManualClock, silentLogger } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import {
  createFakeCollector,
  diskFixture,
  snapshotFixture,
} from './__fixtures__/fake-collector.js';
import { createLocalHostSource } from './source.js';

function ctx(signal: AbortSignal = new AbortController().signal) {
  return { signal, logger: silentLogger };
}

describe('status cache', () => {
  it('collects once for two status calls within the TTL and again after it', async () => {
    const collector = createFakeCollector();
    const clock = createManualClock();
    const source = createLocalHostSource({ collector, clock, cacheTtlMs: 5000 });

    await source.status!(ctx());
    clock.advance(4999);
    await source.status!(ctx());
    expect(collector.collects).toBe(1);

    clock.advance(1);
    await source.status!(ctx());
    expect(collector.collects).toBe(2);
  });

  it('shares one in-flight collection between concurrent callers', async () => {
    const collector = createFakeCollector();
    collector.hold = true;
    const source = createLocalHostSource({ collector, clock: createManualClock() });

    const calls = [
      source.status!(ctx()),
      source.check!(ctx()),
      source.context!(ctx()),
      source.status!(ctx()),
    ];
    await Promise.resolve();
    collector.release();
    const [first, , context, last] = await Promise.all(calls);

    expect(collector.collects).toBe(1);
    expect(first).toEqual(last);
    expect(context).toContain('sagan');
  });

  it('collects every time when the TTL is 0, still sharing concurrent calls', async () => {
    const collector = createFakeCollector();
    const source = createLocalHostSource({ collector, clock: createManualClock(), cacheTtlMs: 0 });
    await Promise.all([source.status!(ctx()), source.status!(ctx())]);
    await source.status!(ctx());
    expect(collector.collects).toBe(2);
  });

  it('does not cache a failed collection', async () => {
    const collector = createFakeCollector();
    collector.next = new Error('mem read failed');
    const source = createLocalHostSource({ collector, clock: createManualClock() });

    await expect(source.status!(ctx())).rejects.toThrow('mem read failed');
    collector.next = snapshotFixture();
    await expect(source.status!(ctx())).resolves.toMatchObject({ health: 'ok' });
    expect(collector.collects).toBe(2);
  });

  it('lets an aborted caller go without cancelling the collection others wait on', async () => {
    const collector = createFakeCollector();
    collector.hold = true;
    const source = createLocalHostSource({ collector, clock: createManualClock() });
    const controller = new AbortController();

    const abandoned = source.status!(ctx(controller.signal));
    const patient = source.status!(ctx());
    controller.abort(new Error('caller gave up'));
    await expect(abandoned).rejects.toThrow('caller gave up');

    collector.release();
    await expect(patient).resolves.toMatchObject({ health: 'ok' });
    expect(collector.collects).toBe(1);
  });

  it('reports the worst field as the source health', async () => {
    const collector = createFakeCollector(snapshotFixture({ disks: [diskFixture('/', 97)] }));
    const source = createLocalHostSource({ collector, clock: createManualClock() });
    const report = await source.status!(ctx());
    expect(report.health).toBe('critical');
    expect(report.sections).toHaveLength(1);
  });
});

describe('check', () => {
  it('finds nothing on a healthy host', async () => {
    const source = createLocalHostSource({
      collector: createFakeCollector(),
      clock: createManualClock(),
    });
    expect(await source.check!(ctx())).toEqual([]);
  });

  it('raises findings with stable keys, severities and evidence past each threshold', async () => {
    const base = snapshotFixture();
    const snapshot = snapshotFixture({
      disks: [diskFixture('/', 96), diskFixture('/srv', 86), diskFixture('/backup', 10)],
      memory: { ...base.memory, usedPercent: 91, availableBytes: 1.44 * 1024 ** 3 },
      load: { one: 9, five: 17, fifteen: 12 },
      temperatureC: 92,
    });
    const source = createLocalHostSource({
      collector: createFakeCollector(snapshot),
      clock: createManualClock(),
    });
    const findings = await source.check!(ctx());

    expect(findings.map((f) => [f.key, f.severity])).toEqual([
      ['local:disk:/', 'critical'],
      ['local:disk:/srv', 'warning'],
      ['local:memory', 'warning'],
      ['local:load', 'critical'],
      ['local:temperature', 'critical'],
    ]);
    expect(findings.every((f) => f.resource === 'host:sagan')).toBe(true);
    const [disk, , memory, load, temperature] = findings;
    expect(disk?.title).toBe('Disk / at 96%');
    expect(disk?.evidence).toBe(
      '/ (ext4 on /dev/fakeroot): 96% used, 96 GiB used, 4 GiB free of 100 GiB; warn at 85%, critical at 95%',
    );
    expect(memory?.evidence).toContain('91% of 16 GiB in use, 1.44 GiB available');
    expect(load?.title).toBe('Load 4.25 per CPU');
    expect(load?.evidence).toContain('load average 9.00 / 17.00 / 12.00 (1/5/15 min) on 4 CPUs');
    expect(temperature?.evidence).toBe(
      'main CPU temperature 92.0 °C; warn at 80 °C, critical at 90 °C',
    );
  });

  it('uses configured thresholds and the source name in keys', async () => {
    const snapshot = snapshotFixture({ disks: [diskFixture('/', 75)] });
    const source = createLocalHostSource({
      name: 'nas',
      collector: createFakeCollector(snapshot),
      clock: createManualClock(),
      thresholds: { disk: { warn: 70 } },
    });
    expect(source.thresholds.disk).toEqual({ warn: 70, critical: 95 });
    const findings = await source.check!(ctx());
    expect(findings.map((f) => `${f.key} ${f.severity}`)).toEqual(['nas:disk:/ warning']);
  });
});

describe('context', () => {
  it('describes the machine in a few lines', async () => {
    const source = createLocalHostSource({
      collector: createFakeCollector(),
      clock: createManualClock(),
    });
    expect(await source.context!(ctx())).toBe(
      [
        'This machine: sagan, Debian GNU/Linux 12 (x64), up 3d 5h',
        'CPUs: 4',
        'Memory: 16 GiB total, swap 2 GiB',
        'Disks: / 100 GiB ext4',
      ].join('\n'),
    );
  });
});
