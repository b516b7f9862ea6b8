import { createManualClock, MemoryStore } from '@opsagent/core';
import { callTool, createTestAgent, reply } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createLabPlugin } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
async function testAgent(...args: Parameters<typeof createTestAgent>) {
  const t = await createTestAgent(...args);
  cleanups.push(() => t.stop());
  return t;
}

const proposeRestart = callTool('propose_remediation', {
  remediation: 'restart_container',
  input: { container: 'web' },
  reason: 'web is unhealthy',
});

async function withProposal(options: Parameters<typeof createTestAgent>[0] = {}) {
  const lab = createLabPlugin();
  const t = await testAgent({
    plugins: [lab.plugin],
    script: [proposeRestart, reply('I proposed a restart.')],
    ...options,
  });
  const replies = await t.ask('fix web', { sender: 'victor' });
  const [pending] = await t.agent.approvals.pending();
  if (!pending) throw new Error('no approval was proposed');
  return { t, lab, replies, approval: pending };
}

describe('approval flow', () => {
  it('lets the model only propose: the plan is shown with action, target and risk, and nothing runs', async () => {
    const { lab, replies, approval } = await withProposal();
    expect(lab.runs).toEqual([]);
    expect(approval).toMatchObject({
      remediation: 'restart_container',
      input: { container: 'web' },
      action: 'restart container web on lab',
      risk: 'medium',
      status: 'pending',
      requestedBy: { kind: 'model', id: 'victor' },
    });
    const plan = replies.find((r) => r.includes('Approval needed'));
    expect(plan).toContain('restart container web on lab');
    expect(plan).toContain('risk: medium');
    expect(plan).toContain(`approve ${approval.id}`);
  });

  it('executes exactly once when approved twice', async () => {
    const { t, lab, approval } = await withProposal();
    const first = await t.ask(`approve ${approval.id}`, { sender: 'olga' });
    const second = await t.ask(`approve ${approval.id}`, { sender: 'alice' });
    expect(lab.runs).toEqual([{ container: 'web', approvalId: approval.id }]);
    expect(first.join('\n')).toContain('Done: restart container web on lab (approved by Olga)');
    expect(second.join('\n')).toContain('already decided: succeeded by Olga');
    expect((await t.agent.store.getApproval(approval.id))?.status).toBe('succeeded');
  });

  it('executes exactly once when two operators approve at the same moment, from two places', async () => {
    const { t, lab, approval } = await withProposal();
    await Promise.all([
      t.channel.inject(`approve ${approval.id}`, { sender: 'olga', chat: 'ops' }),
      t.channel.press(approval.id, 'approve', { sender: 'alice', chat: 'general' }),
      t.agent.approvals.decide(approval.id, 'approve', {
        id: 'alice',
        name: 'Alice',
        roles: ['admin'],
      }),
    ]);
    await t.agent.idle();
    expect(lab.runs).toHaveLength(1);
    const audit = await t.agent.store.listAudit();
    expect(audit.filter((a) => a.type === 'decision' && a.subject === approval.id)).toHaveLength(1);
    expect(
      audit.filter(
        (a) =>
          a.type === 'execution' && a.subject === approval.id && a.detail.status === 'succeeded',
      ),
    ).toHaveLength(1);
  });

  it('never executes after expiry', async () => {
    const clock = createManualClock();
    const { t, lab, approval } = await withProposal({
      clock,
      approvals: { expiresInMs: 10 * 60_000 },
    });
    clock.advance(11 * 60_000);
    const replies = await t.ask(`approve ${approval.id}`, { sender: 'olga' });
    expect(replies.join('\n')).toContain('expired');
    expect(lab.runs).toEqual([]);
    expect((await t.agent.store.getApproval(approval.id))?.status).toBe('expired');
  });

  it('expires due approvals in the sweep', async () => {
    const clock = createManualClock();
    const { t, approval } = await withProposal({ clock, approvals: { expiresInMs: 60_000 } });
    clock.advance(61_000);
    await t.agent.sweep();
    expect((await t.agent.store.getApproval(approval.id))?.status).toBe('expired');
  });

  it('never executes after rejection', async () => {
    const { t, lab, approval } = await withProposal();
    expect((await t.ask(`reject ${approval.id}`, { sender: 'olga' })).join('\n')).toContain(
      'Nothing was run',
    );
    expect((await t.ask(`approve ${approval.id}`, { sender: 'alice' })).join('\n')).toContain(
      'already decided: rejected',
    );
    expect(lab.runs).toEqual([]);
  });

  it('refuses a decision from a role that may not decide', async () => {
    const { t, lab, approval } = await withProposal();
    expect((await t.ask(`approve ${approval.id}`, { sender: 'victor' })).join('\n')).toContain(
      'needs the operator role',
    );
    expect(lab.runs).toEqual([]);
    const {
      t: t2,
      lab: lab2,
      approval: a2,
    } = await withProposal({
      approvals: { deciderRoles: { low: 'operator', medium: 'admin', high: 'admin' } },
    });
    expect((await t2.ask(`approve ${a2.id}`, { sender: 'olga' })).join('\n')).toContain(
      'needs the admin role',
    );
    expect(lab2.runs).toEqual([]);
    expect((await t2.agent.store.getApproval(a2.id))?.status).toBe('pending');
  });

  it('lets config decide who may decide: a viewer may approve when deciderRoles say so', async () => {
    const { t, lab, approval } = await withProposal({
      approvals: { deciderRoles: { low: 'viewer', medium: 'viewer', high: 'admin' } },
    });
    await t.ask(`approve ${approval.id}`, { sender: 'victor' });
    expect(lab.runs).toHaveLength(1);
  });

  it('accepts a bare "approve" when exactly one request is pending', async () => {
    const { t, lab } = await withProposal();
    await t.ask('approve', { sender: 'olga' });
    expect(lab.runs).toHaveLength(1);
  });

  it('approves by policy rule without a person, and records the rule as the decider', async () => {
    const lab = createLabPlugin();
    const t = await testAgent({
      plugins: [lab.plugin],
      approvals: {
        policy: [
          {
            name: 'ops-restarts',
            decision: 'approve',
            remediations: ['restart_container'],
            maxRisk: 'medium',
            from: ['operator'],
          },
        ],
      },
      script: [proposeRestart, reply('restarted'), proposeRestart, reply('proposed')],
    });
    await t.ask('fix web', { sender: 'olga' });
    expect(lab.runs).toHaveLength(1);
    const [approval] = await t.agent.store.listApprovals();
    expect(approval?.decidedBy).toMatchObject({ kind: 'policy', id: 'ops-restarts' });
    // A viewer's request does not match the rule: it waits for a person.
    await t.ask('fix web', { sender: 'victor' });
    expect(lab.runs).toHaveLength(1);
    expect(await t.agent.approvals.pending()).toHaveLength(1);
  });

  it('refuses a proposal whose input breaks the remediation schema', async () => {
    const lab = createLabPlugin();
    const t = await testAgent({
      plugins: [lab.plugin],
      script: [
        callTool('propose_remediation', {
          remediation: 'restart_container',
          input: { container: 'web; rm -rf /' },
          reason: 'x',
        }),
        reply('could not'),
      ],
    });
    await t.ask('fix web');
    expect(await t.agent.store.listApprovals()).toEqual([]);
    const result = t.model!.requests[1]!.messages.at(-1);
    expect(JSON.stringify(result)).toContain('proposal refused');
  });

  it('on restart marks a run that was executing as interrupted and never re-runs it', async () => {
    const store = new MemoryStore();
    const lab = createLabPlugin();
    const t = await testAgent({ plugins: [lab.plugin], store, start: false });
    const approval = await t.agent.approvals.propose({
      remediation: 'restart_container',
      input: { container: 'db' },
      reason: 'test',
      requestedBy: { kind: 'principal', id: 'alice', name: 'Alice' },
      origin: { channel: 'fake', address: { chat: 'ops' } },
    });
    await store.transitionApproval(approval.id, ['pending'], { status: 'approved' });
    await store.transitionApproval(approval.id, ['approved'], { status: 'executing' });
    await t.agent.start();
    expect((await store.getApproval(approval.id))?.status).toBe('interrupted');
    expect(lab.runs).toEqual([]);
    expect(t.channel.texts('ops').join('\n')).toContain('Interrupted: restart container db on lab');
  });
});
