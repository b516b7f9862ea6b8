import type { Logger, Source } from '@opsagent/core';
import { RestartTracker } from '../docker/container.js';
import { formatBytes, formatDuration, osLine } from '../local/format.js';
import { contextFilesText, readContextFiles } from './context-files.js';
import type { Fleet } from './fleet.js';
import { fleetFindings, fleetSection } from './report.js';

/** Options of {@link createFleetSource}. */
export interface FleetSourceOptions {
  fleet: Fleet;
  /** Source name and finding key prefix; default `homelab`. */
  name?: string;
  /** Containers meant to be stopped (no finding when they are). */
  ignoreContainers?: readonly string[];
  /** Restarts within the window that make a restart loop. */
  restartLoop?: { restarts: number; windowMs: number };
  /** Context files on the agent's machine (relative to `baseDir`). */
  localContextFiles?: readonly string[];
  /** Cap per context file, in bytes; default 16 KiB. */
  contextMaxBytes?: number;
  /** How long context files are reused, in ms; default 5 minutes. */
  contextTtlMs?: number;
  /** Folder relative local context paths start from; default the working directory. */
  baseDir?: string;
  /** How often the monitor checks, in ms. */
  checkIntervalMs?: number;
  logger?: Logger;
}

/**
 * The fleet as one source: `status` is one compact line per host then the problems, `check`
 * gives host, container and reachability findings, `context` describes the hosts and carries the
 * context files (size-capped, delimited).
 */
export function createFleetSource(
  options: FleetSourceOptions,
): Source & { readonly tracker: RestartTracker } {
  const name = options.name ?? 'homelab';
  const { fleet } = options;
  const tracker = new RestartTracker(options.restartLoop ?? { restarts: 3, windowMs: 600_000 });
  const ignore = options.ignoreContainers ?? [];
  let contextCache: { text: string; at: number } | undefined;
  const contextTtl = options.contextTtlMs ?? 300_000;
  return {
    name,
    tracker,
    timeoutMs: fleet.hostTimeoutMs + 2000,
    ...(options.checkIntervalMs === undefined ? {} : { checkIntervalMs: options.checkIntervalMs }),
    async status() {
      const states = await fleet.readAll();
      const findings = fleetFindings(states, fleet.members, {
        prefix: name,
        ignoreContainers: ignore,
      });
      const section = fleetSection(states, fleet.members, findings, ignore);
      return { health: section.health ?? 'unknown', sections: [section] };
    },
    async check() {
      const states = await fleet.readAll(true);
      return fleetFindings(states, fleet.members, {
        prefix: name,
        ignoreContainers: ignore,
        tracker,
      });
    },
    async context({ signal, logger }) {
      if (contextCache && Date.now() - contextCache.at < contextTtl) return contextCache.text;
      const states = await fleet.readAll();
      const lines = ['Hosts (names to use with the tools):'];
      for (const state of states) {
        const member = fleet.members.get(state.name);
        if (!state.ok) {
          lines.push(`- ${state.name} (${state.kind}): unreachable now`);
          continue;
        }
        const { snapshot, docker } = state.reading;
        const containers =
          docker.kind === 'ok'
            ? `; containers: ${docker.containers.map((c) => c.name).join(', ') || 'none'}`
            : '';
        const units =
          member && member.units.length > 0
            ? `; restartable units: ${member.units.join(', ')}`
            : '';
        lines.push(
          `- ${state.name} (${state.kind === 'local' ? 'the agent runs here' : 'over SSH'}): ${snapshot.host.hostname}, ${osLine(snapshot)}, ${snapshot.cpu.count} CPUs, ` +
            `${formatBytes(snapshot.memory.totalBytes)} memory, up ${formatDuration(snapshot.uptimeSeconds)}${containers}${units}`,
        );
      }
      const requests = [...fleet.members.values()]
        .map((m) => ({
          target: m.target,
          paths:
            m.target.kind === 'local'
              ? [...(options.localContextFiles ?? []), ...m.contextFiles]
              : m.contextFiles,
        }))
        .filter((r) => r.paths.length > 0 && states.find((s) => s.name === r.target.name)?.ok);
      const files = await readContextFiles(requests, {
        maxBytes: options.contextMaxBytes ?? 16_384,
        baseDir: options.baseDir ?? process.cwd(),
        logger: options.logger ?? logger,
        signal,
      });
      if (files.length > 0)
        lines.push(
          '',
          'Notes from the hosts (context files written by their owners):',
          contextFilesText(files),
        );
      const text = lines.join('\n');
      contextCache = { text, at: Date.now() };
      return text;
    },
  };
}
