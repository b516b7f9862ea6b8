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

/** Runs, p50, p90, p99, max and mean of samples (ms), rounded to microseconds. */
export function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const round = (v) => Math.round(v * 1000) / 1000;
  return {
    runs: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
    mean: round(mean),
  };
}
