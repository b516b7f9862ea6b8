import { request } from 'node:http';
import { OpsAgentError } from '@opsagent/core';
import { type ContainerInfo, parseInspect } from './container.js';
import { demuxDockerStream, type LogFrame, looksMultiplexed } from './demux.js';

/** Options of {@link createDockerEngineClient}. */
export interface DockerEngineOptions {
  /** Unix socket of the daemon; default `DOCKER_SOCKET`, else `/var/run/docker.sock`. */
  socketPath?: string;
  /** Time allowed for one request, in ms; default 10000. */
  timeoutMs?: number;
}

/** What to read of a container's logs. */
export interface LogOptions {
  /** Last lines only; default 100. */
  tail?: number;
  /** Only lines after this time. */
  since?: Date;
  /** Prefix each line with its timestamp; default true. */
  timestamps?: boolean;
}

/** Reads and restarts containers through the Docker Engine API. */
export interface DockerEngine {
  /** Every container (running or not), inspected for health, restart count and times. */
  containers(signal?: AbortSignal): Promise<ContainerInfo[]>;
  /** One container by name or id. Throws `DOCKER_NOT_FOUND` when there is none. */
  inspect(nameOrId: string, signal?: AbortSignal): Promise<ContainerInfo>;
  /** Log frames of a container, stdout and stderr interleaved as written. */
  logs(nameOrId: string, options?: LogOptions, signal?: AbortSignal): Promise<LogFrame[]>;
  /** Restarts a container (`POST /containers/{id}/restart`), waiting up to `stopTimeoutS` for it to stop. */
  restart(nameOrId: string, stopTimeoutS?: number, signal?: AbortSignal): Promise<void>;
  /** `GET /_ping`: true when the daemon answers. */
  ping(signal?: AbortSignal): Promise<boolean>;
}

interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Containers are named by the model and by config: keep them to Docker's name alphabet. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Checks a container name or id before it goes into a URL or a command line. */
export function assertContainerName(nameOrId: string): string {
  if (!NAME.test(nameOrId)) {
    throw new OpsAgentError(
      'DOCKER_BAD_NAME',
      `"${nameOrId}" is not a container name or id (letters, digits, _ . - only)`,
      { category: 'user' },
    );
  }
  return nameOrId;
}

/**
 * A Docker Engine API client over the daemon's unix socket (node:http with `socketPath`), no SDK.
 * Paths are unversioned, so the daemon's own API version answers.
 */
export function createDockerEngineClient(options: DockerEngineOptions = {}): DockerEngine {
  const socketPath = options.socketPath ?? process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
  const timeoutMs = options.timeoutMs ?? 10_000;

  /**
   * One request, on a connection of its own (`agent: false`). A kept-alive socket can be closed by
   * the daemon, or hit its idle timer, just as it is reused; a unix socket costs next to nothing to
   * open, so none is kept. `ms` bounds the time without a byte from the daemon.
   */
  function call(
    method: string,
    path: string,
    signal?: AbortSignal,
    ms = timeoutMs,
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath,
          path,
          method,
          headers: { host: 'docker' },
          timeout: ms,
          signal,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(
          new OpsAgentError('TIMEOUT', `Docker ${method} ${path} timed out after ${ms} ms`, {
            retryable: true,
          }),
        ),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof OpsAgentError || error.name === 'AbortError') return reject(error);
        reject(
          new OpsAgentError(
            'DOCKER_UNREACHABLE',
            `cannot reach the Docker daemon at ${socketPath}: ${error.code ?? error.message}` +
              (error.code === 'EACCES'
                ? ' (add the agent user to the docker group, or set docker.socket)'
                : error.code === 'ENOENT'
                  ? ' (is Docker installed and running? set docker.socket if it lives elsewhere)'
                  : ''),
            { category: 'third-party', retryable: true, cause: error },
          ),
        );
      });
      req.end();
    });
  }

  function fail(res: RawResponse, what: string): never {
    let message = res.body.toString('utf8').trim();
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // plain text body
    }
    throw new OpsAgentError(
      res.status === 404 ? 'DOCKER_NOT_FOUND' : 'DOCKER_API_ERROR',
      `${what}: Docker answered ${res.status}: ${message.slice(0, 300)}`,
      { category: res.status === 404 ? 'user' : 'third-party', retryable: res.status >= 500 },
    );
  }

  async function json(path: string, what: string, signal?: AbortSignal): Promise<unknown> {
    const res = await call('GET', path, signal);
    if (res.status !== 200) fail(res, what);
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch (error) {
      throw new OpsAgentError('DOCKER_API_ERROR', `${what}: Docker sent invalid JSON`, {
        category: 'third-party',
        cause: error,
      });
    }
  }

  /** parseInspect, with a coded error naming the field when Docker's answer is not a container. */
  function toContainer(raw: unknown, what: string): ContainerInfo {
    try {
      return parseInspect(raw);
    } catch (error) {
      const issue = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> })
        .issues?.[0];
      throw new OpsAgentError(
        'DOCKER_API_ERROR',
        `${what}: Docker sent something that is not a container${issue ? ` (${issue.path.map(String).join('.') || 'the body'}: ${issue.message})` : ''}`,
        { category: 'third-party', cause: error },
      );
    }
  }

  async function inspect(nameOrId: string, signal?: AbortSignal): Promise<ContainerInfo> {
    const name = assertContainerName(nameOrId);
    const raw = await json(
      `/containers/${encodeURIComponent(name)}/json`,
      `inspect container ${name}`,
      signal,
    );
    return toContainer(raw, `inspect container ${name}`);
  }

  return {
    async containers(signal) {
      const list = await json('/containers/json?all=1', 'list containers', signal);
      if (!Array.isArray(list)) {
        throw new OpsAgentError(
          'DOCKER_API_ERROR',
          'list containers: Docker did not send an array',
          {
            category: 'third-party',
          },
        );
      }
      const ids = list
        .map((entry) => (entry as { Id?: unknown } | null)?.Id)
        .filter((id): id is string => typeof id === 'string');
      const inspected = await Promise.allSettled(
        ids.map(async (id) =>
          toContainer(
            await json(
              `/containers/${encodeURIComponent(id)}/json`,
              `inspect container ${id}`,
              signal,
            ),
            `inspect container ${id}`,
          ),
        ),
      );
      // A container removed between list and inspect is simply gone.
      const containers: ContainerInfo[] = [];
      for (const result of inspected) {
        if (result.status === 'fulfilled') containers.push(result.value);
        else if (
          !(result.reason instanceof OpsAgentError && result.reason.code === 'DOCKER_NOT_FOUND')
        )
          throw result.reason;
      }
      return containers.sort((a, b) => a.name.localeCompare(b.name));
    },
    inspect,
    async logs(nameOrId, logOptions = {}, signal) {
      const container = await inspect(nameOrId, signal);
      const params = new URLSearchParams({
        stdout: '1',
        stderr: '1',
        tail: String(logOptions.tail ?? 100),
        timestamps: logOptions.timestamps === false ? '0' : '1',
      });
      if (logOptions.since)
        params.set('since', String(Math.floor(logOptions.since.getTime() / 1000)));
      const res = await call(
        'GET',
        `/containers/${encodeURIComponent(container.id)}/logs?${params}`,
        signal,
      );
      if (res.status !== 200) fail(res, `logs of ${container.name}`);
      // Without a TTY the body is multiplexed (API 1.42+ says so in Content-Type; older ones do not).
      const multiplexed =
        !container.tty && (res.contentType.includes('multiplexed') || looksMultiplexed(res.body));
      return multiplexed
        ? demuxDockerStream(res.body)
        : [{ stream: 'stdout', text: res.body.toString('utf8') }];
    },
    async restart(nameOrId, stopTimeoutS = 10, signal) {
      const name = assertContainerName(nameOrId);
      const stopS = Math.max(0, Math.floor(stopTimeoutS));
      // The daemon answers only once the container stopped (up to t seconds) and started again.
      const res = await call(
        'POST',
        `/containers/${encodeURIComponent(name)}/restart?t=${stopS}`,
        signal,
        timeoutMs + stopS * 1000,
      );
      if (res.status !== 204 && res.status !== 200) fail(res, `restart container ${name}`);
    },
    async ping(signal) {
      try {
        const res = await call('GET', '/_ping', signal);
        return res.status === 200;
      } catch {
        return false;
      }
    },
  };
}

/** Log frames as text lines, `[stderr]` marking lines from stderr. */
export function logText(frames: readonly LogFrame[]): string {
  const lines: string[] = [];
  for (const frame of frames) {
    for (const line of frame.text.split('\n')) {
      if (line === '') continue;
      lines.push(frame.stream === 'stderr' ? `[stderr] ${line}` : line);
    }
  }
  return lines.join('\n');
}
