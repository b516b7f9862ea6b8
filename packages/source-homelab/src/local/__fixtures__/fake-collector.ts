import type {
  DiskSnapshot,
  HostCollector,
  HostSnapshot,
  ProcessList,
  ProcessSort,
} from '../collect.js';

/** A disk for tests: `usedPercent` drives the numbers. */
export function diskFixture(
  mount: string,
  usedPercent: number,
  overrides: Partial<DiskSnapshot> = {},
): DiskSnapshot {
  const size = 100 * 1024 ** 3;
  return {
    mount,
    device: `/dev/fake${mount.replace(/\W/g, '') || 'root'}`,
    fsType: 'ext4',
    sizeBytes: size,
    usedBytes: (size * usedPercent) / 100,
    availableBytes: size - (size * usedPercent) / 100,
    usedPercent,
    ...overrides,
  };
}

/** A healthy 4-CPU, 16 GiB host with one disk; override any part. */
export function snapshotFixture(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  const total = 16 * 1024 ** 3;
  return {
    host: {
      hostname: 'sagan',
      distro: 'Debian GNU/Linux',
      release: '12',
      arch: 'x64',
      platform: 'linux',
    },
    cpu: { count: 4, loadPercent: 12.5, perCorePercent: [10, 15, 12, 13] },
    load: { one: 0.5, five: 0.4, fifteen: 0.3 },
    memory: {
      totalBytes: total,
      availableBytes: total * 0.6,
      usedBytes: total * 0.4,
      usedPercent: 40,
      swapTotalBytes: 2 * 1024 ** 3,
      swapUsedBytes: 0,
      swapUsedPercent: 0,
    },
    disks: [diskFixture('/', 50)],
    uptimeSeconds: 3 * 86_400 + 5 * 3_600 + 120,
    collectedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** A collector that counts calls and can hold a collection open until released. */
export interface FakeCollector extends HostCollector {
  /** Number of `collect` calls. */
  readonly collects: number;
  /** What the next `collect` returns (or throws). */
  next: HostSnapshot | Error;
  /** When true, `collect` waits until `release()` is called. */
  hold: boolean;
  /** Finishes every held collection. */
  release(): void;
  /** Processes `topProcesses` returns (before limit). */
  processes: ProcessList;
  /** Arguments of the last `topProcesses` call. */
  lastTop?: { limit: number; sortBy: ProcessSort };
}

/** A {@link FakeCollector} starting from `snapshot`. */
export function createFakeCollector(snapshot: HostSnapshot = snapshotFixture()): FakeCollector {
  let collects = 0;
  let waiting: Array<() => void> = [];
  const fake: FakeCollector = {
    get collects() {
      return collects;
    },
    next: snapshot,
    hold: false,
    processes: { total: 0, processes: [] },
    release() {
      const resolvers = waiting;
      waiting = [];
      for (const resolve of resolvers) resolve();
    },
    async collect() {
      collects += 1;
      if (fake.hold) await new Promise<void>((resolve) => waiting.push(resolve));
      if (fake.next instanceof Error) throw fake.next;
      return fake.next;
    },
    async disks() {
      return fake.next instanceof Error ? Promise.reject(fake.next) : fake.next.disks;
    },
    async topProcesses(limit, sortBy) {
      fake.lastTop = { limit, sortBy };
      return { total: fake.processes.total, processes: fake.processes.processes.slice(0, limit) };
    },
  };
  return fake;
}
