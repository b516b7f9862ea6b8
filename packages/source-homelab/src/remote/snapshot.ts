import type { Systeminformation } from 'systeminformation';
import type { ContainerInfo } from '../docker/container.js';
import { parseInspect } from '../docker/container.js';
import type { HostSnapshot, ProcessList } from '../local/collect.js';
import { realDisks } from '../local/collect.js';
import { type InterfaceCounters, parseProcNetDev } from '../local/network.js';
import { shellQuote } from '../ssh/quote.js';

/**
 * The POSIX sh script that prints everything a snapshot needs, in `@@name` sections: /proc files
 * are read with shell builtins (no process per file, which matters on a busy Raspberry Pi), then
 * `uname`, `df` and the `docker` CLI when present. One round trip per snapshot.
 */
const SNAPSHOT_SH = [
  'r() { [ -r "$1" ] || return 0; while IFS= read -r l || [ -n "$l" ]; do printf "%s\\n" "$l"; done < "$1"; }',
  'echo @@hostname; r /proc/sys/kernel/hostname',
  'echo @@os; r /etc/os-release',
  'echo @@arch; uname -m',
  'echo @@loadavg; r /proc/loadavg',
  'echo @@stat; while IFS= read -r l; do case "$l" in cpu*) printf "%s\\n" "$l";; *) break;; esac; done < /proc/stat',
  'echo @@meminfo; r /proc/meminfo',
  'echo @@uptime; r /proc/uptime',
  'echo @@df; df -kPT 2>/dev/null',
  'echo @@temp; r /sys/class/thermal/thermal_zone0/temp',
  'echo @@netdev; r /proc/net/dev',
  'echo @@docker; if command -v docker >/dev/null 2>&1; then if ids=$(docker ps -aq --no-trunc 2>&1); then if [ -n "$ids" ]; then docker inspect $ids 2>/dev/null; else echo "[]"; fi; else echo "!error $ids"; fi; else echo "!absent"; fi',
].join('\n');

/** The command line sent over SSH: the script run by `sh`, whatever the login shell is. */
export const SNAPSHOT_SCRIPT = `exec sh -c ${shellQuote(SNAPSHOT_SH)}`;

/** Splits the script's output into its `@@name` sections. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^@@([a-z]+)$/.exec(line.trim());
    if (match) {
      if (current) sections.set(current, lines.join('\n').trim());
      current = match[1];
      lines = [];
    } else if (current) {
      lines.push(line);
    }
  }
  if (current) sections.set(current, lines.join('\n').trim());
  return sections;
}

/** CPU jiffies from a `/proc/stat` `cpu` line: busy and total. */
export interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(line: string): CpuTimes | undefined {
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  if (values.length < 4 || values.some((v) => !Number.isFinite(v))) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

function percentBetween(now: CpuTimes | undefined, before: CpuTimes | undefined): number {
  if (!now) return Number.NaN;
  const busy = now.busy - (before?.busy ?? 0);
  const total = now.total - (before?.total ?? 0);
  return total > 0 ? Math.min(100, Math.max(0, (busy / total) * 100)) : 0;
}

/** What a remote docker section said. */
export type RemoteDocker =
  | { kind: 'ok'; containers: ContainerInfo[] }
  | { kind: 'absent' }
  | { kind: 'error'; message: string };

/** A parsed remote snapshot, plus the raw CPU and network counters for the next delta. */
export interface RemoteReading {
  snapshot: HostSnapshot;
  docker: RemoteDocker;
  cpuTimes: CpuTimes[];
  /** Interface counters, read in the same run as `/proc/uptime` (their time base). */
  network: InterfaceCounters[];
}

function kib(meminfo: Map<string, number>, key: string): number {
  return (meminfo.get(key) ?? 0) * 1024;
}

/** Parses `docker inspect` JSON (an array) into containers. */
export function parseDockerInspect(text: string): ContainerInfo[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error('docker inspect did not print an array');
  return parsed.map(parseInspect).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Parses the output of {@link SNAPSHOT_SCRIPT} into the same model as the local snapshot.
 * CPU use is the change since `previous` counters (since boot when there are none).
 */
export function parseRemoteSnapshot(
  output: string,
  now: Date,
  previous: readonly CpuTimes[] = [],
): RemoteReading {
  const s = splitSections(output);
  const os = new Map<string, string>();
  for (const line of (s.get('os') ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) os.set(m[1], (m[2] ?? '').replace(/^"(.*)"$/, '$1'));
  }
  const [one, five, fifteen] = (s.get('loadavg') ?? '').split(/\s+/).map(Number);
  const statLines = (s.get('stat') ?? '').split('\n').filter((l) => l.startsWith('cpu'));
  const times = statLines.map(cpuTimes).filter((t): t is CpuTimes => t !== undefined);
  const count = Number.parseInt(s.get('nproc') ?? '', 10) || Math.max(1, times.length - 1);
  const meminfo = new Map<string, number>();
  for (const line of (s.get('meminfo') ?? '').split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m?.[1]) meminfo.set(m[1], Number(m[2]));
  }
  const total = kib(meminfo, 'MemTotal');
  const available = meminfo.has('MemAvailable')
    ? kib(meminfo, 'MemAvailable')
    : kib(meminfo, 'MemFree') + kib(meminfo, 'Buffers') + kib(meminfo, 'Cached');
  const swapTotal = kib(meminfo, 'SwapTotal');
  const swapUsed = swapTotal - kib(meminfo, 'SwapFree');
  const dfRows: Systeminformation.FsSizeData[] = [];
  for (const line of (s.get('df') ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    const [fs = '', type = '', size, used, avail, use] = f;
    dfRows.push({
      fs,
      type,
      size: Number(size) * 1024,
      used: Number(used) * 1024,
      available: Number(avail) * 1024,
      use: Number.parseFloat(use ?? ''),
      mount: f.slice(6).join(' '),
      rw: true,
    });
  }
  const tempText = s.get('temp');
  const milli = tempText ? Number(tempText) : Number.NaN;
  const dockerText = s.get('docker') ?? '!absent';
  let docker: RemoteDocker;
  if (dockerText === '!absent') docker = { kind: 'absent' };
  else if (dockerText.startsWith('!error'))
    docker = { kind: 'error', message: dockerText.slice(7).trim() || 'docker failed' };
  else {
    try {
      docker = { kind: 'ok', containers: parseDockerInspect(dockerText) };
    } catch (error) {
      docker = {
        kind: 'error',
        message: `cannot read docker inspect output: ${(error as Error).message}`,
      };
    }
  }
  const usedMem = Math.max(0, total - available);
  const snapshot: HostSnapshot = {
    host: {
      hostname: (s.get('hostname') ?? '').split('\n')[0] ?? '',
      distro: os.get('NAME') ?? 'Linux',
      release: os.get('VERSION_ID') ?? '',
      arch: normaliseArch((s.get('arch') ?? '').trim()),
      platform: 'linux',
    },
    cpu: {
      count,
      loadPercent: percentBetween(times[0], previous[0]),
      perCorePercent: times.slice(1).map((t, i) => percentBetween(t, previous[i + 1])),
    },
    load: { one: one ?? Number.NaN, five: five ?? Number.NaN, fifteen: fifteen ?? Number.NaN },
    memory: {
      totalBytes: total,
      availableBytes: available,
      usedBytes: usedMem,
      usedPercent: total > 0 ? (usedMem / total) * 100 : Number.NaN,
      swapTotalBytes: swapTotal,
      swapUsedBytes: swapUsed,
      swapUsedPercent: swapTotal > 0 ? (swapUsed / swapTotal) * 100 : 0,
    },
    disks: realDisks(dfRows),
    uptimeSeconds: Number.parseFloat((s.get('uptime') ?? '').split(/\s+/)[0] ?? '') || 0,
    ...(Number.isFinite(milli) && milli > 0 ? { temperatureC: milli / 1000 } : {}),
    collectedAt: now,
  };
  return { snapshot, docker, cpuTimes: times, network: parseProcNetDev(s.get('netdev') ?? '') };
}

function normaliseArch(machine: string): string {
  if (machine === 'x86_64') return 'x64';
  if (machine === 'aarch64') return 'arm64';
  return machine || '?';
}

/** The `ps` command for top processes (procps). */
export const PS_COMMAND = 'ps -eo pid=,user=,pcpu=,pmem=,rss=,stat=,comm=,args=';

/** Parses {@link PS_COMMAND} output: the `limit` heaviest by CPU or memory, and the total. */
export function parsePs(
  output: string,
  limit: number,
  sortBy: 'cpu' | 'memory',
  totalMemoryBytes = 0,
): ProcessList {
  const processes = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const f = line.split(/\s+/);
      const [pid, user, pcpu, pmem, rss, stat, comm] = f;
      // comm can be a thread name (node shows "MainThread"): name the program from argv[0] when there is one.
      const argv = f.slice(7);
      const program = argv[0]?.startsWith('[') ? undefined : argv[0]?.split('/').pop();
      return {
        pid: Number(pid),
        name: program || comm || '',
        params: program ? argv.slice(1).join(' ') : argv.join(' '),
        user: user ?? '',
        cpuPercent: Number(pcpu) || 0,
        memPercent:
          Number(pmem) ||
          (totalMemoryBytes > 0 ? ((Number(rss) * 1024) / totalMemoryBytes) * 100 : 0),
        rssBytes: (Number(rss) || 0) * 1024,
        state: stateName(stat ?? ''),
      };
    })
    .filter((p) => Number.isFinite(p.pid));
  const sorted = processes.sort((a, b) =>
    sortBy === 'cpu' ? b.cpuPercent - a.cpuPercent : b.rssBytes - a.rssBytes,
  );
  return { total: processes.length, processes: sorted.slice(0, limit) };
}

function stateName(stat: string): string {
  const states: Record<string, string> = {
    R: 'running',
    S: 'sleeping',
    D: 'blocked',
    Z: 'zombie',
    T: 'stopped',
    I: 'idle',
  };
  return states[stat[0] ?? ''] ?? stat;
}
