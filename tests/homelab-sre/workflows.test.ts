import {
  callTool,
  type FakeDockerEngine,
  type FakeHomeAssistant,
  fakeDockerCliFiles,
  reply,
  sshdUnavailableReason,
  startFakeDockerEngine,
  startFakeHomeAssistant,
  startTestSshd,
  type TestSshd,
} from '@opsagent/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HomelabSre, OWNER, PARTNER, STRANGER, startHomelabSre } from './harness.js';

const sshdMissing = sshdUnavailableReason();
const running: HomelabSre[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const sre of running.splice(0)) await sre.stop();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// This machine's real load and disks vary (and other work shares it): levels that never trip keep
// the tests about containers, hosts and Home Assistant.
const CALM = [
  '    thresholds:',
  '      loadPerCore: { warn: 1000, critical: 2000 }',
  '      disk: { warn: 101, critical: 102 }',
  '      memory: { warn: 101, critical: 102 }',
  '      temperature: { warn: 500, critical: 600 }',
];

interface LabOptions {
  containers?: Parameters<typeof startFakeDockerEngine>[0];
  sshd?: TestSshd;
  ha?: FakeHomeAssistant;
  script?: Parameters<typeof startHomelabSre>[0] extends infer O
    ? O extends { script?: infer S }
      ? S
      : never
    : never;
}

/** The preset with a fake Docker Engine on sagan, optionally an SSH host `nas` and Home Assistant. */
async function homelab(options: LabOptions = {}) {
  const engine = await startFakeDockerEngine(
    options.containers ?? [
      { name: 'web', image: 'nginx:1.27', health: 'unhealthy', healthOutput: 'curl: (7) refused' },
      { name: 'db', image: 'postgres:16', health: 'healthy' },
      { name: 'cache', image: 'redis:7' },
    ],
  );
  cleanups.push(() => engine.close());
  const yaml = [
    'preset: homelab-sre',
    'monitor: { openAfter: 2, resolveAfter: 1, triage: false }',
    'plugins:',
    '  homelab:',
    '    local: { name: sagan }',
    `    docker: { socket: ${JSON.stringify(engine.socketPath)} }`,
    '    cacheTtl: 0',
    '    remediations: { verifyTimeout: 30s }',
    ...CALM,
  ];
  if (options.sshd) {
    const s = options.sshd;
    yaml.push(
      `    ssh: { knownHosts: ${JSON.stringify(s.knownHostsPath)}, connectTimeout: 2s, commandTimeout: 5s }`,
      '    hosts:',
      `      - { name: nas, address: 127.0.0.1, port: ${s.port}, user: ${s.user}, keyFile: ${JSON.stringify(s.clientKeyPath)} }`,
    );
  }
  const sre = await startHomelabSre({
    yaml: yaml.join('\n'),
    script: options.script ?? [],
    env: options.ha ? { HA_URL: options.ha.url, HA_TOKEN: options.ha.token } : {},
  });
  running.push(sre);
  return { sre, engine };
}

function restarts(engine: FakeDockerEngine): string[] {
  return engine.requests.filter((r) => r.method === 'POST').map((r) => r.path);
}

describe('homelab-sre: the four workflows over Signal', () => {
  let sshd: TestSshd | undefined;
  beforeAll(async () => {
    if (sshdMissing) return;
    sshd = await startTestSshd({
      files: fakeDockerCliFiles([
        { name: 'jellyfin', image: 'jellyfin/jellyfin', health: 'healthy' },
        { name: 'backup', image: 'restic', state: 'exited', exitCode: 1 },
      ]),
    });
  });
  afterAll(async () => {
    await sshd?.close();
  });

  it.skipIf(sshdMissing !== undefined)(
    `1. status: every host with CPU, memory, disk and containers, with no model call${sshdMissing ? ` (skipped: ${sshdMissing})` : ''}`,
    async () => {
      const { sre } = await homelab({ ...(sshd ? { sshd } : {}) });
      sre.signal.message({ from: OWNER, text: 'status' });
      const [status] = await sre.signal.waitForSent(1);
      await sre.settle();
      const text = status?.body.message ?? '';
      expect(text).toMatch(/sagan: load [\d.]+ · mem [\d.]+% · disk \S+ [\d.]+% · containers 2\/3/);
      expect(text).toMatch(/nas: load [\d.]+ · mem [\d.]+% · disk \S+ [\d.]+% · containers 1\/2/);
      expect(text).toContain('web on sagan is unhealthy');
      expect(text).toContain('backup on nas exited (code 1)');
      expect(status?.body.recipients).toEqual([OWNER]);
      expect(sre.model.requests).toEqual([]);
      expect(sre.signal.typing).toEqual([]);
    },
  );

  it('2. "what containers are unhealthy on sagan?": typing, Docker tools, answer', async () => {
    const { sre } = await homelab({
      script: [
        callTool('list_containers', { host: 'sagan' }),
        callTool('container_logs', { host: 'sagan', container: 'web' }),
        reply('On **sagan**, `web` is unhealthy: its health check gets "connection refused".'),
      ],
    });
    sre.signal.message({ from: OWNER, text: 'what containers are unhealthy on sagan?' });
    const [answer] = await sre.signal.waitForSent(1);
    await sre.settle();
    expect(answer?.body.message).toBe(
      'On **sagan**, `web` is unhealthy: its health check gets "connection refused".',
    );
    expect(sre.signal.typing).toEqual([
      { action: 'start', recipient: OWNER },
      { action: 'stop', recipient: OWNER },
    ]);
    const toolResults = JSON.stringify(sre.model.requests[1]?.messages);
    expect(toolResults).toContain('web');
    expect(toolResults).toMatch(/unhealthy/);
    const audit = await sre.agent.store.listAudit({ limit: 20 });
    expect(audit.filter((a) => a.type === 'tool_call').map((a) => a.subject)).toEqual([
      'list_containers',
      'container_logs',
    ]);
  });

  it('3. "turn on living room lights": Home Assistant service call, then the new state', async () => {
    const ha = await startFakeHomeAssistant({
      token: 'ha-token-KEEP-OUT-OF-PROMPTS',
      entities: [
        {
          entity_id: 'light.living_room',
          state: 'off',
          attributes: { friendly_name: 'Living Room Lights' },
        },
      ],
    });
    cleanups.push(() => ha.close());
    const { sre } = await homelab({
      ha,
      containers: [],
      script: [
        callTool('ha_find_entities', { query: 'living room lights' }),
        callTool('propose_remediation', {
          remediation: 'ha_call_service',
          input: { domain: 'light', service: 'turn_on', entity_id: ['light.living_room'] },
          reason: 'asked to turn on the living room lights',
        }),
        reply('The living room lights are on.'),
      ],
    });
    sre.signal.message({ from: OWNER, text: 'turn on living room lights' });
    await sre.signal.waitForSend((s) => s.body.message === 'The living room lights are on.');
    await sre.settle();
    expect(ha.entities.get('light.living_room')?.state).toBe('on');
    const texts = sre.sentTo(OWNER).join('\n');
    expect(texts).toContain('Done: call Home Assistant light.turn_on on light.living_room');
    expect(texts).toContain('verification: passed: now light.living_room on');
    expect(JSON.stringify(sre.model.requests)).not.toContain(ha.token);
  });

  it('4. a container turns unhealthy: alert with plan, "approve", restarted once, verified, confirmed', async () => {
    const { sre, engine } = await homelab({
      containers: [{ name: 'web', image: 'nginx:1.27', health: 'healthy' }],
    });
    engine.onRestart = (spec) => {
      spec.health = 'healthy';
    };
    await sre.agent.monitor.runOnce();
    expect(sre.signal.sent).toEqual([]);

    engine.containers.get('web')!.health = 'unhealthy';
    await sre.agent.monitor.runOnce();
    await sre.agent.monitor.runOnce();
    await sre.settle();
    const alerts = sre.sentTo(OWNER);
    expect(alerts.join('\n')).toContain('web on sagan is unhealthy');
    const plan = sre.signal.sent.find((s) => (s.body.message ?? '').includes('Approval needed'));
    expect(plan?.body.recipients).toEqual([OWNER]);
    expect(plan?.body.message).toContain('Will run: restart container web on sagan');
    expect(plan?.body.message).toContain('Risk: 🟠 medium');
    expect(sre.sentTo(PARTNER)).toEqual([]);
    expect(restarts(engine)).toEqual([]);

    sre.signal.message({ from: OWNER, text: 'approve' });
    const done = await sre.signal.waitForSend((s) => (s.body.message ?? '').includes('Done:'));
    await sre.settle();
    expect(done.body.message).toContain('restart container web on sagan');
    expect(done.body.message).toContain('verification: passed');
    expect(restarts(engine)).toEqual([expect.stringMatching(/\/containers\/web\/restart/)]);

    // Once only: another approve finds nothing to do.
    sre.signal.message({ from: OWNER, text: 'approve' });
    await sre.signal.waitForSend((s) => s.body.message === 'Nothing is waiting for approval.');
    expect(restarts(engine)).toHaveLength(1);
    await sre.agent.monitor.runOnce();
    await sre.settle();
    expect(sre.sentTo(OWNER).at(-1)).toContain('resolved');
  });

  it('4. ... or a 👍 on the plan message approves it', async () => {
    const { sre, engine } = await homelab();
    engine.onRestart = (spec) => {
      spec.health = 'healthy';
    };
    await sre.agent.monitor.runOnce();
    await sre.agent.monitor.runOnce();
    await sre.settle();
    const plan = sre.signal.sent.find((s) => (s.body.message ?? '').includes('Approval needed'))!;
    sre.signal.reaction({ from: OWNER, emoji: '👍', targetTimestamp: plan.timestamp });
    await sre.signal.waitForSend((s) => (s.body.message ?? '').includes('Done:'));
    await sre.settle();
    expect(restarts(engine)).toHaveLength(1);
  });

  it('4. "reject": logged, nothing runs', async () => {
    const { sre, engine } = await homelab();
    await sre.agent.monitor.runOnce();
    await sre.agent.monitor.runOnce();
    await sre.settle();
    const [pending] = await sre.agent.approvals.pending();
    expect(pending?.remediation).toBe('restart_container');
    sre.signal.message({ from: OWNER, text: 'reject' });
    const rejected = await sre.signal.waitForSend((s) =>
      (s.body.message ?? '').startsWith('Rejected'),
    );
    await sre.settle();
    expect(rejected.body.message).toContain('Nothing was run');
    expect(restarts(engine)).toEqual([]);
    expect((await sre.agent.store.getApproval(pending!.id))?.status).toBe('rejected');
    const audit = await sre.agent.store.listAudit({ limit: 50 });
    expect(
      audit.some((a) => a.type === 'decision' && a.subject === pending!.id && a.actor === 'owner'),
    ).toBe(true);
  });

  it('a stranger gets nothing and nothing runs for them', async () => {
    const { sre } = await homelab({ script: [callTool('list_containers', { host: 'sagan' })] });
    sre.signal.message({ from: STRANGER, text: 'what containers are unhealthy on sagan?' });
    sre.signal.message({ from: STRANGER, text: 'approve' });
    sre.signal.message({ from: PARTNER, text: 'incidents' });
    await sre.signal.waitForSent(1);
    await sre.settle();
    expect(sre.signal.sent.map((s) => s.body.recipients[0])).toEqual([PARTNER]);
    expect(sre.model.requests).toEqual([]);
  });

  it('alerts only the owner when the monitor opens an incident', async () => {
    const { sre } = await homelab({
      containers: [{ name: 'backup', image: 'restic', state: 'exited', exitCode: 1 }],
    });
    await sre.agent.monitor.runOnce();
    await sre.agent.monitor.runOnce();
    await sre.settle();
    expect(sre.sentTo(OWNER).join('\n')).toContain('backup on sagan');
    expect(sre.sentTo(PARTNER)).toEqual([]);
  });
});
