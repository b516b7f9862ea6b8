import type { Field, Section } from '@opsagent/core';
import type { DiskSnapshot, HostSnapshot, ProcessList } from './collect.js';
import type { InterfaceRate, NetworkRates } from './network.js';
import { type HostThresholds, healthOf, worstHealth } from './thresholds.js';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Binary units with up to three significant digits: `512 B`, `1.5 KiB`, `23.4 GiB`, `252 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${sign}${trimZeros(value.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

/** A percentage with at most one decimal: `22.1%`, `95%`. Never rounds up across a threshold. */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return '?%';
  return `${trimZeros((Math.floor(value * 10 + 1e-9) / 10).toFixed(1))}%`;
}

/** The two largest units of a duration: `45s`, `12m`, `2h 7m`, `1d 4h`, `31d 0h`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${s}s`;
}

/** A byte rate: `0 B/s`, `80.5 KiB/s`, `1.2 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Received and sent over every listed interface: `↓1.2 MiB/s ↑80 KiB/s`, for one-line status. */
export function networkTotal(network: NetworkRates): string {
  const rx = network.interfaces.reduce((sum, i) => sum + i.rxBytesPerSecond, 0);
  const tx = network.interfaces.reduce((sum, i) => sum + i.txBytesPerSecond, 0);
  return `↓${formatRate(rx)} ↑${formatRate(tx)}`;
}

/** Interfaces shown one by one; quieter ones are summed up in a last line. */
const MAX_INTERFACES = 4;

/** `in 1.2 MiB/s, out 80 KiB/s; 3 receive errors, 1 dropped out`. */
export function interfaceValue(rate: InterfaceRate): string {
  const counts = [
    [rate.rxErrors, 'receive error'],
    [rate.txErrors, 'send error'],
    [rate.rxDropped, 'dropped in'],
    [rate.txDropped, 'dropped out'],
  ] as const;
  const problems = counts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}${n === 1 || what.startsWith('dropped') ? '' : 's'}`);
  return `in ${formatRate(rate.rxBytesPerSecond)}, out ${formatRate(rate.txBytesPerSecond)}${problems.length > 0 ? `; ${problems.join(', ')}` : ''}`;
}

/** One field per busy interface (at most four, then the rest summed), rates over the interval. */
export function networkFields(network: NetworkRates): Field[] {
  const over = `over ${formatDuration(network.intervalSeconds)}`;
  const shown = network.interfaces.slice(0, MAX_INTERFACES);
  const fields: Field[] = shown.map((rate) => ({
    label: `Network ${rate.name}`,
    value: `${interfaceValue(rate)} (${over})`,
  }));
  const rest = network.interfaces.slice(MAX_INTERFACES);
  if (rest.length > 0) {
    fields.push({
      label: 'Network, other',
      value: `${rest.length} more interface${rest.length === 1 ? '' : 's'}: ${networkTotal({ ...network, interfaces: rest })}`,
    });
  }
  return fields;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function round2(value: number): string {
  return trimZeros(value.toFixed(2));
}

/** The 5-minute load average per CPU, the figure load health is judged on. */
export function loadPerCore(snapshot: HostSnapshot): number {
  return snapshot.load.five / Math.max(1, snapshot.cpu.count);
}

/** `Debian GNU/Linux 12 (x64)`. */
export function osLine(snapshot: HostSnapshot): string {
  const { distro, release, arch } = snapshot.host;
  return `${[distro, release].filter(Boolean).join(' ') || snapshot.host.platform} (${arch})`;
}

/** `22.1% used, 79 GiB free of 252 GiB (ext4)`. */
export function diskValue(disk: DiskSnapshot): string {
  return `${formatPercent(disk.usedPercent)} used, ${formatBytes(disk.availableBytes)} free of ${formatBytes(disk.sizeBytes)} (${disk.fsType})`;
}

/** The health fields of a snapshot: CPU, Load, Memory, Swap, each disk, Uptime, Temperature when known. */
export function snapshotFields(snapshot: HostSnapshot, thresholds: HostThresholds): Field[] {
  const { cpu, load, memory } = snapshot;
  const fields: Field[] = [
    {
      label: 'CPU',
      value: `${formatPercent(cpu.loadPercent)} of ${cpu.count} CPU${cpu.count === 1 ? '' : 's'}`,
    },
    {
      label: 'Load',
      value: `${round2(load.one)} / ${round2(load.five)} / ${round2(load.fifteen)} (${round2(loadPerCore(snapshot))} per CPU over 5 min)`,
      health: healthOf(loadPerCore(snapshot), thresholds.loadPerCore),
    },
    {
      label: 'Memory',
      value: `${formatPercent(memory.usedPercent)} of ${formatBytes(memory.totalBytes)}, ${formatBytes(memory.availableBytes)} available`,
      health: healthOf(memory.usedPercent, thresholds.memory),
    },
    {
      label: 'Swap',
      value:
        memory.swapTotalBytes > 0
          ? `${formatPercent(memory.swapUsedPercent)} of ${formatBytes(memory.swapTotalBytes)}`
          : 'none',
    },
  ];
  for (const disk of snapshot.disks) {
    fields.push({
      label: `Disk ${disk.mount}`,
      value: diskValue(disk),
      health: healthOf(disk.usedPercent, thresholds.disk),
    });
  }
  if (snapshot.network) fields.push(...networkFields(snapshot.network));
  fields.push({ label: 'Uptime', value: formatDuration(snapshot.uptimeSeconds) });
  if (snapshot.temperatureC !== undefined) {
    fields.push({
      label: 'Temperature',
      value: `${Math.round(snapshot.temperatureC)} °C`,
      health: healthOf(snapshot.temperatureC, thresholds.temperature),
    });
  }
  return fields;
}

/** The `status` section of the local host: its fields and the worst of their health marks. */
export function snapshotSection(snapshot: HostSnapshot, thresholds: HostThresholds): Section {
  const fields = snapshotFields(snapshot, thresholds);
  return {
    title: `${snapshot.host.hostname} (this machine)`,
    health: worstHealth(fields.map((f) => f.health)),
    fields,
  };
}

const MARK = { ok: 'ok', warn: 'WARN', critical: 'CRITICAL', unknown: 'unknown' } as const;

/** The snapshot as plain text for the model: every field, per-CPU load and when it was read. */
export function snapshotText(snapshot: HostSnapshot, thresholds: HostThresholds): string {
  const section = snapshotSection(snapshot, thresholds);
  const lines = [
    `Host ${snapshot.host.hostname}: ${osLine(snapshot)}, overall ${MARK[section.health ?? 'ok']}`,
    ...section.fields.map((f) => `${f.label}: ${f.value}${f.health ? ` [${MARK[f.health]}]` : ''}`),
  ];
  if (snapshot.cpu.perCorePercent.length > 1) {
    lines.push(
      `Per-CPU load: ${snapshot.cpu.perCorePercent.map((p) => formatPercent(p)).join(', ')}`,
    );
  }
  lines.push(`Read at ${snapshot.collectedAt.toISOString()}`);
  return lines.join('\n');
}

/** One line per disk: mount, health, use, free, size, type and device. */
export function disksText(disks: readonly DiskSnapshot[], thresholds: HostThresholds): string {
  return disks
    .map(
      (d) =>
        `${d.mount} [${MARK[healthOf(d.usedPercent, thresholds.disk)]}]: ${diskValue(d)} on ${d.device || '?'}`,
    )
    .join('\n');
}

const SECRET_ARG =
  /((?:^|\s)-{0,2}[\w.-]*(?:pass(?:word|wd|phrase)?|secret|token|api[-_]?key|auth|credentials?|private[-_]?key)[\w.-]*)(=|:|\s+(?=[^\s-]))(\S+)/gi;
const URL_CREDENTIALS = /(\/\/[^\s:/@]+:)[^\s@/]+@/g;

/**
 * Masks what looks like a secret in a command line (`--password=x`, `--token x`, `API_KEY=x`,
 * `https://user:x@host`): process arguments of other programs are not ours to show the model.
 */
export function maskSecretArgs(params: string): string {
  return params.replace(SECRET_ARG, '$1$2[redacted]').replace(URL_CREDENTIALS, '$1[redacted]@');
}

/** A process table; command lines are masked ({@link maskSecretArgs}) and cut to `paramsWidth` characters. */
export function processesText(
  list: ProcessList,
  sortBy: 'cpu' | 'memory',
  paramsWidth = 80,
): string {
  const header = `Top ${list.processes.length} of ${list.total} processes by ${sortBy === 'cpu' ? 'CPU' : 'memory'}:`;
  const rows = list.processes.map((p) => {
    const masked = maskSecretArgs(p.params);
    const params = masked.length > paramsWidth ? `${masked.slice(0, paramsWidth - 1)}…` : masked;
    const command = params ? `${p.name} ${params}` : p.name;
    return `${p.pid}\t${p.user || '?'}\tcpu ${formatPercent(p.cpuPercent)}\tmem ${formatPercent(p.memPercent)} (${formatBytes(p.rssBytes)})\t${p.state}\t${command}`;
  });
  return [header, 'PID\tUSER\tCPU\tMEM\tSTATE\tCOMMAND', ...rows].join('\n');
}
