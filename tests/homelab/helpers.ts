import type { HostCollector, HostSnapshot } from '@opsagent/source-homelab';

/** A healthy 4-CPU, 16 GiB machine; override any part. */
export function snapshot(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  const total = 16 * 1024 ** 3;
  const size = 100 * 1024 ** 3;
  return {
    host: {
      hostname: 'sagan',
      distro: 'Debian GNU/Linux',
      release: '12',
      arch: 'x64',
      platform: 'linux',
    },
    cpu: { count: 4, loadPercent: 12.5, perCorePercent: [10, 15, 12, 13] },
    load: { one: 0.52, five: 0.4, fifteen: 0.3 },
    memory: {
      totalBytes: total,
      availableBytes: total * 0.59,
      usedBytes: total * 0.41,
      usedPercent: 41,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
      swapUsedPercent: 0,
    },
    disks: [
      {
        mount: '/',
        device: '/dev/sda1',
        fsType: 'ext4',
        sizeBytes: size,
        usedBytes: size * 0.5,
        availableBytes: size * 0.5,
        usedPercent: 50,
      },
      {
        mount: '/srv',
        device: '/dev/sdb1',
        fsType: 'ext4',
        sizeBytes: size,
        usedBytes: size * 0.72,
        availableBytes: size * 0.28,
        usedPercent: 72,
      },
    ],
    uptimeSeconds: 3 * 86_400,
    collectedAt: new Date(),
    ...overrides,
  };
}

/** A collector answering from a mutable snapshot. */
export function fakeCollector(
  initial: HostSnapshot = snapshot(),
): HostCollector & { current: HostSnapshot } {
  const collector = {
    current: initial,
    collect: async () => ({ ...collector.current, collectedAt: new Date() }),
    disks: async () => collector.current.disks,
    topProcesses: async () => ({
      total: 2,
      processes: [
        {
          pid: 1,
          name: 'init',
          params: '',
          user: 'root',
          cpuPercent: 0.1,
          memPercent: 0.1,
          rssBytes: 1024,
          state: 'sleeping',
        },
        {
          pid: 99,
          name: 'node',
          params: '--api-key=SECRET123 server.js',
          user: 'app',
          cpuPercent: 50,
          memPercent: 3,
          rssBytes: 1 << 27,
          state: 'running',
        },
      ],
    }),
  };
  return collector;
}
