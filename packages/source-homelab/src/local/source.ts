import {
  type Clock,
  type Finding,
  type Severity,
  type Source,
  systemClock,
  withTimeout,
} from '@opsagent/core';
import { createSystemCollector, type HostCollector, type HostSnapshot } from './collect.js';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  loadPerCore,
  osLine,
  snapshotSection,
} from './format.js';
import {
  type HostThresholds,
  healthOf,
  type PartialThresholds,
  resolveThresholds,
} from './thresholds.js';

/** Options of {@link createLocalHostSource}. */
export interface LocalHostSourceOptions {
  /** Source name, also the prefix of finding keys; default `local`. */
  name?: string;
  /** How long a snapshot is reused by `status`, `check` and `context`, in ms; default 5000. 0 disables the cache. */
  cacheTtlMs?: number;
  /** Health levels; missing ones take the defaults. */
  thresholds?: PartialThresholds;
  /** Reads the machine; default {@link createSystemCollector}. Tests inject a fake. */
  collector?: HostCollector;
  /** Time source for the cache; default the wall clock. */
  clock?: Clock;
  /** Time allowed for one collection, shared by every caller waiting on it, in ms; default 15000. */
  collectTimeoutMs?: number;
  /** How often the monitor calls `check`, in ms; default the monitor's interval. */
  checkIntervalMs?: number;
}

/** The local host source, plus the cached snapshot for callers in this package. */
export interface LocalHostSource extends Source {
  /** The health levels in force. */
  readonly thresholds: HostThresholds;
  /**
   * A snapshot no older than the cache TTL: a cached one, the one being collected, or a new
   * collection. `signal` abandons the wait, not the shared collection.
   */
  snapshot(signal?: AbortSignal): Promise<HostSnapshot>;
}

/**
 * A {@link Source} for the machine the agent runs on: `status` (CPU, load, memory, swap, disks,
 * uptime, temperature), `check` (findings for disks, memory, load and temperature past their
 * thresholds) and `context` (host name, OS, CPUs, memory, disks for the system prompt).
 *
 * Snapshots are cached for `cacheTtlMs`, and concurrent callers share one in-flight collection,
 * so a burst of `status` commands costs one reading of the machine.
 */
export function createLocalHostSource(options: LocalHostSourceOptions = {}): LocalHostSource {
  const name = options.name ?? 'local';
  const ttlMs = Math.max(0, options.cacheTtlMs ?? 5000);
  const collectTimeoutMs = options.collectTimeoutMs ?? 15_000;
  const clock = options.clock ?? systemClock;
  const thresholds = resolveThresholds(options.thresholds);
  let collector = options.collector;
  let cached: { snapshot: HostSnapshot; at: number } | undefined;
  let inflight: Promise<HostSnapshot> | undefined;

  function startCollection(): Promise<HostSnapshot> {
    collector ??= createSystemCollector({ clock });
    const active = collector;
    const run = withTimeout('local host collection', collectTimeoutMs, (signal) =>
      active.collect(signal),
    )
      .then((snapshot) => {
        cached = { snapshot, at: clock.now().getTime() };
        return snapshot;
      })
      .finally(() => {
        if (inflight === run) inflight = undefined;
      });
    return run;
  }

  function snapshot(signal?: AbortSignal): Promise<HostSnapshot> {
    if (cached && clock.now().getTime() - cached.at < ttlMs)
      return Promise.resolve(cached.snapshot);
    inflight ??= startCollection();
    return waitFor(inflight, signal);
  }

  return {
    name,
    ...(options.checkIntervalMs === undefined ? {} : { checkIntervalMs: options.checkIntervalMs }),
    thresholds,
    snapshot,
    async status({ signal }) {
      const section = snapshotSection(await snapshot(signal), thresholds);
      return { health: section.health ?? 'unknown', sections: [section] };
    },
    async check({ signal }) {
      return hostFindings(await snapshot(signal), thresholds, name);
    },
    async context({ signal }) {
      return hostContext(await snapshot(signal));
    },
  };
}

/** Waits for a shared promise; an abort rejects this waiter only. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function severityOf(
  value: number,
  limit: { warn: number; critical: number },
): Severity | undefined {
  const health = healthOf(value, limit);
  return health === 'critical' ? 'critical' : health === 'warn' ? 'warning' : undefined;
}

function levels(limit: { warn: number; critical: number }, unit: string): string {
  return `warn at ${limit.warn}${unit}, critical at ${limit.critical}${unit}`;
}

/**
 * Findings for whatever is past its warning level. Keys are stable per problem:
 * `<name>:disk:<mount>`, `<name>:memory`, `<name>:load`, `<name>:temperature`.
 */
export function hostFindings(
  snapshot: HostSnapshot,
  thresholds: HostThresholds,
  name = 'local',
): Finding[] {
  const resource = `host:${snapshot.host.hostname}`;
  const findings: Finding[] = [];

  for (const disk of snapshot.disks) {
    const severity = severityOf(disk.usedPercent, thresholds.disk);
    if (!severity) continue;
    findings.push({
      key: `${name}:disk:${disk.mount}`,
      severity,
      resource,
      title: `Disk ${disk.mount} at ${formatPercent(disk.usedPercent)}`,
      evidence:
        `${disk.mount} (${disk.fsType} on ${disk.device || '?'}): ${formatPercent(disk.usedPercent)} used, ` +
        `${formatBytes(disk.usedBytes)} used, ${formatBytes(disk.availableBytes)} free of ${formatBytes(disk.sizeBytes)}; ` +
        levels(thresholds.disk, '%'),
      data: { ...disk },
    });
  }

  const { memory } = snapshot;
  const memorySeverity = severityOf(memory.usedPercent, thresholds.memory);
  if (memorySeverity) {
    const swap =
      memory.swapTotalBytes > 0
        ? `swap ${formatBytes(memory.swapUsedBytes)} of ${formatBytes(memory.swapTotalBytes)} used`
        : 'no swap';
    findings.push({
      key: `${name}:memory`,
      severity: memorySeverity,
      resource,
      title: `Memory at ${formatPercent(memory.usedPercent)}`,
      evidence:
        `${formatPercent(memory.usedPercent)} of ${formatBytes(memory.totalBytes)} in use, ` +
        `${formatBytes(memory.availableBytes)} available; ${swap}; ${levels(thresholds.memory, '%')}`,
      data: { ...memory },
    });
  }

  const perCore = loadPerCore(snapshot);
  const loadSeverity = severityOf(perCore, thresholds.loadPerCore);
  if (loadSeverity) {
    const { one, five, fifteen } = snapshot.load;
    findings.push({
      key: `${name}:load`,
      severity: loadSeverity,
      resource,
      title: `Load ${perCore.toFixed(2)} per CPU`,
      evidence:
        `load average ${one.toFixed(2)} / ${five.toFixed(2)} / ${fifteen.toFixed(2)} (1/5/15 min) on ${snapshot.cpu.count} CPUs: ` +
        `${perCore.toFixed(2)} per CPU over 5 min; CPU now ${formatPercent(snapshot.cpu.loadPercent)}; ` +
        levels(thresholds.loadPerCore, ' per CPU'),
      data: { ...snapshot.load, cpus: snapshot.cpu.count, perCore },
    });
  }

  const temperature = snapshot.temperatureC;
  const temperatureSeverity =
    temperature === undefined ? undefined : severityOf(temperature, thresholds.temperature);
  if (temperature !== undefined && temperatureSeverity) {
    findings.push({
      key: `${name}:temperature`,
      severity: temperatureSeverity,
      resource,
      title: `CPU temperature ${Math.round(temperature)} °C`,
      evidence: `main CPU temperature ${temperature.toFixed(1)} °C; ${levels(thresholds.temperature, ' °C')}`,
      data: { temperatureC: temperature },
    });
  }
  return findings;
}

/** A few lines about the machine for the system prompt. */
export function hostContext(snapshot: HostSnapshot): string {
  const disks = snapshot.disks
    .map((d) => `${d.mount} ${formatBytes(d.sizeBytes)} ${d.fsType}`)
    .join(', ');
  return [
    `This machine: ${snapshot.host.hostname}, ${osLine(snapshot)}, up ${formatDuration(snapshot.uptimeSeconds)}`,
    `CPUs: ${snapshot.cpu.count}`,
    `Memory: ${formatBytes(snapshot.memory.totalBytes)} total${snapshot.memory.swapTotalBytes > 0 ? `, swap ${formatBytes(snapshot.memory.swapTotalBytes)}` : ', no swap'}`,
    `Disks: ${disks || 'none found'}`,
  ].join('\n');
}
