import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { type Clock, OpsAgentError, systemClock } from '@opsagent/core';
import si, { type Systeminformation } from 'systeminformation';
import {
  type InterfaceCounters,
  isVirtualInterface,
  NetworkMeter,
  type NetworkRates,
  parseProcNetDev,
} from './network.js';

/** Identity of the machine. */
export interface HostInfo {
  /** Host name, e.g. `sagan`. */
  hostname: string;
  /** Distribution or OS name, e.g. `Debian GNU/Linux`, `macOS`. */
  distro: string;
  /** Release, e.g. `12`, `14.5`. */
  release: string;
  /** CPU architecture, e.g. `x64`, `arm64`. */
  arch: string;
  /** Node's platform, e.g. `linux`, `darwin`, `win32`. */
  platform: string;
}

/** CPU utilisation sampled since the previous collection. */
export interface CpuSnapshot {
  /** Number of logical CPUs. */
  count: number;
  /** Overall utilisation, 0..100 %. */
  loadPercent: number;
  /** Utilisation of each logical CPU, 0..100 %. */
  perCorePercent: number[];
}

/** Run-queue load averages (always 0 on Windows). */
export interface LoadAverages {
  /** Over 1 minute. */
  one: number;
  /** Over 5 minutes. */
  five: number;
  /** Over 15 minutes. */
  fifteen: number;
}

/** Memory and swap, in bytes; `usedPercent` counts what is not `available` (cache is free). */
export interface MemorySnapshot {
  /** Installed memory. */
  totalBytes: number;
  /** Memory available to new work without swapping (includes reclaimable cache). */
  availableBytes: number;
  /** `total - available`. */
  usedBytes: number;
  /** `used / total`, 0..100 %. */
  usedPercent: number;
  /** Swap size; 0 when there is none. */
  swapTotalBytes: number;
  /** Swap in use. */
  swapUsedBytes: number;
  /** `swapUsed / swapTotal`, 0..100 %; 0 when there is no swap. */
  swapUsedPercent: number;
}

/** One mounted filesystem on a real disk. */
export interface DiskSnapshot {
  /** Mount point, e.g. `/`, `/srv`, `C:`. */
  mount: string;
  /** Device or source, e.g. `/dev/sda1`, `tank/data`. */
  device: string;
  /** Filesystem type, e.g. `ext4`, `btrfs`, `zfs`, `NTFS`. */
  fsType: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Used bytes. */
  usedBytes: number;
  /** Bytes available to unprivileged users. */
  availableBytes: number;
  /** Use in %, as `df` reports it (`used / (used + available)`, so reserved blocks count as full). */
  usedPercent: number;
}

/** One point-in-time reading of this machine. Bytes, percentages and seconds are plain numbers. */
export interface HostSnapshot {
  /** Which machine. */
  host: HostInfo;
  /** CPU utilisation. */
  cpu: CpuSnapshot;
  /** Load averages. */
  load: LoadAverages;
  /** Memory and swap. */
  memory: MemorySnapshot;
  /** Real disks, root first, then by mount point. */
  disks: DiskSnapshot[];
  /** Seconds since boot. */
  uptimeSeconds: number;
  /** Main CPU temperature in °C; undefined when the machine does not expose one (VMs, containers). */
  temperatureC?: number;
  /**
   * Throughput of the main interfaces since the previous reading; undefined on the first reading
   * (a rate needs two) or when the counters cannot be read.
   */
  network?: NetworkRates;
  /** When the reading was taken. */
  collectedAt: Date;
}

/** One process, for `top_processes`. */
export interface ProcessInfo {
  /** Process id. */
  pid: number;
  /** Executable name. */
  name: string;
  /** Command line arguments (may be long; callers truncate). */
  params: string;
  /** Owner. */
  user: string;
  /** CPU use in %, of one CPU (can exceed 100 on multi-core machines). */
  cpuPercent: number;
  /** Resident memory as % of total memory. */
  memPercent: number;
  /** Resident memory in bytes. */
  rssBytes: number;
  /** State, e.g. `running`, `sleeping`. */
  state: string;
}

/** What `top_processes` sorts by. */
export type ProcessSort = 'cpu' | 'memory';

/** The heaviest processes and how many there are in all. */
export interface ProcessList {
  /** Number of processes on the machine. */
  total: number;
  /** The top processes, heaviest first. */
  processes: ProcessInfo[];
}

/**
 * Reads this machine. The seam tests replace: the source and tools only ever talk to a
 * collector, so a fake one needs no module mocking.
 */
export interface HostCollector {
  /** A fresh snapshot of CPU, load, memory, disks, uptime and temperature. */
  collect(signal?: AbortSignal): Promise<HostSnapshot>;
  /** The mounted real disks only (cheaper than a full snapshot). */
  disks(signal?: AbortSignal): Promise<DiskSnapshot[]>;
  /** The `limit` heaviest processes by CPU or memory. */
  topProcesses(limit: number, sortBy: ProcessSort, signal?: AbortSignal): Promise<ProcessList>;
}

/** Options of {@link createSystemCollector}. */
export interface SystemCollectorOptions {
  /** Time source for `collectedAt`; default the wall clock. */
  clock?: Clock;
  /**
   * Sample CPU load once now so the first `collect` does not wait for systeminformation's
   * 500 ms first sample; default true.
   */
  prime?: boolean;
  /**
   * Reads every interface's counters; default `/proc/net/dev` on Linux (one file read), else
   * systeminformation's `networkStats` for the interfaces `os.networkInterfaces()` lists.
   */
  networkCounters?: () => Promise<InterfaceCounters[]>;
  /** Seconds on a clock that only moves forward, for network rates; default the monotonic clock. */
  monotonicSeconds?: () => number;
}

/**
 * Interface counters of this machine. Linux: `/proc/net/dev`, one read (systeminformation's
 * `networkStats('*')` spawns a shell per interface and lists them with ~25 `cat`s each).
 * Elsewhere: `si.networkStats` for the non-virtual interfaces Node knows.
 */
export async function readNetworkCounters(): Promise<InterfaceCounters[]> {
  if (process.platform === 'linux') return parseProcNetDev(await readFile('/proc/net/dev', 'utf8'));
  const names = Object.keys(os.networkInterfaces()).filter((n) => !isVirtualInterface(n));
  if (names.length === 0) return [];
  const stats = await si.networkStats(names.join(','));
  return stats.map((n) => ({
    name: n.iface,
    rxBytes: finite(n.rx_bytes),
    txBytes: finite(n.tx_bytes),
    rxErrors: finite(n.rx_errors),
    txErrors: finite(n.tx_errors),
    rxDropped: finite(n.rx_dropped),
    txDropped: finite(n.tx_dropped),
  }));
}

/** Filesystem types that are not disks: memory-backed, virtual, overlay or read-only images. */
const PSEUDO_FS_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'cramfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'erofs',
  'fusectl',
  'fuse.lxcfs',
  'fuse.gvfsd-fuse',
  'fuse.portal',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nsfs',
  'overlay',
  'overlayfs',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
  'udf',
  'udev',
  'unionfs',
]);

/** Mount points under which nothing is a disk a person manages (snaps, container layers, runtime dirs). */
const PSEUDO_MOUNT_PREFIXES = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/snap',
  '/var/lib/docker',
  '/var/snap',
];

function isPseudoMount(mount: string): boolean {
  return PSEUDO_MOUNT_PREFIXES.some((prefix) => mount === prefix || mount.startsWith(`${prefix}/`));
}

function finite(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function percent(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/**
 * Keeps the entries of `si.fsSize()` that are real disks: drops pseudo, overlay, tmpfs and
 * squashfs mounts, empty filesystems, and duplicates (the same device or mount point seen twice,
 * as with bind mounts and btrfs subvolumes; the shortest mount point wins). Root first, then by mount.
 */
export function realDisks(entries: readonly Systeminformation.FsSizeData[]): DiskSnapshot[] {
  const candidates = entries
    .filter((e) => !PSEUDO_FS_TYPES.has(e.type.toLowerCase()))
    .filter((e) => !isPseudoMount(e.mount))
    .filter((e) => finite(e.size) > 0)
    .sort((a, b) => a.mount.length - b.mount.length || a.mount.localeCompare(b.mount));
  const devices = new Set<string>();
  const mounts = new Set<string>();
  const disks: DiskSnapshot[] = [];
  for (const e of candidates) {
    if (mounts.has(e.mount) || (e.fs !== '' && devices.has(e.fs))) continue;
    mounts.add(e.mount);
    if (e.fs !== '') devices.add(e.fs);
    const used = finite(e.used);
    const available = finite(e.available);
    disks.push({
      mount: e.mount,
      device: e.fs,
      fsType: e.type,
      sizeBytes: finite(e.size),
      usedBytes: used,
      availableBytes: available,
      usedPercent: finite(e.use, percent(used, used + available)),
    });
  }
  return disks.sort(
    (a, b) => rootFirst(a.mount) - rootFirst(b.mount) || a.mount.localeCompare(b.mount),
  );
}

function rootFirst(mount: string): number {
  return mount === '/' ? 0 : 1;
}

/** The main CPU temperature, or undefined when systeminformation reports null, NaN or -1. */
export function temperatureOf(
  data: Pick<Systeminformation.CpuTemperatureData, 'main' | 'max'>,
): number | undefined {
  for (const value of [data.main, data.max]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/** Memory figures from `si.mem()`, with used % based on `available` (page cache counts as free). */
export function memoryOf(data: Systeminformation.MemData): MemorySnapshot {
  const total = finite(data.total);
  const available = Math.min(total, finite(data.available, finite(data.free)));
  const swapTotal = finite(data.swaptotal);
  const swapUsed = finite(data.swapused);
  return {
    totalBytes: total,
    availableBytes: available,
    usedBytes: total - available,
    usedPercent: percent(total - available, total),
    swapTotalBytes: swapTotal,
    swapUsedBytes: swapUsed,
    swapUsedPercent: percent(swapUsed, swapTotal),
  };
}

/** Rejects with the signal's reason as soon as it aborts; systeminformation itself cannot be cancelled. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return (
    signal.reason ??
    new OpsAgentError('ABORTED', 'host collection was aborted', {
      category: 'system',
      retryable: true,
    })
  );
}

function collectionFailed(what: string, error: unknown): OpsAgentError {
  if (error instanceof OpsAgentError) return error;
  return new OpsAgentError(
    'LOCAL_COLLECT_FAILED',
    `reading ${what} of this machine failed: ${String(error)}`,
    {
      category: 'system',
      retryable: true,
      cause: error,
    },
  );
}

/**
 * A {@link HostCollector} backed by systeminformation and `node:os`. It reads CPU load, memory,
 * disks and temperature concurrently; OS identity is read once and kept. CPU load is primed at
 * creation (fire and forget) so the first `collect` is not held up by the 500 ms first sample.
 * A machine that reports no temperature is not asked again (the Linux probe runs shell commands).
 */
export function createSystemCollector(options: SystemCollectorOptions = {}): HostCollector {
  const clock = options.clock ?? systemClock;
  let osInfo: Promise<Systeminformation.OsData> | undefined;
  let temperatureSupported = true;
  const meter = new NetworkMeter();
  const networkCounters = options.networkCounters ?? readNetworkCounters;
  const monotonicSeconds = options.monotonicSeconds ?? (() => performance.now() / 1000);
  // Like the CPU: a baseline now, so the first collect a second or more later has a real rate.
  if (options.prime ?? true) void readNetwork();

  // The first si.currentLoad() waits 500 ms for a baseline. Start it now; a call made once its
  // first (next-tick) step has run gets an immediate answer instead of waiting too.
  let priming: Promise<unknown> | undefined;
  if (options.prime ?? true) {
    priming = si
      .currentLoad()
      .catch(() => undefined)
      .finally(() => {
        priming = undefined;
      });
  }

  async function readLoad(): Promise<Systeminformation.CurrentLoadData> {
    if (priming) await new Promise<void>((resolve) => setImmediate(resolve));
    return si.currentLoad();
  }

  function readOsInfo(): Promise<Systeminformation.OsData> {
    osInfo ??= si.osInfo().catch((error: unknown) => {
      osInfo = undefined;
      throw error;
    });
    return osInfo;
  }

  async function readTemperature(): Promise<number | undefined> {
    if (!temperatureSupported) return undefined;
    const value = temperatureOf(await si.cpuTemperature());
    if (value === undefined) temperatureSupported = false;
    return value;
  }

  async function readDisks(): Promise<DiskSnapshot[]> {
    return realDisks(await si.fsSize());
  }

  /** Rates since the previous reading; never fails the snapshot (network is a bonus). */
  async function readNetwork(): Promise<NetworkRates | undefined> {
    try {
      const interfaces = await networkCounters();
      return meter.update({ atSeconds: monotonicSeconds(), interfaces });
    } catch {
      return undefined;
    }
  }

  async function collect(): Promise<HostSnapshot> {
    const [load, mem, disks, info, temperatureC, network] = await Promise.all([
      readLoad(),
      si.mem(),
      readDisks(),
      readOsInfo(),
      readTemperature().catch(() => undefined),
      readNetwork(),
    ]);
    const [one = 0, five = 0, fifteen = 0] = os.loadavg();
    const snapshot: HostSnapshot = {
      host: {
        hostname: os.hostname() || info.hostname,
        distro: info.distro,
        release: info.release,
        arch: info.arch || os.arch(),
        platform: info.platform || os.platform(),
      },
      cpu: {
        count: os.cpus().length || load.cpus.length,
        loadPercent: finite(load.currentLoad),
        perCorePercent: load.cpus.map((c) => finite(c.load)),
      },
      load: { one, five, fifteen },
      memory: memoryOf(mem),
      disks,
      // os.uptime() is what si.time().uptime returns, without its `date` subprocess.
      uptimeSeconds: os.uptime(),
      collectedAt: clock.now(),
    };
    if (temperatureC !== undefined) snapshot.temperatureC = temperatureC;
    if (network) snapshot.network = network;
    return snapshot;
  }

  async function topProcesses(limit: number, sortBy: ProcessSort): Promise<ProcessList> {
    const data = await si.processes();
    const processes = data.list
      .map(
        (p): ProcessInfo => ({
          pid: p.pid,
          name: p.name,
          params: p.params,
          user: p.user,
          cpuPercent: finite(p.cpu),
          memPercent: finite(p.mem),
          rssBytes: finite(p.memRss) * 1024,
          state: p.state,
        }),
      )
      .sort((a, b) =>
        sortBy === 'cpu'
          ? b.cpuPercent - a.cpuPercent || b.rssBytes - a.rssBytes
          : b.rssBytes - a.rssBytes || b.cpuPercent - a.cpuPercent,
      )
      .slice(0, limit);
    return { total: data.all || data.list.length, processes };
  }

  return {
    collect: (signal) =>
      abortable(
        collect().catch((error: unknown) => {
          throw collectionFailed('the host', error);
        }),
        signal,
      ),
    disks: (signal) =>
      abortable(
        readDisks().catch((error: unknown) => {
          throw collectionFailed('disks', error);
        }),
        signal,
      ),
    topProcesses: (limit, sortBy, signal) =>
      abortable(
        topProcesses(limit, sortBy).catch((error: unknown) => {
          throw collectionFailed('processes', error);
        }),
        signal,
      ),
  };
}
