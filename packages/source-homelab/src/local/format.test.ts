import { describe, expect, it } from 'vitest';
import { diskFixture, snapshotFixture } from './__fixtures__/fake-collector.js';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  maskSecretArgs,
  networkFields,
  networkTotal,
  processesText,
  snapshotSection,
  snapshotText,
} from './format.js';
import { DEFAULT_THRESHOLDS, healthOf, resolveThresholds } from './thresholds.js';

const GiB = 1024 ** 3;
const thresholds = resolveThresholds();

function field(label: string, snapshot = snapshotFixture()) {
  return snapshotSection(snapshot, thresholds).fields.find((f) => f.label === label);
}

describe('units', () => {
  it('formats bytes in binary units with up to three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * GiB)).toBe('16 GiB');
    expect(formatBytes(23.44 * GiB)).toBe('23.4 GiB');
    expect(formatBytes(251.97 * GiB)).toBe('252 GiB');
    expect(formatBytes(3.5 * 1024 * GiB)).toBe('3.5 TiB');
  });

  it('formats durations with their two largest units', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(12 * 60 + 5)).toBe('12m');
    expect(formatDuration(2 * 3600 + 7 * 60)).toBe('2h 7m');
    expect(formatDuration(86_400 + 4 * 3600 + 59 * 60)).toBe('1d 4h');
    expect(formatDuration(31 * 86_400)).toBe('31d 0h');
  });

  it('never rounds a percentage up across a threshold', () => {
    expect(formatPercent(94.96)).toBe('94.9%');
    expect(formatPercent(95)).toBe('95%');
    expect(formatPercent(22.05)).toBe('22%');
    expect(formatPercent(Number.NaN)).toBe('?%');
  });
});

describe('health marks', () => {
  it('marks a value at the warning level warn and at the critical level critical', () => {
    expect(healthOf(84.9, DEFAULT_THRESHOLDS.disk)).toBe('ok');
    expect(healthOf(85, DEFAULT_THRESHOLDS.disk)).toBe('warn');
    expect(healthOf(95, DEFAULT_THRESHOLDS.disk)).toBe('critical');
    expect(healthOf(Number.NaN, DEFAULT_THRESHOLDS.disk)).toBe('unknown');
  });

  it('marks each disk by its use and the section by the worst field', () => {
    const snapshot = snapshotFixture({
      disks: [diskFixture('/', 50), diskFixture('/srv', 90), diskFixture('/backup', 96)],
    });
    const section = snapshotSection(snapshot, thresholds);
    expect(field('Disk /', snapshot)?.health).toBe('ok');
    expect(field('Disk /srv', snapshot)?.health).toBe('warn');
    expect(field('Disk /backup', snapshot)?.health).toBe('critical');
    expect(field('Disk /backup', snapshot)?.value).toBe('96% used, 4 GiB free of 100 GiB (ext4)');
    expect(section.health).toBe('critical');
  });

  it('judges memory on what is not available', () => {
    const base = snapshotFixture();
    const snapshot = snapshotFixture({
      memory: { ...base.memory, usedPercent: 92, availableBytes: 1.28 * GiB },
    });
    expect(field('Memory', snapshot)).toEqual({
      label: 'Memory',
      value: '92% of 16 GiB, 1.28 GiB available',
      health: 'warn',
    });
  });

  it('judges load on the 5-minute average per CPU', () => {
    const busy = snapshotFixture({ load: { one: 20, five: 8, fifteen: 4 } });
    expect(field('Load', busy)?.health).toBe('warn');
    expect(field('Load', busy)?.value).toBe('20 / 8 / 4 (2 per CPU over 5 min)');
    expect(field('Load', snapshotFixture({ load: { one: 1, five: 16, fifteen: 4 } }))?.health).toBe(
      'critical',
    );
    expect(field('Load')?.health).toBe('ok');
  });

  it('shows temperature only when the machine reports one', () => {
    expect(field('Temperature')).toBeUndefined();
    expect(field('Temperature', snapshotFixture({ temperatureC: 84.6 }))).toEqual({
      label: 'Temperature',
      value: '85 °C',
      health: 'warn',
    });
  });

  it('lists CPU, load, memory, swap, disks and uptime in order for a healthy host', () => {
    const section = snapshotSection(snapshotFixture(), thresholds);
    expect(section.title).toBe('sagan (this machine)');
    expect(section.health).toBe('ok');
    expect(section.fields.map((f) => f.label)).toEqual([
      'CPU',
      'Load',
      'Memory',
      'Swap',
      'Disk /',
      'Uptime',
    ]);
    expect(field('CPU')?.value).toBe('12.5% of 4 CPUs');
    expect(field('Swap')?.value).toBe('0% of 2 GiB');
    expect(field('Uptime')?.value).toBe('3d 5h');
  });

  it('says "none" for a host without swap', () => {
    const base = snapshotFixture();
    const snapshot = snapshotFixture({ memory: { ...base.memory, swapTotalBytes: 0 } });
    expect(field('Swap', snapshot)?.value).toBe('none');
  });
});

describe('text for the model', () => {
  it('includes every field with its mark, per-CPU load and the reading time', () => {
    const text = snapshotText(snapshotFixture({ disks: [diskFixture('/', 96)] }), thresholds);
    expect(text).toContain('Host sagan: Debian GNU/Linux 12 (x64), overall CRITICAL');
    expect(text).toContain('Disk /: 96% used, 4 GiB free of 100 GiB (ext4) [CRITICAL]');
    expect(text).toContain('Per-CPU load: 10%, 15%, 12%, 13%');
    expect(text).toContain('Read at 2026-01-01T00:00:00.000Z');
  });

  it('masks secrets in command lines', () => {
    expect(maskSecretArgs('--password=hunter2 --port 5432')).toBe(
      '--password=[redacted] --port 5432',
    );
    expect(maskSecretArgs('--api-key abc123 -v')).toBe('--api-key [redacted] -v');
    expect(maskSecretArgs('GITHUB_TOKEN=ghp_x run')).toBe('GITHUB_TOKEN=[redacted] run');
    expect(maskSecretArgs('clone https://bob:s3cret@example.test/repo')).toBe(
      'clone https://bob:[redacted]@example.test/repo',
    );
    expect(maskSecretArgs('--auth-required --listen 0.0.0.0')).toBe(
      '--auth-required --listen 0.0.0.0',
    );
  });

  it('cuts long command lines in the process table', () => {
    const text = processesText(
      {
        total: 3,
        processes: [
          {
            pid: 7,
            name: 'node',
            params: 'x'.repeat(200),
            user: 'app',
            cpuPercent: 50,
            memPercent: 2.5,
            rssBytes: 400 * 1024 ** 2,
            state: 'running',
          },
        ],
      },
      'cpu',
    );
    expect(text).toContain('Top 1 of 3 processes by CPU:');
    expect(text).toContain(`7\tapp\tcpu 50%\tmem 2.5% (400 MiB)\trunning\tnode ${'x'.repeat(79)}…`);
  });
});

describe('network', () => {
  const KiB = 1024;
  const rate = (name: string, rx: number, tx: number, extra = {}) => ({
    name,
    rxBytesPerSecond: rx,
    txBytesPerSecond: tx,
    rxErrors: 0,
    txErrors: 0,
    rxDropped: 0,
    txDropped: 0,
    ...extra,
  });

  it('sums the interfaces for a status line and lists them one by one for the model', () => {
    const network = {
      intervalSeconds: 30,
      interfaces: [
        rate('eth0', 1.2 * 1024 * KiB, 80 * KiB, { rxErrors: 3, txDropped: 1 }),
        rate('wg0', 20 * KiB, 0),
      ],
    };
    expect(networkTotal(network)).toBe('↓1.22 MiB/s ↑80 KiB/s');
    expect(formatRate(512)).toBe('512 B/s');
    const snapshot = { ...snapshotFixture(), network };
    expect(field('Network eth0', snapshot)?.value).toBe(
      'in 1.2 MiB/s, out 80 KiB/s; 3 receive errors, 1 dropped out (over 30s)',
    );
    expect(field('Network wg0', snapshot)?.value).toBe('in 20 KiB/s, out 0 B/s (over 30s)');
    expect(snapshotText(snapshot, thresholds)).toContain('Network eth0: in 1.2 MiB/s');
    expect(field('Network eth0')).toBeUndefined();
  });

  it('shows the four busiest interfaces and sums up the rest', () => {
    const fields = networkFields({
      intervalSeconds: 5,
      interfaces: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => rate(n, KiB, KiB)),
    });
    expect(fields.map((f) => f.label)).toEqual([
      'Network a',
      'Network b',
      'Network c',
      'Network d',
      'Network, other',
    ]);
    expect(fields.at(-1)?.value).toBe('2 more interfaces: ↓2 KiB/s ↑2 KiB/s');
  });
});
