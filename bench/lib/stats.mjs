// Shared by the benchmarks: percentiles and a description of the machine they ran on.
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** The p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** The machine, for bench/results/*.json: OS, CPUs, memory, Node, and the load when it ran. */
export function machine() {
  return {
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
