import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FakeDockerEngine, startFakeDockerEngine } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { containerFindings, RestartTracker } from './container.js';
import { demuxDockerStream, muxDockerStream } from './demux.js';
import { createDockerEngineClient, logText } from './engine.js';

let engine: FakeDockerEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const web = {
  name: 'web',
  image: 'nginx:1.27',
  health: 'unhealthy' as const,
  restartCount: 2,
  logs: [
    { stream: 'stdout' as const, text: 'GET / 200', time: '2026-11-21T07:00:00Z' },
    { stream: 'stderr' as const, text: 'upstream timed out', time: '2026-11-21T07:30:00Z' },
    { stream: 'stdout' as const, text: 'GET /health 502', time: '2026-11-21T07:59:00Z' },
  ],
};

describe('Docker Engine API client', () => {
  it('lists every container with state, health, restart count and start time', async () => {
    engine = await startFakeDockerEngine([
      web,
      { name: 'db', image: 'postgres:16', health: 'healthy' },
      { name: 'backup', state: 'exited', exitCode: 1 },
    ]);
    const docker = createDockerEngineClient({ socketPath: engine.socketPath });
    const containers = await docker.containers();
    expect(containers.map((c) => [c.name, c.state, c.health, c.restartCount])).toEqual([
      ['backup', 'exited', 'none', 0],
      ['db', 'running', 'healthy', 0],
      ['web', 'running', 'unhealthy', 2],
    ]);
    const w = containers.find((c) => c.name === 'web')!;
    expect(w.startedAt?.toISOString()).toBe('2026-11-20T08:00:00.500Z');
    expect(w.lastHealthOutput).toContain('Failed to connect');
    expect(containers.find((c) => c.name === 'db')?.finishedAt).toBeUndefined();
    expect(engine.requests[0]?.path).toBe('/containers/json?all=1');
  });

  it('reads logs with tail and since, demultiplexing stdout and stderr', async () => {
    engine = await startFakeDockerEngine([web]);
    const docker = createDockerEngineClient({ socketPath: engine.socketPath });
    const frames = await docker.logs('web', { tail: 2, timestamps: false });
    expect(frames).toEqual([
      { stream: 'stderr', text: 'upstream timed out\n' },
      { stream: 'stdout', text: 'GET /health 502\n' },
    ]);
    const since = await docker.logs('web', { since: new Date('2026-11-21T07:45:00Z') });
    expect(logText(since)).toBe('2026-11-21T07:59:00Z GET /health 502');
    expect(engine.requests.at(-1)?.path).toContain('since=1795247100');
  });

  it('reads a TTY container log as raw text', async () => {
    engine = await startFakeDockerEngine([{ ...web, tty: true }]);
    const docker = createDockerEngineClient({ socketPath: engine.socketPath });
    expect(logText(await docker.logs('web', { tail: 1, timestamps: false }))).toBe(
      'GET /health 502',
    );
  });

  it('restarts a container', async () => {
    engine = await startFakeDockerEngine([web]);
    engine.onRestart = (spec) => {
      spec.health = 'healthy';
    };
    const docker = createDockerEngineClient({ socketPath: engine.socketPath });
    await docker.restart('web');
    const after = await docker.inspect('web');
    expect([after.health, after.restartCount]).toEqual(['healthy', 3]);
    expect(
      engine.requests.some((r) => r.method === 'POST' && r.path === '/containers/web/restart?t=10'),
    ).toBe(true);
  });

  it('names a missing container, a bad name, a missing daemon and a stuck daemon clearly', async () => {
    engine = await startFakeDockerEngine([web]);
    const docker = createDockerEngineClient({ socketPath: engine.socketPath, timeoutMs: 200 });
    await expect(docker.inspect('nope')).rejects.toMatchObject({
      code: 'DOCKER_NOT_FOUND',
      message: expect.stringContaining('No such container: nope'),
    });
    await expect(docker.restart('web; reboot')).rejects.toMatchObject({ code: 'DOCKER_BAD_NAME' });
    engine.hang = true;
    await expect(docker.containers()).rejects.toMatchObject({ code: 'TIMEOUT' });
    const gone = createDockerEngineClient({ socketPath: '/nonexistent/docker.sock' });
    await expect(gone.containers()).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
      message: expect.stringContaining('is Docker installed'),
    });
    expect(await gone.ping()).toBe(false);
  });

  it('opens a connection per request, so a daemon that drops kept-alive connections costs nothing', async () => {
    // A daemon that answers the first request on each connection, keeps it open, and drops it
    // when a second request arrives: the idle-close race of a kept-alive socket, made certain.
    const dir = mkdtempSync(join(tmpdir(), 'docker-reset-'));
    const socketPath = join(dir, 'docker.sock');
    const seen: string[] = [];
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      let served = false;
      socket.on('data', (chunk) => {
        const line = chunk.toString('latin1').split('\r\n')[0] ?? '';
        seen.push(`${served ? 'dropped' : 'served'} ${line}`);
        if (served) return socket.destroy();
        served = true;
        const body = line.startsWith('POST') ? '' : '[]';
        socket.write(
          `HTTP/1.1 ${body ? '200 OK' : '204 No Content'}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const docker = createDockerEngineClient({ socketPath });
      expect(await docker.containers()).toEqual([]);
      expect(await docker.containers()).toEqual([]);
      await docker.restart('web');
      expect(seen).toEqual([
        'served GET /containers/json?all=1 HTTP/1.1',
        'served GET /containers/json?all=1 HTTP/1.1',
        'served POST /containers/web/restart?t=10 HTTP/1.1',
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for a restart as long as the container may take to stop, on top of the request timeout', async () => {
    engine = await startFakeDockerEngine([{ name: 'slow', restartCount: 0 }]);
    engine.restartDelayMs = 600;
    const docker = createDockerEngineClient({ socketPath: engine.socketPath, timeoutMs: 200 });
    await docker.restart('slow', 1);
    expect(engine.containers.get('slow')?.restartCount).toBe(1);
    await expect(docker.restart('slow', 0)).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('timed out after 200 ms'),
    });
  });
});

describe('stream format', () => {
  it('round-trips frames and keeps a cut-off last frame', () => {
    const frames = [
      { stream: 'stdout' as const, text: 'a\n' },
      { stream: 'stderr' as const, text: 'ü€\n' },
    ];
    const buffer = muxDockerStream(frames);
    expect(demuxDockerStream(buffer)).toEqual(frames);
    expect(demuxDockerStream(buffer.subarray(0, buffer.length - 2))[1]?.stream).toBe('stderr');
  });
});

describe('container findings', () => {
  const base = {
    id: 'x',
    image: 'i',
    failingStreak: 0,
    exitCode: 0,
    oomKilled: false,
    restartPolicy: 'always',
    tty: false,
  };
  it('flags unhealthy, exited, dead and restarting containers, and a restart loop across checks', () => {
    const now = new Date('2026-11-21T08:00:00Z');
    const options = { host: 'sagan', prefix: 'homelab', now };
    const findings = containerFindings(
      [
        { ...base, name: 'ok', state: 'running', health: 'healthy', restartCount: 0 },
        { ...base, name: 'web', state: 'running', health: 'unhealthy', restartCount: 0 },
        { ...base, name: 'job', state: 'exited', health: 'none', restartCount: 0 },
        {
          ...base,
          name: 'bad',
          state: 'exited',
          health: 'none',
          restartCount: 0,
          exitCode: 137,
          oomKilled: true,
        },
        { ...base, name: 'flap', state: 'restarting', health: 'none', restartCount: 0 },
        { ...base, name: 'off', state: 'exited', health: 'none', restartCount: 0 },
      ],
      { ...options, ignore: ['off'] },
    );
    expect(findings.map((f) => [f.key, f.severity])).toEqual([
      ['homelab:sagan:container:web:unhealthy', 'critical'],
      ['homelab:sagan:container:job:stopped', 'warning'],
      ['homelab:sagan:container:bad:stopped', 'critical'],
      ['homelab:sagan:container:flap:restarting', 'critical'],
    ]);
    expect(findings[2]?.title).toContain('code 137, OOM');

    const tracker = new RestartTracker({ restarts: 3, windowMs: 600_000 });
    const loop = (count: number, minutes: number) =>
      containerFindings(
        [{ ...base, name: 'api', state: 'running', health: 'none', restartCount: count }],
        { ...options, tracker, now: new Date(now.getTime() + minutes * 60_000) },
      );
    expect(loop(5, 0)).toEqual([]);
    expect(loop(6, 1)).toEqual([]);
    const [finding] = loop(8, 2);
    expect(finding?.key).toBe('homelab:sagan:container:api:restart-loop');
    expect(finding?.title).toContain('3 restarts');
    // Quiet for longer than the window: no loop any more.
    expect(loop(8, 30)).toEqual([]);
  });
});

describe('Docker answers of the wrong shape (found by fuzzing)', () => {
  it('a list entry of null, an odd id and a non-container inspect give DOCKER_API_ERROR, not a TypeError or zod error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsagent-docker-odd-'));
    const socketPath = join(dir, 'docker.sock');
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/containers/json') ? '[null, {"Id": "a b/../x"}]' : '{}');
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const docker = createDockerEngineClient({ socketPath });
      await expect(docker.containers()).rejects.toMatchObject({
        code: 'DOCKER_API_ERROR',
        message: expect.stringContaining('not a container (Id:'),
      });
      // The id from the daemon is encoded into the path, not spliced in.
      expect(paths).toContain('/containers/a%20b%2F..%2Fx/json');
      await expect(docker.inspect('web')).rejects.toMatchObject({ code: 'DOCKER_API_ERROR' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
