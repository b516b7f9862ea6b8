import { defineTool, type Tool } from '@opsagent/core';
import { z } from 'zod';
import type { DiskSnapshot, HostCollector } from './collect.js';
import { disksText, processesText, snapshotText } from './format.js';
import type { HostThresholds } from './thresholds.js';

/** What the local host tools read from. */
export interface LocalHostToolsOptions {
  /** Reads the machine (shared with the source so CPU load is primed once). */
  collector: HostCollector;
  /** Health levels used to mark values. */
  thresholds: HostThresholds;
  /** Time allowed for each tool, in ms; default 15000. */
  timeoutMs?: number;
}

/** Input of `host_status`: none. */
export const hostStatusInput = z.object({});

/** Input of `top_processes`. */
export const topProcessesInput = z.object({
  limit: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(10)
    .describe('How many processes to list, 1 to 50.'),
  sortBy: z
    .enum(['cpu', 'memory'])
    .default('cpu')
    .describe('Sort by CPU use or by resident memory.'),
});

/** Input of `disk_usage`. */
export const diskUsageInput = z.object({
  mount: z
    .string()
    .min(1)
    .optional()
    .describe('A mount point or any path on it (e.g. "/", "/var/log"); omit to list every disk.'),
});

/**
 * The disk holding `path`: the exact mount point, else the longest mount point that contains it.
 * Undefined when none does.
 */
export function diskForPath(
  disks: readonly DiskSnapshot[],
  path: string,
): DiskSnapshot | undefined {
  const exact = disks.find((d) => d.mount === path);
  if (exact) return exact;
  const lower = path.toLowerCase();
  const containing = disks.filter((d) => {
    const mount = d.mount.toLowerCase();
    if (mount === '/') return path.startsWith('/');
    const base = mount.replace(/[\\/]+$/, '');
    return lower === base || lower.startsWith(`${base}/`) || lower.startsWith(`${base}\\`);
  });
  return containing.sort((a, b) => b.mount.length - a.mount.length)[0];
}

/** `host_status`, `top_processes` and `disk_usage`: read-only views of this machine for the model. */
export function createLocalHostTools(options: LocalHostToolsOptions): Tool[] {
  const { collector, thresholds } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;

  const hostStatus = defineTool({
    name: 'host_status',
    description:
      'Fresh reading of the machine the agent runs on: CPU and per-CPU load, load averages, memory, swap, ' +
      'every disk, uptime and CPU temperature, each marked ok / WARN / CRITICAL.',
    input: hostStatusInput,
    timeoutMs,
    async run(_input, ctx) {
      return snapshotText(await collector.collect(ctx.signal), thresholds);
    },
  });

  const topProcesses = defineTool({
    name: 'top_processes',
    description:
      'The heaviest processes on the machine the agent runs on, by CPU or by memory: pid, user, CPU %, ' +
      'memory % and resident size, state and command line (secrets masked, long lines cut).',
    input: topProcessesInput,
    timeoutMs,
    async run(input, ctx) {
      const list = await collector.topProcesses(input.limit, input.sortBy, ctx.signal);
      return processesText(list, input.sortBy);
    },
  });

  const diskUsage = defineTool({
    name: 'disk_usage',
    description:
      'Use of the real disks of the machine the agent runs on (pseudo and overlay filesystems left out): ' +
      'every disk, or the one holding a given mount point or path.',
    input: diskUsageInput,
    timeoutMs,
    async run(input, ctx) {
      const disks = await collector.disks(ctx.signal);
      if (input.mount === undefined)
        return disks.length > 0 ? disksText(disks, thresholds) : 'No disks found.';
      const disk = diskForPath(disks, input.mount);
      if (!disk) {
        return {
          isError: true,
          output: `No disk holds "${input.mount}". Mount points: ${disks.map((d) => d.mount).join(', ') || 'none'}.`,
        };
      }
      return disksText([disk], thresholds);
    },
  });

  return [hostStatus, topProcesses, diskUsage];
}
