import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a fake container is made of; everything but `name` has a plausible default. */
export interface FakeContainerSpec {
  name: string;
  /** 64 hex characters; derived from the name when absent. */
  id?: string;
  image?: string;
  state?: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead';
  /** HEALTHCHECK status; omit for a container without one. */
  health?: 'healthy' | 'unhealthy' | 'starting';
  failingStreak?: number;
  /** Output of the last health check. */
  healthOutput?: string;
  restartCount?: number;
  exitCode?: number;
  oomKilled?: boolean;
  startedAt?: string;
  finishedAt?: string;
  restartPolicy?: string;
  tty?: boolean;
  /** Log lines the container wrote, oldest first. */
  logs?: Array<{ stream: 'stdout' | 'stderr'; text: string; time?: string }>;
}

function idOf(name: string): string {
  let hex = '';
  for (let i = 0; hex.length < 64; i += 1)
    hex += ((name.charCodeAt(i % name.length) * (i + 7)) % 256).toString(16).padStart(2, '0');
  return hex.slice(0, 64);
}

/**
 * `GET /containers/{id}/json` as Docker 27 sends it (trimmed of networking detail), for a spec.
 * The shape follows recorded daemon output: `Name` with a leading slash, `0001-01-01T00:00:00Z`
 * for never, `State.Health` only with a HEALTHCHECK.
 */
export function dockerInspectJson(spec: FakeContainerSpec): Record<string, unknown> {
  const id = spec.id ?? idOf(spec.name);
  const state = spec.state ?? 'running';
  const never = '0001-01-01T00:00:00Z';
  return {
    Id: id,
    Created: '2026-11-01T09:00:00.123456789Z',
    Path: '/docker-entrypoint.sh',
    Args: [],
    State: {
      Status: state,
      Running: state === 'running' || state === 'restarting',
      Paused: state === 'paused',
      Restarting: state === 'restarting',
      OOMKilled: spec.oomKilled ?? false,
      Dead: state === 'dead',
      Pid: state === 'running' ? 4242 : 0,
      ExitCode: spec.exitCode ?? 0,
      Error: '',
      StartedAt: spec.startedAt ?? (state === 'created' ? never : '2026-11-20T08:00:00.5Z'),
      FinishedAt:
        spec.finishedAt ??
        (state === 'exited' || state === 'dead' ? '2026-11-21T07:00:00Z' : never),
      ...(spec.health
        ? {
            Health: {
              Status: spec.health,
              FailingStreak: spec.failingStreak ?? (spec.health === 'unhealthy' ? 3 : 0),
              Log: [
                {
                  Start: '2026-11-21T07:59:30.1Z',
                  End: '2026-11-21T07:59:30.2Z',
                  ExitCode: spec.health === 'unhealthy' ? 1 : 0,
                  Output:
                    spec.healthOutput ??
                    (spec.health === 'unhealthy'
                      ? 'curl: (7) Failed to connect to localhost port 80'
                      : ''),
                },
              ],
            },
          }
        : {}),
    },
    Image: `sha256:${idOf(`${spec.image ?? 'img'}x`)}`,
    Name: `/${spec.name}`,
    RestartCount: spec.restartCount ?? 0,
    Driver: 'overlay2',
    Platform: 'linux',
    HostConfig: {
      RestartPolicy: { Name: spec.restartPolicy ?? 'unless-stopped', MaximumRetryCount: 0 },
      NetworkMode: 'bridge',
    },
    Config: {
      Hostname: id.slice(0, 12),
      Tty: spec.tty ?? false,
      Image: spec.image ?? `${spec.name}:latest`,
      Labels: {},
    },
    NetworkSettings: { Networks: {} },
  };
}

/** `GET /containers/json?all=1` entry for a spec (what `docker ps` reads). */
export function dockerListJson(spec: FakeContainerSpec): Record<string, unknown> {
  const inspect = dockerInspectJson(spec);
  const state = spec.state ?? 'running';
  const health = spec.health
    ? ` (${spec.health === 'starting' ? 'health: starting' : spec.health})`
    : '';
  return {
    Id: inspect.Id,
    Names: [`/${spec.name}`],
    Image: spec.image ?? `${spec.name}:latest`,
    ImageID: inspect.Image,
    Command: '/docker-entrypoint.sh',
    Created: 1761987600,
    Ports: [],
    Labels: {},
    State: state,
    Status:
      state === 'running' ? `Up 24 hours${health}` : `Exited (${spec.exitCode ?? 0}) 1 hour ago`,
    HostConfig: { NetworkMode: 'bridge' },
  };
}

/** One request the fake engine received. */
export interface DockerRequest {
  method: string;
  path: string;
}

/** A fake Docker Engine API on a unix socket. */
export interface FakeDockerEngine {
  /** Unix socket path to give the client. */
  readonly socketPath: string;
  /** Requests seen, in order. */
  readonly requests: DockerRequest[];
  /** The containers, by name; mutate specs to change what the next request sees. */
  readonly containers: Map<string, FakeContainerSpec>;
  /** Replaces or adds a container. */
  set(spec: FakeContainerSpec): void;
  /** Called on `POST /containers/{id}/restart` after the restart count went up; may change the spec (e.g. make it healthy). */
  onRestart?: (spec: FakeContainerSpec) => void;
  /** Makes every request hang (the daemon stuck) until set back to false. */
  hang: boolean;
  /** How long a restart takes before the daemon answers (a container slow to stop), in ms; default 0. */
  restartDelayMs: number;
  close(): Promise<void>;
}

/**
 * Starts a fake Docker Engine API on a unix socket in a temporary folder: `/_ping`,
 * `/containers/json`, `/containers/{id}/json`, `/containers/{id}/logs` (multiplexed frames unless
 * the container has a TTY) and `POST /containers/{id}/restart`, with or without a `/v1.xx` prefix.
 * Unknown containers get Docker's 404 `{"message":"No such container: x"}`.
 */
export async function startFakeDockerEngine(
  specs: FakeContainerSpec[] = [],
): Promise<FakeDockerEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const containers = new Map(specs.map((s) => [s.name, s]));
  const requests: DockerRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const find = (ref: string) =>
    [...containers.values()].find((s) => s.name === ref || (s.id ?? idOf(s.name)).startsWith(ref));

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status, { 'api-version': '1.47', 'content-length': '0' });
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'api-version': '1.47',
    });
    res.end(typeof body === 'string' ? text : `${text}\n`);
  };

  const engine: FakeDockerEngine = {
    socketPath,
    requests,
    containers,
    set(spec) {
      containers.set(spec.name, spec);
    },
    hang: false,
    restartDelayMs: 0,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v1\.\d+/, '');
    const method = req.method ?? 'GET';
    requests.push({ method, path: `${path}${url.search}` });
    if (engine.hang) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (method === 'GET' && path === '/_ping') return send(res, 200, 'OK');
    if (method === 'GET' && path === '/containers/json') {
      const all = url.searchParams.get('all') === '1' || url.searchParams.get('all') === 'true';
      const list = [...containers.values()].filter(
        (s) => all || (s.state ?? 'running') === 'running',
      );
      return send(res, 200, list.map(dockerListJson));
    }
    const match = /^\/containers\/([^/]+)\/(json|logs|restart)$/.exec(path);
    if (!match) return send(res, 404, { message: 'page not found' });
    const ref = decodeURIComponent(match[1] ?? '');
    const spec = find(ref);
    if (!spec) return send(res, 404, { message: `No such container: ${ref}` });
    const action = match[2];
    if (method === 'GET' && action === 'json') return send(res, 200, dockerInspectJson(spec));
    if (method === 'GET' && action === 'logs') {
      const tail = Number(url.searchParams.get('tail') ?? 'all');
      const since = Number(url.searchParams.get('since') ?? '0');
      const stamps =
        url.searchParams.get('timestamps') === '1' || url.searchParams.get('timestamps') === 'true';
      let lines = (spec.logs ?? []).filter(
        (l) => !since || !l.time || Date.parse(l.time) / 1000 > since,
      );
      if (Number.isFinite(tail) && tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
      const text = (l: { text: string; time?: string }) =>
        `${stamps ? `${l.time ?? '2026-11-21T08:00:00.000000000Z'} ` : ''}${l.text}\n`;
      if (spec.tty) {
        res.writeHead(200, {
          'content-type': 'application/vnd.docker.raw-stream',
          'api-version': '1.47',
        });
        res.end(lines.map(text).join(''));
        return;
      }
      const frames = lines.map((l) => {
        const payload = Buffer.from(text(l), 'utf8');
        const header = Buffer.alloc(8);
        header[0] = l.stream === 'stderr' ? 2 : 1;
        header.writeUInt32BE(payload.length, 4);
        return Buffer.concat([header, payload]);
      });
      res.writeHead(200, {
        'content-type': 'application/vnd.docker.multiplexed-stream',
        'api-version': '1.47',
      });
      res.end(Buffer.concat(frames));
      return;
    }
    if (method === 'POST' && action === 'restart') {
      spec.restartCount = (spec.restartCount ?? 0) + 1;
      spec.state = 'running';
      spec.startedAt = new Date().toISOString();
      engine.onRestart?.(spec);
      if (engine.restartDelayMs > 0) {
        const timer = setTimeout(() => send(res, 204), engine.restartDelayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      return send(res, 204);
    }
    return send(res, 405, { message: `fake docker: ${method} ${path} not supported` });
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return engine;
}

/**
 * A fake `docker` CLI (POSIX sh) answering `ps -aq`, `inspect`, `logs` and `restart` from
 * recorded-shaped `docker inspect` JSON, as files for {@link startTestSshd}'s `files` option:
 * `bin/docker` and `docker/<name>.json`. `restart` bumps nothing by itself: put the state after a
 * restart in `docker/<name>.after` (e.g. with {@link dockerInspectJson}) and it replaces the
 * current one. `docker/<name>.log` holds the log text.
 */
export function fakeDockerCliFiles(specs: FakeContainerSpec[]): Record<string, string> {
  const files: Record<string, string> = {
    'bin/docker': `#!/bin/sh
D="$(dirname "$0")/../docker"
cmd="$1"; shift
case "$cmd" in
  ps)
    for f in "$D"/*.json; do [ -e "$f" ] && basename "$f" .json; done ;;
  inspect)
    out="["; sep=""; rc=0
    for n in "$@"; do
      if [ -f "$D/$n.json" ]; then out="$out$sep$(cat "$D/$n.json")"; sep=","; else echo "Error: No such object: $n" >&2; rc=1; fi
    done
    echo "$out]"; exit $rc ;;
  logs)
    for n in "$@"; do last="$n"; done
    [ -f "$D/$last.json" ] || { echo "Error response from daemon: No such container: $last" >&2; exit 1; }
    [ -f "$D/$last.log" ] && cat "$D/$last.log"
    [ -f "$D/$last.err" ] && cat "$D/$last.err" >&2
    exit 0 ;;
  restart)
    n="$1"
    [ -f "$D/$n.json" ] || { echo "Error response from daemon: No such container: $n" >&2; exit 1; }
    [ -f "$D/$n.after" ] && mv "$D/$n.after" "$D/$n.json"
    echo "$n" ;;
  *)
    echo "fake docker: unsupported command: $cmd" >&2; exit 1 ;;
esac
`,
  };
  for (const spec of specs) {
    files[`docker/${spec.name}.json`] = JSON.stringify(dockerInspectJson(spec), null, 2);
    const logs = spec.logs ?? [];
    const out = logs
      .filter((l) => l.stream === 'stdout')
      .map((l) => `${l.time ?? '2026-11-21T08:00:00.000000000Z'} ${l.text}\n`);
    const err = logs
      .filter((l) => l.stream === 'stderr')
      .map((l) => `${l.time ?? '2026-11-21T08:00:00.000000000Z'} ${l.text}\n`);
    if (out.length > 0) files[`docker/${spec.name}.log`] = out.join('');
    if (err.length > 0) files[`docker/${spec.name}.err`] = err.join('');
  }
  return files;
}
