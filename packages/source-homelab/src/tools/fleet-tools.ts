import { defineTool, OpsAgentError, type Tool } from '@opsagent/core';
import { z } from 'zod';
import { uptimeSeconds } from '../docker/container.js';
import type { Fleet } from '../fleet/fleet.js';
import {
  disksText,
  formatBytes,
  formatDuration,
  processesText,
  snapshotText,
} from '../local/format.js';
import { diskForPath } from '../local/tools.js';
import {
  type CommandTemplate,
  DEFAULT_READONLY_COMMANDS,
  resolveReadonlyCommand,
} from './readonly-commands.js';

const host = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe('Host name from the host list; omit for the machine the agent runs on.');
const containerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'a container name: letters, digits, _ . -');
const unitName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9@_.:-]{0,127}$/, 'a systemd unit name: letters, digits, @ _ . : -');

/** Options of {@link createFleetTools}. */
export interface FleetToolsOptions {
  fleet: Fleet;
  /** Templates `run_readonly_command` accepts; default {@link DEFAULT_READONLY_COMMANDS}. */
  readonlyCommands?: readonly CommandTemplate[];
  /** Time allowed per tool, in ms; default 20000. */
  timeoutMs?: number;
}

function cut(text: string, max = 12_000): string {
  return text.length > max ? `…(cut to the last ${max} characters)\n${text.slice(-max)}` : text;
}

/** Read-only tools over the fleet: every one takes an optional `host`. */
export function createFleetTools(options: FleetToolsOptions): Tool[] {
  const { fleet } = options;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const templates = options.readonlyCommands ?? DEFAULT_READONLY_COMMANDS;
  const hostList = () => fleet.names.join(', ');

  const reading = async (name: string | undefined) => {
    const member = fleet.member(name);
    const state = await fleet.read(member.target.name, true);
    if (!state.ok)
      throw new OpsAgentError('HOST_UNREACHABLE', `${state.name} is unreachable: ${state.error}`, {
        category: 'third-party',
      });
    return { member, state, reading: state.reading };
  };

  return [
    defineTool({
      name: 'host_status',
      description: `Fresh reading of one host: CPU, load, memory, swap, each disk, network throughput per interface (bytes/s in and out, errors and drops since the previous reading), uptime, temperature, containers, each marked ok / WARN / CRITICAL. Hosts: ${hostList()}.`,
      input: z.object({ host }),
      timeoutMs,
      async run(input) {
        const { member, reading: r } = await reading(input.host);
        const network = r.snapshot.network
          ? r.snapshot.network.interfaces.length === 0
            ? 'Network: no traffic on any interface besides loopback, container and bridge ones\n'
            : ''
          : 'Network: not measured yet (a rate needs two readings; the next one will have it)\n';
        const text = snapshotText(r.snapshot, member.thresholds)
          .replace(/^Host \S+/, `Host ${member.target.name} (${r.snapshot.host.hostname})`)
          .replace(/^Read at /m, `${network}Read at `);
        const docker =
          r.docker.kind === 'ok'
            ? `Containers: ${r.docker.containers.map((c) => `${c.name} ${c.state}${c.health !== 'none' ? `/${c.health}` : ''}`).join(', ') || 'none'}`
            : r.docker.kind === 'error'
              ? `Docker: cannot be read (${r.docker.message})`
              : 'Docker: not installed';
        return `${text}\n${docker}`;
      },
    }),
    defineTool({
      name: 'list_containers',
      description: 'Containers of a host with state, health, restart count, uptime and image.',
      input: z.object({ host }),
      timeoutMs,
      async run(input) {
        const { member, reading: r, state } = await reading(input.host);
        if (r.docker.kind === 'absent') return `Docker is not installed on ${member.target.name}.`;
        if (r.docker.kind === 'error')
          return {
            isError: true,
            output: `Docker on ${member.target.name} cannot be read: ${r.docker.message}`,
          };
        if (r.docker.containers.length === 0) return `No containers on ${member.target.name}.`;
        const rows = r.docker.containers.map((c) => {
          const up = uptimeSeconds(c, state.at);
          return `${c.name}\t${c.state}${c.state === 'exited' ? ` (${c.exitCode})` : ''}\t${c.health}\trestarts ${c.restartCount}\t${up === undefined ? '-' : `up ${formatDuration(up)}`}\t${c.image}`;
        });
        return [
          `Containers on ${member.target.name}:`,
          'NAME\tSTATE\tHEALTH\tRESTARTS\tUPTIME\tIMAGE',
          ...rows,
        ].join('\n');
      },
    }),
    defineTool({
      name: 'container_logs',
      description:
        'The last lines a container wrote (stdout and stderr, stderr marked), optionally only since some minutes ago.',
      input: z.object({
        host,
        container: containerName.describe('Container name.'),
        tail: z
          .number()
          .int()
          .min(1)
          .max(2000)
          .default(100)
          .describe('How many lines, from the end.'),
        sinceMinutes: z
          .number()
          .int()
          .min(1)
          .max(10_080)
          .optional()
          .describe('Only lines from the last N minutes.'),
      }),
      timeoutMs,
      async run(input, ctx) {
        const member = fleet.member(input.host);
        const text = await member.target.containerLogs(
          input.container,
          {
            tail: input.tail,
            ...(input.sinceMinutes
              ? { since: new Date(Date.now() - input.sinceMinutes * 60_000) }
              : {}),
          },
          ctx.signal,
        );
        return text
          ? cut(text)
          : `No log lines from ${input.container} on ${member.target.name}${input.sinceMinutes ? ` in the last ${input.sinceMinutes} minutes` : ''}.`;
      },
    }),
    defineTool({
      name: 'unit_journal',
      description: 'The systemd journal of one unit (journalctl -u), newest last.',
      input: z.object({
        host,
        unit: unitName.describe('Unit name, e.g. nginx or nginx.service.'),
        lines: z.number().int().min(1).max(2000).default(100),
        sinceMinutes: z.number().int().min(1).max(10_080).optional(),
      }),
      timeoutMs,
      async run(input, ctx) {
        const member = fleet.member(input.host);
        const argv = [
          'journalctl',
          '-u',
          input.unit,
          '-n',
          String(input.lines),
          '--no-pager',
          '-o',
          'short-iso',
        ];
        if (input.sinceMinutes) argv.push(`--since=-${input.sinceMinutes}min`);
        const result = await member.target.run(argv, { signal: ctx.signal });
        if (result.code !== 0 && !result.stdout)
          return {
            isError: true,
            output: `journalctl failed on ${member.target.name}: ${result.stderr || `exit ${result.code}`}`,
          };
        return cut(result.stdout || 'No entries.');
      },
    }),
    defineTool({
      name: 'disk_usage',
      description:
        'Disks of a host, or for a path: the space it takes (du) and the disk holding it.',
      input: z.object({
        host,
        path: z
          .string()
          .regex(/^\/[^\0]*$/, 'an absolute path')
          .max(512)
          .optional()
          .describe('Absolute path; omit for every disk.'),
      }),
      timeoutMs,
      async run(input, ctx) {
        const { member, reading: r } = await reading(input.host);
        const disks = r.snapshot.disks;
        if (!input.path)
          return disks.length > 0 ? disksText(disks, member.thresholds) : 'No disks found.';
        if (input.path.split('/').includes('..'))
          return { isError: true, output: 'Give a path without "..".' };
        const disk = diskForPath(disks, input.path);
        const du = await member.target.run(['du', '-sx', '--block-size=1', '--', input.path], {
          signal: ctx.signal,
          timeoutMs: Math.min(timeoutMs - 1000, 15_000),
        });
        const bytes = Number.parseInt(du.stdout.split(/\s+/)[0] ?? '', 10);
        const lines = [
          Number.isFinite(bytes)
            ? `${input.path} takes ${formatBytes(bytes)} on ${member.target.name}${du.code !== 0 ? ' (some entries could not be read)' : ''}.`
            : `du could not measure ${input.path} on ${member.target.name}: ${du.stderr.slice(0, 200) || `exit ${du.code}`}`,
        ];
        if (disk) lines.push(`It is on: ${disksText([disk], member.thresholds)}`);
        return lines.join('\n');
      },
    }),
    defineTool({
      name: 'top_processes',
      description:
        'The heaviest processes on a host by CPU or memory (command lines with secrets masked).',
      input: z.object({
        host,
        limit: z.number().int().min(1).max(50).default(10),
        sortBy: z.enum(['cpu', 'memory']).default('cpu'),
      }),
      timeoutMs,
      async run(input, ctx) {
        const member = fleet.member(input.host);
        const list = await member.target.topProcesses(input.limit, input.sortBy, ctx.signal);
        return `${member.target.name}: ${processesText(list, input.sortBy)}`;
      },
    }),
    defineTool({
      name: 'run_readonly_command',
      description:
        'Runs ONE read-only command from this allowlist on a host, with validated arguments; anything else is refused. ' +
        `Allowed: ${templates.map((t) => t.template).join(' | ')}`,
      input: z.object({
        host,
        command: z
          .string()
          .min(1)
          .max(300)
          .describe(
            'The command line, matching one template exactly, e.g. "systemctl status nginx --no-pager".',
          ),
      }),
      timeoutMs,
      async run(input, ctx) {
        const resolved = resolveReadonlyCommand(input.command, templates);
        const member = fleet.member(input.host);
        ctx.logger.info(
          { host: member.target.name, template: resolved.template.name, argv: resolved.argv },
          'read-only command',
        );
        const result = await member.target.run(resolved.argv, { signal: ctx.signal });
        const out = [result.stdout, result.stderr && `[stderr]\n${result.stderr}`]
          .filter(Boolean)
          .join('\n');
        return {
          output: cut(
            `$ ${resolved.argv.join(' ')}  (on ${member.target.name}, exit ${result.code})\n${out}`,
          ),
          ...(result.code === 0 ? {} : { isError: true }),
        };
      },
    }),
  ];
}
