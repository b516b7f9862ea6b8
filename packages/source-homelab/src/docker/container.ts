import type { Finding, Severity } from '@opsagent/core';
import { z } from 'zod';

/** Docker's container states (`State.Status`). */
export type ContainerState =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

/** Health from the container's HEALTHCHECK; `none` when it has none. */
export type ContainerHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One container, the same whether read from the Engine API or from `docker inspect` over SSH. */
export interface ContainerInfo {
  /** Full id. */
  id: string;
  /** Name without the leading slash, e.g. `web`. */
  name: string;
  /** Image as configured, e.g. `nginx:1.27`. */
  image: string;
  /** Lifecycle state. */
  state: ContainerState;
  /** HEALTHCHECK status. */
  health: ContainerHealth;
  /** Consecutive failed health checks, when there is a HEALTHCHECK. */
  failingStreak: number;
  /** Output of the last health check, trimmed (untrusted text). */
  lastHealthOutput?: string;
  /** How many times Docker restarted it (restart policy). */
  restartCount: number;
  /** Exit code of the last run (0 while running for the first time). */
  exitCode: number;
  /** Set when the kernel killed it for memory. */
  oomKilled: boolean;
  /** When it last started; undefined when it never did. */
  startedAt?: Date;
  /** When it last stopped; undefined when it never did. */
  finishedAt?: Date;
  /** Restart policy name (`no`, `always`, `unless-stopped`, `on-failure`). */
  restartPolicy: string;
  /** True when it runs with a TTY (its logs are then not multiplexed). */
  tty: boolean;
}

const dockerTime = z
  .string()
  .optional()
  .transform((text) => {
    // Docker uses 0001-01-01T00:00:00Z for "never".
    if (!text || text.startsWith('0001-')) return undefined;
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  });

/** The part of `GET /containers/{id}/json` (and `docker inspect`) this package reads. */
export const inspectSchema = z.looseObject({
  Id: z.string(),
  Name: z.string().default(''),
  RestartCount: z.number().int().default(0),
  State: z.looseObject({
    Status: z.string().default('created'),
    OOMKilled: z.boolean().default(false),
    ExitCode: z.number().int().default(0),
    StartedAt: dockerTime,
    FinishedAt: dockerTime,
    Health: z
      .looseObject({
        Status: z.string().default('none'),
        FailingStreak: z.number().int().default(0),
        Log: z
          .array(z.looseObject({ Output: z.string().default('') }))
          .nullish()
          .transform((log) => log ?? []),
      })
      .nullish(),
  }),
  Config: z
    .looseObject({ Image: z.string().default(''), Tty: z.boolean().default(false) })
    .prefault({}),
  HostConfig: z
    .looseObject({
      RestartPolicy: z.looseObject({ Name: z.string().default('no') }).nullish(),
    })
    .prefault({}),
});

const STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];
const HEALTHS: readonly ContainerHealth[] = ['healthy', 'unhealthy', 'starting', 'none'];

/** A container from one inspect object; throws a zod error naming the field when it is not one. */
export function parseInspect(raw: unknown): ContainerInfo {
  const c = inspectSchema.parse(raw);
  const state = (STATES as readonly string[]).includes(c.State.Status)
    ? (c.State.Status as ContainerState)
    : 'dead';
  const healthStatus = c.State.Health?.Status ?? 'none';
  const health = (HEALTHS as readonly string[]).includes(healthStatus)
    ? (healthStatus as ContainerHealth)
    : 'none';
  const lastOutput = c.State.Health?.Log.at(-1)?.Output.trim();
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    state,
    health,
    failingStreak: c.State.Health?.FailingStreak ?? 0,
    ...(lastOutput ? { lastHealthOutput: lastOutput.slice(0, 300) } : {}),
    restartCount: c.RestartCount,
    exitCode: c.State.ExitCode,
    oomKilled: c.State.OOMKilled,
    ...(c.State.StartedAt ? { startedAt: c.State.StartedAt } : {}),
    ...(c.State.FinishedAt ? { finishedAt: c.State.FinishedAt } : {}),
    restartPolicy: c.HostConfig.RestartPolicy?.Name || 'no',
    tty: c.Config.Tty,
  };
}

/** Seconds since it started while running, else undefined. */
export function uptimeSeconds(container: ContainerInfo, now: Date): number | undefined {
  if (container.state !== 'running' || !container.startedAt) return undefined;
  return Math.max(0, (now.getTime() - container.startedAt.getTime()) / 1000);
}

/** True when the container counts as healthy: running and not unhealthy. */
export function isContainerHealthy(container: ContainerInfo): boolean {
  return container.state === 'running' && container.health !== 'unhealthy';
}

/** Options of {@link RestartTracker}. */
export interface RestartLoopOptions {
  /** Restarts within `windowMs` that make a loop; default 3. */
  restarts: number;
  /** The window, in ms; default 10 minutes. */
  windowMs: number;
}

/**
 * Remembers restart counts between checks, so a container that Docker keeps restarting (whose
 * state may look `running` at every check) is seen as a restart loop.
 */
export class RestartTracker {
  private readonly seen = new Map<string, Array<{ at: number; count: number }>>();

  constructor(private readonly options: RestartLoopOptions = { restarts: 3, windowMs: 600_000 }) {}

  /** Records the counts and returns, per container key, the restarts seen within the window. */
  observe(key: string, count: number, now: number): number {
    const history = (this.seen.get(key) ?? []).filter(
      (entry) => now - entry.at <= this.options.windowMs,
    );
    // A count that went down means the container was re-created: start over.
    const last = history.at(-1);
    const kept = last && count < last.count ? [] : history;
    kept.push({ at: now, count });
    this.seen.set(key, kept);
    return count - (kept[0]?.count ?? count);
  }

  /** True when `restarts` reaches the loop threshold. */
  isLoop(restarts: number): boolean {
    return restarts >= this.options.restarts;
  }
}

function describeContainer(c: ContainerInfo): string {
  const parts = [
    `state ${c.state}`,
    `health ${c.health}`,
    `restarts ${c.restartCount}`,
    `image ${c.image || '?'}`,
  ];
  if (c.state === 'exited' || c.state === 'dead') parts.push(`exit code ${c.exitCode}`);
  if (c.oomKilled) parts.push('killed for memory (OOM)');
  if (c.finishedAt) parts.push(`stopped ${c.finishedAt.toISOString()}`);
  if (c.startedAt) parts.push(`started ${c.startedAt.toISOString()}`);
  if (c.health === 'unhealthy') parts.push(`failing streak ${c.failingStreak}`);
  let text = parts.join(', ');
  if (c.lastHealthOutput) text += `\nlast health check output: ${c.lastHealthOutput}`;
  return text;
}

/** Options of {@link containerFindings}. */
export interface ContainerFindingOptions {
  /** Host name, used in keys and resources. */
  host: string;
  /** Prefix of finding keys, e.g. `homelab`. */
  prefix: string;
  /** Container names that are meant to be stopped (no finding when exited). */
  ignore?: readonly string[];
  /** Restart-loop memory shared across checks; none means no loop detection. */
  tracker?: RestartTracker;
  /** Time of the reading. */
  now: Date;
}

/**
 * Findings for containers: unhealthy (critical), restarting or in a restart loop (critical),
 * exited with a non-zero code or dead (critical), exited cleanly (warning). Keys:
 * `<prefix>:<host>:container:<name>:<problem>`.
 */
export function containerFindings(
  containers: readonly ContainerInfo[],
  options: ContainerFindingOptions,
): Finding[] {
  const findings: Finding[] = [];
  const ignore = new Set(options.ignore ?? []);
  for (const c of containers) {
    if (ignore.has(c.name)) continue;
    const key = `${options.prefix}:${options.host}:container:${c.name}`;
    const resource = `container:${options.host}/${c.name}`;
    const data = { host: options.host, container: c.name, id: c.id };
    const push = (problem: string, severity: Severity, title: string) =>
      findings.push({
        key: `${key}:${problem}`,
        severity,
        resource,
        title,
        evidence: describeContainer(c),
        data: { ...data, problem },
      });
    const restarts = options.tracker?.observe(key, c.restartCount, options.now.getTime()) ?? 0;
    if (options.tracker?.isLoop(restarts)) {
      push(
        'restart-loop',
        'critical',
        `${c.name} on ${options.host} is in a restart loop (${restarts} restarts)`,
      );
    } else if (c.state === 'restarting') {
      push('restarting', 'critical', `${c.name} on ${options.host} is restarting`);
    }
    if (c.state === 'running' && c.health === 'unhealthy') {
      push('unhealthy', 'critical', `${c.name} on ${options.host} is unhealthy`);
    }
    if (c.state === 'exited' || c.state === 'dead') {
      const clean = c.state === 'exited' && c.exitCode === 0 && !c.oomKilled;
      push(
        'stopped',
        clean ? 'warning' : 'critical',
        `${c.name} on ${options.host} ${c.state === 'dead' ? 'is dead' : `exited (code ${c.exitCode}${c.oomKilled ? ', OOM' : ''})`}`,
      );
    }
  }
  return findings;
}
