import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type HealthCheck, SecretRedactor, silentLogger } from '@opsagent/core';
import {
  createDockerEngineClient,
  createHomelabPlugin,
  HOMELAB_DEFAULT_POLICY,
  homelabConfigSchema,
} from '@opsagent/source-homelab';
import {
  callTool,
  callTools,
  createTestAgent,
  type FakeHomeAssistant,
  fakeDockerCliFiles,
  reply,
  type SilentTcpServer,
  sshdUnavailableReason,
  startFakeDockerEngine,
  startFakeHomeAssistant,
  startSilentTcpServer,
  startTestSshd,
  type TestSshd,
} from '@opsagent/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeCollector } from './helpers.js';

const unavailable = sshdUnavailableReason();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function localLab(
  options: { containers?: Parameters<typeof startFakeDockerEngine>[0] } = {},
) {
  const engine = await startFakeDockerEngine(
    options.containers ?? [
      { name: 'web', image: 'nginx:1.27', health: 'unhealthy', restartCount: 1 },
      { name: 'db', image: 'postgres:16', health: 'healthy' },
      { name: 'cache', image: 'redis:7' },
    ],
  );
  cleanups.push(() => engine.close());
  const dir = mkdtempSync(join(tmpdir(), 'homelab-ctx-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { engine, dir, collector: fakeCollector() };
}

function tools(request: { messages: unknown }): string {
  return JSON.stringify(request.messages);
}

describe('homelab on this machine (fake Docker Engine)', () => {
  it('unhealthy container -> incident -> proposal -> approval -> restart -> verified healthy', async () => {
    const { engine, collector, dir } = await localLab();
    engine.onRestart = (spec) => {
      spec.health = 'healthy';
    };
    const plugin = createHomelabPlugin({
      collector,
      docker: createDockerEngineClient({ socketPath: engine.socketPath }),
      baseDir: dir,
    });
    const t = await createTestAgent({
      plugins: [
        { plugin, config: { local: { name: 'sagan' }, remediations: { verifyTimeout: '30s' } } },
      ],
      notifications: [{ channel: 'fake', address: { chat: 'ops' }, minSeverity: 'warning' }],
      monitor: { openAfter: 2, resolveAfter: 1, triage: false },
      approvals: { policy: [...HOMELAB_DEFAULT_POLICY] },
      model: null,
    });
    cleanups.push(() => t.stop());
    await t.agent.monitor.runOnce();
    await t.agent.monitor.runOnce();
    const alert = t.channel.texts('ops').join('\n');
    expect(alert).toContain('web on sagan is unhealthy');
    expect(alert).toContain('restart container web on sagan');
    const [pending] = await t.agent.approvals.pending();
    expect(pending).toMatchObject({
      remediation: 'restart_container',
      input: { host: 'sagan', container: 'web' },
      risk: 'medium',
      status: 'pending',
    });
    expect(engine.requests.some((r) => r.method === 'POST')).toBe(false);

    // A viewer may not approve; an operator may.
    await t.ask(`approve ${pending!.id}`, { sender: 'victor', chat: 'ops' });
    expect((await t.agent.approvals.pending()).length).toBe(1);
    await t.ask(`approve ${pending!.id}`, { sender: 'olga', chat: 'ops' });
    const done = await t.agent.store.getApproval(pending!.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.result?.detail).toContain(
      'verification: passed: web on sagan is running and healthy',
    );
    expect(engine.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      expect.stringMatching(/^\/containers\/web\/restart/),
    ]);

    await t.agent.monitor.runOnce();
    expect(t.channel.texts('ops').at(-1)).toContain('resolved');
  });

  it('reports a failed verification when the container stays unhealthy', async () => {
    const { engine, collector, dir } = await localLab();
    const plugin = createHomelabPlugin({
      collector,
      docker: createDockerEngineClient({ socketPath: engine.socketPath }),
      baseDir: dir,
    });
    const t = await createTestAgent({
      plugins: [
        { plugin, config: { local: { name: 'sagan' }, remediations: { verifyTimeout: 1500 } } },
      ],
      model: null,
    });
    cleanups.push(() => t.stop());
    const approval = await t.agent.approvals.propose({
      remediation: 'restart_container',
      input: { container: 'web' },
      reason: 'test',
      requestedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
    });
    expect(approval.action).toBe('restart container web on sagan');
    await t.ask(`approve ${approval.id}`, { sender: 'olga' });
    const done = await t.agent.store.getApproval(approval.id);
    expect(done?.status).toBe('failed');
    expect(done?.result?.detail).toContain('verification: FAILED');
  });

  it('refuses run_readonly_command for rm -rf / and cat x; reboot, whatever the model asks, and runs an allowed one', async () => {
    const { engine, collector, dir } = await localLab();
    const plugin = createHomelabPlugin({
      collector,
      docker: createDockerEngineClient({ socketPath: engine.socketPath }),
      baseDir: dir,
    });
    const t = await createTestAgent({
      plugins: [{ plugin, config: { local: { name: 'sagan' } } }],
      script: [
        callTool('run_readonly_command', { command: 'rm -rf /' }),
        callTool('run_readonly_command', { command: 'cat x; reboot' }),
        callTool('run_readonly_command', { command: 'uname -a' }),
        reply('Refused twice, then ran uname.'),
      ],
    });
    cleanups.push(() => t.stop());
    const replies = await t.ask('clean up the disk, then reboot');
    expect(replies.at(-1)).toContain('Refused twice');
    const requests = t.model!.requests;
    expect(tools(requests[1]!)).toContain('is not an allowed read-only command');
    expect(tools(requests[2]!)).toContain('contains shell metacharacters');
    expect(tools(requests[3]!)).toMatch(/\$ uname -a {2}\(on sagan, exit 0\)\\nLinux/);
    const audit = await t.agent.store.listAudit({ limit: 50 });
    expect(JSON.stringify(audit)).toContain('run_readonly_command');
  });

  it('status lists the host on one line with containers healthy/total, then the problems, without a model', async () => {
    const { engine, collector, dir } = await localLab();
    const plugin = createHomelabPlugin({
      collector,
      docker: createDockerEngineClient({ socketPath: engine.socketPath }),
      baseDir: dir,
    });
    const t = await createTestAgent({
      plugins: [
        { plugin, config: { local: { name: 'sagan' }, thresholds: { disk: { warn: 70 } } } },
      ],
      model: null,
    });
    cleanups.push(() => t.stop());
    const [status] = await t.ask('status');
    expect(status).toContain('sagan');
    expect(status).toContain('load 0.52 · mem 41% · disk /srv 72% · containers 2/3');
    expect(status).toContain('CRITICAL: web on sagan is unhealthy');
    expect(status).toContain('WARN: Disk /srv at 72% on sagan');
  });

  it('shows network throughput in status and host_status once two readings measured it, never before', async () => {
    const { collector, dir } = await localLab({ containers: [] });
    const plugin = createHomelabPlugin({ collector, baseDir: dir });
    const t = await createTestAgent({
      plugins: [
        {
          plugin,
          config: {
            local: { name: 'sagan' },
            docker: { enabled: false },
            cacheTtl: 0,
            statusMaxAge: 0,
          },
        },
      ],
      script: [
        callTool('host_status', {}),
        reply('No rate yet.'),
        callTool('host_status', {}),
        reply('eth0 is busy.'),
      ],
    });
    cleanups.push(() => t.stop());
    // The first reading of a host has no rate: nothing is shown rather than a made-up number.
    const [before] = await t.ask('status');
    expect(before).toMatch(/sagan +load 0\.52 · mem 41% · disk \/srv 72%$/m);
    expect(before).not.toContain('net');
    await t.ask('how is the network?');
    expect(tools(t.model!.requests[1]!)).toContain(
      'Network: not measured yet (a rate needs two readings; the next one will have it)',
    );

    collector.current = {
      ...collector.current,
      network: {
        intervalSeconds: 30,
        interfaces: [
          {
            name: 'eth0',
            rxBytesPerSecond: 12.5 * 1024 ** 2,
            txBytesPerSecond: 900 * 1024,
            rxErrors: 0,
            txErrors: 0,
            rxDropped: 12,
            txDropped: 0,
          },
          {
            name: 'wg0',
            rxBytesPerSecond: 2 * 1024,
            txBytesPerSecond: 1024,
            rxErrors: 0,
            txErrors: 0,
            rxDropped: 0,
            txDropped: 0,
          },
        ],
      },
    };
    const [after] = await t.ask('status');
    expect(after).toMatch(
      /sagan +load 0\.52 · mem 41% · disk \/srv 72% · net ↓12\.5 MiB\/s ↑901 KiB\/s$/m,
    );
    await t.ask('and now?');
    const output = JSON.parse(tools(t.model!.requests[3]!)).at(-1).results[0].output as string;
    expect(output).toContain(
      'Network eth0: in 12.5 MiB/s, out 900 KiB/s; 12 dropped in (over 30s)',
    );
    expect(output).toContain('Network wg0: in 2 KiB/s, out 1 KiB/s (over 30s)');
    expect(output).not.toContain('not measured yet');
  });
});

describe('Home Assistant', () => {
  let ha: FakeHomeAssistant;
  beforeAll(async () => {
    ha = await startFakeHomeAssistant({
      token: 'ha-token-DO-NOT-LEAK-42',
      entities: [
        {
          entity_id: 'light.living_room',
          state: 'off',
          attributes: { friendly_name: 'Living Room Lights' },
        },
        {
          entity_id: 'sensor.living_room_temperature',
          state: '21.5',
          attributes: { friendly_name: 'Living room temperature', unit_of_measurement: '°C' },
        },
      ],
    });
  });
  afterAll(async () => {
    await ha.close();
  });

  async function haAgent(
    script: Parameters<typeof createTestAgent>[0] extends infer O
      ? O extends { script?: infer S }
        ? S
        : never
      : never,
  ) {
    // Every log line at debug level, with no value-based redaction: the token must not be logged at all.
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({
      level: 'debug',
      pretty: false,
      destination,
      redactor: new SecretRedactor(),
    });
    const { collector, dir } = await localLab({ containers: [] });
    const plugin = createHomelabPlugin({ collector, baseDir: dir });
    const t = await createTestAgent({
      plugins: [{ plugin, config: { local: { name: 'sagan' }, docker: { enabled: false } } }],
      approvals: { policy: [...HOMELAB_DEFAULT_POLICY] },
      env: { HA_URL: ha.url, HA_TOKEN: ha.token },
      script,
      logger,
    });
    cleanups.push(() => t.stop());
    return { t, logs: lines };
  }

  const turnOn = [
    callTool('ha_find_entities', { query: 'living room lights' }),
    callTool('propose_remediation', {
      remediation: 'ha_call_service',
      input: { domain: 'light', service: 'turn_on', entity_id: ['light.living_room'] },
      reason: 'asked to turn on the living room lights',
    }),
    reply('The living room lights are on.'),
  ];

  it('"turn on the living room lights" just works for an operator: found by name, run at once by policy, verified', async () => {
    ha.entities.get('light.living_room')!.state = 'off';
    const { t, logs } = await haAgent(turnOn);
    const replies = await t.ask('turn on the living room lights', { sender: 'olga' });
    expect(logs.join('')).toContain('calling Home Assistant service');
    expect(logs.join('')).not.toContain(ha.token);
    expect(replies.join('\n')).toContain('lights are on');
    expect(replies.join('\n')).toContain(
      'Done: call Home Assistant light.turn_on on light.living_room',
    );
    expect(tools(t.model!.requests[1]!)).toContain(
      'light.living_room \\"Living Room Lights\\": off',
    );
    expect(tools(t.model!.requests[2]!)).toContain('decided by policy: succeeded');
    expect(ha.entities.get('light.living_room')?.state).toBe('on');
    const [approval] = await t.agent.store.listApprovals({});
    expect(approval?.decidedBy).toMatchObject({ kind: 'policy', id: 'ha-by-operator' });
    expect(approval?.result?.detail).toContain('verification: passed: now light.living_room on');
    // The token is in no prompt.
    expect(JSON.stringify(t.model!.requests)).not.toContain(ha.token);
  });

  it('waits for approval when a viewer asks', async () => {
    ha.entities.get('light.living_room')!.state = 'off';
    const { t } = await haAgent(turnOn);
    await t.ask('turn on the living room lights', { sender: 'victor' });
    expect(ha.entities.get('light.living_room')?.state).toBe('off');
    expect((await t.agent.approvals.pending())[0]?.action).toBe(
      'call Home Assistant light.turn_on on light.living_room',
    );
  });
});

describe.skipIf(unavailable !== undefined)(
  `a fleet over SSH${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let sshd: TestSshd;
    let silent: SilentTcpServer;
    beforeAll(async () => {
      sshd = await startTestSshd({
        files: {
          ...fakeDockerCliFiles([
            { name: 'jellyfin', image: 'jellyfin/jellyfin', health: 'healthy' },
            { name: 'backup', image: 'restic', state: 'exited', exitCode: 1 },
          ]),
          'AGENTS.md':
            '# nas\nThe backup container runs nightly at 03:00. Never restart it by hand.\n',
          // A systemctl that remembers restarts: `is-active` says active once restarted.
          'bin/systemctl': `#!/bin/sh
D="$(dirname "$0")/.."
case "$1" in
  restart) echo "$2" >> "$D/restarted"; exit 0 ;;
  is-active) grep -qx "$2" "$D/restarted" 2>/dev/null && { echo active; exit 0; }; echo inactive; exit 3 ;;
  *) echo "fake systemctl: $*" >&2; exit 1 ;;
esac
`,
        },
      });
      silent = await startSilentTcpServer();
    });
    afterAll(async () => {
      await silent?.close();
      await sshd?.close();
    });

    it('status: one line per host, the dead one marked after its timeout; checks find the problems; context carries the notes', async () => {
      const { engine, collector, dir } = await localLab({
        containers: [{ name: 'web', health: 'healthy' }],
      });
      writeFileSync(join(dir, 'CLAUDE.md'), `# sagan\n${'x'.repeat(5000)}`);
      const plugin = createHomelabPlugin({
        collector,
        docker: createDockerEngineClient({ socketPath: engine.socketPath }),
        baseDir: dir,
      });
      const host = (name: string, port: number) => ({
        name,
        address: '127.0.0.1',
        port,
        user: sshd.user,
        keyFile: sshd.clientKeyPath,
        contextFiles: [join(sshd.dir, 'AGENTS.md')],
        // This machine's real load and disks vary: per-host levels keep the test about containers and reachability.
        thresholds: {
          loadPerCore: { warn: 1000, critical: 2000 },
          disk: { warn: 101, critical: 102 },
          memory: { warn: 101, critical: 102 },
          temperature: { warn: 500, critical: 600 },
        },
      });
      const t = await createTestAgent({
        plugins: [
          {
            plugin,
            config: {
              local: { name: 'sagan' },
              hosts: [host('nas', sshd.port), host('attic', silent.port)],
              // Generous for the live host on a busy machine; the dead one costs this once.
              ssh: { knownHosts: sshd.knownHostsPath, connectTimeout: 4000, commandTimeout: 6000 },
              hostTimeout: 5000,
              contextFiles: { paths: ['CLAUDE.md'], maxBytes: 1024 },
            },
          },
        ],
        script: [reply('ok')],
        monitor: { openAfter: 1, triage: false },
      });
      cleanups.push(() => t.stop());
      const [status] = await t.ask('status');
      const lines = status!.split('\n');
      expect(lines.find((l) => l.includes('sagan'))).toContain('containers 1/1');
      expect(lines.find((l) => l.includes('nas'))).toMatch(
        /load [\d.]+ · mem [\d.]+% · disk \S+ [\d.]+% · containers 1\/2/,
      );
      expect(lines.find((l) => l.includes('attic'))).toContain('unreachable (timed out)');
      expect(status).toContain('attic is unreachable');
      expect(status).toContain('backup on nas exited (code 1)');
      expect(t.model!.requests).toHaveLength(0);

      await t.agent.monitor.runOnce();
      const incidents = await t.agent.store.listIncidents({ status: ['open'] });
      expect(incidents.map((i) => i.key).sort()).toEqual([
        'homelab:attic:unreachable',
        'homelab:nas:container:backup:stopped',
      ]);

      await t.ask('what runs on nas?');
      const system = t.model!.requests[0]!.system;
      expect(system).toContain('Never restart it by hand');
      expect(system).toContain('truncated="true"');
      expect(system).not.toContain('x'.repeat(1100));
      expect(system).toMatch(/- attic \(ssh\): unreachable now/);
    });

    it('doctor logs in to each host and says how to fix a refused host key', async () => {
      const emptyKnownHosts = join(sshd.dir, 'known_hosts_other');
      writeFileSync(emptyKnownHosts, '');
      const plugin = createHomelabPlugin({ collector: fakeCollector() });
      const setup = async (knownHosts: string) =>
        plugin.setup({
          logger: silentLogger,
          dataDir: sshd.dir,
          env: {},
          config: homelabConfigSchema.parse({
            local: { enabled: false },
            hosts: [
              {
                name: 'nas',
                address: '127.0.0.1',
                port: sshd.port,
                user: sshd.user,
                keyFile: sshd.clientKeyPath,
              },
            ],
            ssh: { knownHosts },
          }),
        });
      const good = await setup(sshd.knownHostsPath);
      const run = (c: HealthCheck) =>
        c
          .run({ signal: AbortSignal.timeout(10_000), logger: silentLogger })
          .catch((e: Error) => ({ status: 'fail', detail: e.message }));
      expect(await Promise.all(good.checks!.map(run))).toEqual([
        { status: 'ok', detail: `1 keys in ${sshd.knownHostsPath}` },
        { status: 'ok', detail: `logged in as ${sshd.user}@127.0.0.1:${sshd.port}` },
      ]);
      await good.dispose?.();
      const refused = await setup(emptyKnownHosts);
      const [, login] = await Promise.all(refused.checks!.map(run));
      expect(login).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(
          /unknown host key for nas .* ssh-keyscan -p \d+ 127\.0\.0\.1 >>/,
        ),
      });
      await refused.dispose?.();
    });

    it('runs the tools over SSH and restarts an allowlisted unit with approval, verified active', async () => {
      const { collector, dir } = await localLab({ containers: [] });
      const plugin = createHomelabPlugin({ collector, baseDir: dir });
      const t = await createTestAgent({
        plugins: [
          {
            plugin,
            config: {
              local: { enabled: false },
              docker: { enabled: false },
              hosts: [
                {
                  name: 'nas',
                  address: '127.0.0.1',
                  port: sshd.port,
                  user: sshd.user,
                  keyFile: sshd.clientKeyPath,
                  units: ['caddy'],
                  contextFiles: [],
                },
              ],
              ssh: { knownHosts: sshd.knownHostsPath },
              remediations: { verifyTimeout: '30s' },
            },
          },
        ],
        script: [
          callTools(
            { name: 'list_containers', input: { host: 'nas' } },
            { name: 'container_logs', input: { host: 'nas', container: 'jellyfin', tail: 5 } },
            { name: 'disk_usage', input: { host: 'nas', path: sshd.dir } },
            { name: 'top_processes', input: { host: 'nas', limit: 3, sortBy: 'memory' } },
            {
              name: 'run_readonly_command',
              input: { host: 'nas', command: 'systemctl is-active caddy' },
            },
            { name: 'host_status', input: { host: 'pi' } },
          ),
          callTool('propose_remediation', {
            remediation: 'restart_unit',
            input: { host: 'nas', unit: 'sshd' },
            reason: 'try',
          }),
          callTool('propose_remediation', {
            remediation: 'restart_unit',
            input: { host: 'nas', unit: 'caddy' },
            reason: 'caddy is down',
          }),
          reply('Proposed a caddy restart.'),
        ],
      });
      cleanups.push(() => t.stop());
      await t.ask('caddy on nas looks down');
      const results = JSON.parse(tools(t.model!.requests[1]!))
        .at(-1)
        .results.map((r: { output: string }) => r.output)
        .join('\n---\n');
      expect(results).toMatch(/jellyfin\trunning\thealthy\trestarts 0\tup \S+/);
      expect(results).toContain('backup\texited (1)\tnone');
      expect(results).toContain('No log lines from jellyfin on nas');
      expect(results).toMatch(/opsagent-sshd-\S+ takes [\d.]+ \S+ on nas/);
      expect(results).toMatch(/nas: Top 3 of \d+ processes by memory/);
      expect(results).toContain('$ systemctl is-active caddy  (on nas, exit 3)\ninactive');
      expect(results).toContain('no host named "pi"; hosts: nas');
      expect(tools(t.model!.requests[2]!)).toContain('not in the restart allowlist of that host');
      const [pending] = await t.agent.approvals.pending();
      expect(pending?.action).toBe('restart systemd unit caddy on nas');
      await t.ask(`approve ${pending!.id}`, { sender: 'olga' });
      const done = await t.agent.store.getApproval(pending!.id);
      expect(done?.status).toBe('succeeded');
      expect(done?.result?.detail).toContain('verification: passed: caddy on nas is active');
    });
  },
);
