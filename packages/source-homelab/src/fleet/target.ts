import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { errorMessage, OpsAgentError } from '@opsagent/core';
import type { ContainerInfo } from '../docker/container.js';
import {
  assertContainerName,
  type DockerEngine,
  type LogOptions,
  logText,
} from '../docker/engine.js';
import type { HostCollector, HostSnapshot, ProcessList, ProcessSort } from '../local/collect.js';
import { NetworkMeter } from '../local/network.js';
import {
  type CpuTimes,
  PS_COMMAND,
  parseDockerInspect,
  parsePs,
  parseRemoteSnapshot,
  type RemoteDocker,
  SNAPSHOT_SCRIPT,
} from '../remote/snapshot.js';
import type { CommandResult, SshHost } from '../ssh/connection.js';
import { shellCommand } from '../ssh/quote.js';

/** A reading of one host: its metrics and what Docker said. */
export interface HostReading {
  snapshot: HostSnapshot;
  docker: RemoteDocker;
}

/** Options of {@link HostTarget.run}. */
export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One machine of the fleet, local or over SSH; every read the tools and sources need. */
export interface HostTarget {
  /** Name in config, status and findings. */
  readonly name: string;
  /** How it is reached. */
  readonly kind: 'local' | 'ssh';
  /** Prefix for privileged commands (`sudo -n`), or none. */
  readonly sudo: boolean;
  /** Metrics and containers. Rejects when the host cannot be read. */
  read(signal?: AbortSignal): Promise<HostReading>;
  /** The heaviest processes. */
  topProcesses(limit: number, sortBy: ProcessSort, signal?: AbortSignal): Promise<ProcessList>;
  /** Logs of a container as text, stderr lines marked `[stderr]`. */
  containerLogs(name: string, options: LogOptions, signal?: AbortSignal): Promise<string>;
  /** One container. */
  inspectContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo>;
  /** Restarts a container. */
  restartContainer(name: string, signal?: AbortSignal): Promise<void>;
  /** Runs a program with arguments (no shell on this side; quoted for the remote shell). */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Closes connections. */
  dispose(): void;
}

function dockerFailed(what: string, result: CommandResult): never {
  const text = (result.stderr || result.stdout).trim().slice(0, 300);
  throw new OpsAgentError(
    /No such container/i.test(text) ? 'DOCKER_NOT_FOUND' : 'DOCKER_COMMAND_FAILED',
    `${what}: ${text || `docker exited with ${result.code}`}`,
    { category: /No such container/i.test(text) ? 'user' : 'third-party' },
  );
}

/** Options of {@link createLocalTarget}. */
export interface LocalTargetOptions {
  name: string;
  collector: HostCollector;
  /** Docker Engine API client; none when Docker is disabled. */
  docker?: DockerEngine;
  /** Socket the client uses, to tell "no Docker here" from "Docker is down". */
  dockerSocket?: string;
  sudo?: boolean;
  /** Default command timeout, in ms. */
  commandTimeoutMs?: number;
}

/** Runs a program locally (execFile, no shell) and resolves with its output and exit code. */
export function runLocal(
  argv: readonly string[],
  options: RunOptions & { defaultTimeoutMs?: number } = {},
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('empty command'));
  const timeoutMs = options.timeoutMs ?? options.defaultTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        signal: options.signal,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new OpsAgentError('COMMAND_NOT_FOUND', `${file} is not installed on this machine`, {
              category: 'user',
            }),
          );
        }
        if (error && (error as { killed?: boolean }).killed && !options.signal?.aborted) {
          return reject(
            new OpsAgentError('TIMEOUT', `${file} timed out after ${timeoutMs} ms`, {
              retryable: true,
            }),
          );
        }
        if (error && options.signal?.aborted) return reject(options.signal.reason);
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        resolve({ stdout: stdout.trim(), stderr: stderr.trim(), code });
      },
    );
  });
}

/** The machine the agent runs on: systeminformation for metrics, the Engine API for Docker. */
export function createLocalTarget(options: LocalTargetOptions): HostTarget {
  const { collector, docker } = options;
  const requireDocker = (): DockerEngine => {
    if (!docker)
      throw new OpsAgentError('DOCKER_DISABLED', `Docker is not enabled for ${options.name}`, {
        category: 'user',
      });
    return docker;
  };
  return {
    name: options.name,
    kind: 'local',
    sudo: options.sudo ?? false,
    async read(signal) {
      const dockerRead = async (): Promise<RemoteDocker> => {
        if (!docker) return { kind: 'absent' };
        if (options.dockerSocket && !existsSync(options.dockerSocket)) return { kind: 'absent' };
        try {
          return { kind: 'ok', containers: await docker.containers(signal) };
        } catch (error) {
          return { kind: 'error', message: errorMessage(error) };
        }
      };
      const [snapshot, dockerState] = await Promise.all([collector.collect(signal), dockerRead()]);
      return { snapshot, docker: dockerState };
    },
    topProcesses: (limit, sortBy, signal) => collector.topProcesses(limit, sortBy, signal),
    async containerLogs(name, logOptions, signal) {
      return logText(await requireDocker().logs(name, logOptions, signal));
    },
    inspectContainer: (name, signal) => requireDocker().inspect(name, signal),
    restartContainer: (name, signal) => requireDocker().restart(name, 10, signal),
    run: (argv, runOptions = {}) =>
      runLocal(argv, { ...runOptions, defaultTimeoutMs: options.commandTimeoutMs ?? 10_000 }),
    dispose() {},
  };
}

/** Options of {@link createSshTarget}. */
export interface SshTargetOptions {
  ssh: SshHost;
  sudo?: boolean;
  /** Time source for readings. */
  now?: () => Date;
}

/** A host over SSH: one command line per snapshot, `docker` CLI for containers. */
export function createSshTarget(options: SshTargetOptions): HostTarget {
  const { ssh } = options;
  const now = options.now ?? (() => new Date());
  let cpu: CpuTimes[] = [];
  const meter = new NetworkMeter();
  const run = (argv: readonly string[], runOptions: RunOptions = {}) =>
    ssh.exec(shellCommand(argv), runOptions);
  return {
    name: ssh.config.name,
    kind: 'ssh',
    sudo: options.sudo ?? false,
    async read(signal) {
      const result = await ssh.exec(SNAPSHOT_SCRIPT, { signal });
      const reading = parseRemoteSnapshot(result.stdout, now(), cpu);
      cpu = reading.cpuTimes;
      // The host's own uptime is the time base: read in the same run as the counters, it is
      // untouched by SSH latency, and it going back means a reboot.
      const uptime = reading.snapshot.uptimeSeconds;
      if (uptime > 0) {
        const network = meter.update({ atSeconds: uptime, interfaces: reading.network });
        if (network) reading.snapshot.network = network;
      }
      if (!reading.snapshot.host.hostname) reading.snapshot.host.hostname = ssh.config.name;
      return { snapshot: reading.snapshot, docker: reading.docker };
    },
    async topProcesses(limit, sortBy, signal) {
      const result = await ssh.exec(PS_COMMAND, { signal });
      if (result.code !== 0)
        throw new OpsAgentError(
          'COMMAND_FAILED',
          `ps failed on ${ssh.config.name}: ${result.stderr.slice(0, 200)}`,
        );
      return parsePs(result.stdout, limit, sortBy);
    },
    async containerLogs(name, logOptions, signal) {
      const argv = ['docker', 'logs', '--tail', String(logOptions.tail ?? 100)];
      if (logOptions.timestamps !== false) argv.push('--timestamps');
      if (logOptions.since)
        argv.push('--since', String(Math.floor(logOptions.since.getTime() / 1000)));
      argv.push(assertContainerName(name));
      const result = await run(argv, { signal });
      if (result.code !== 0) dockerFailed(`logs of ${name} on ${ssh.config.name}`, result);
      const err = result.stderr
        ? result.stderr
            .split('\n')
            .map((l) => `[stderr] ${l}`)
            .join('\n')
        : '';
      return [result.stdout, err].filter(Boolean).join('\n');
    },
    async inspectContainer(name, signal) {
      const result = await run(['docker', 'inspect', assertContainerName(name)], { signal });
      if (result.code !== 0) dockerFailed(`inspect ${name} on ${ssh.config.name}`, result);
      const [container] = parseDockerInspect(result.stdout);
      if (!container)
        throw new OpsAgentError('DOCKER_NOT_FOUND', `No such container: ${name}`, {
          category: 'user',
        });
      return container;
    },
    async restartContainer(name, signal) {
      const result = await run(['docker', 'restart', assertContainerName(name)], {
        signal,
        timeoutMs: 60_000,
      });
      if (result.code !== 0) dockerFailed(`restart ${name} on ${ssh.config.name}`, result);
    },
    run,
    dispose: () => ssh.dispose(),
  };
}
