import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Address, Channel } from '../contracts/channel.js';
import type { OutboundMessage } from '../contracts/message.js';
import { definePlugin } from '../contracts/plugin.js';
import { defineRemediation, type RemediationResult } from '../contracts/remediation.js';
import type { ApprovalRecord } from '../contracts/store.js';
import { MemoryStore } from '../store/memory-store.js';
import { createAgent } from './agent.js';

/** A run that was executing when the process died, as a restart finds it. */
function executing(id: string, remediation: string): ApprovalRecord {
  const at = new Date();
  return {
    id,
    remediation,
    input: { target: 'web' },
    action: `${remediation} web`,
    reason: 'test',
    risk: 'low',
    requestedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
    origin: { channel: 'record', address: { chat: 'ops' } },
    status: 'executing',
    createdAt: at,
    expiresAt: new Date(at.getTime() + 60_000),
    updatedAt: at,
    decidedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
  };
}

describe('recovering runs interrupted by a restart', () => {
  it('finishes a run through resume, and marks interrupted one resume cannot tell or fails on', async () => {
    const store = new MemoryStore();
    await store.init();
    for (const [id, name] of [
      ['a1', 'resumes'],
      ['a2', 'cannot_tell'],
      ['a3', 'resume_fails'],
      ['a4', 'no_resume'],
    ] as const) {
      await store.createApproval(executing(id, name));
    }
    const executed: string[] = [];
    const resumed: string[] = [];
    const remediation = (
      name: string,
      resume?: (approvalId: string) => Promise<RemediationResult | undefined>,
    ) =>
      defineRemediation({
        name,
        description: name,
        input: z.object({ target: z.string() }),
        risk: 'low',
        describe: (input) => `${name} ${input.target}`,
        async execute(_input, ctx) {
          executed.push(ctx.approvalId);
          return { ok: true, detail: 'done' };
        },
        ...(resume
          ? {
              resume: async (_input: { target: string }, ctx: { approvalId: string }) => {
                resumed.push(ctx.approvalId);
                return resume(ctx.approvalId);
              },
            }
          : {}),
      });
    const sent: Array<{ address: Address; message: OutboundMessage }> = [];
    const channel: Channel = {
      name: 'record',
      async start() {},
      async stop() {},
      async send(address, message) {
        sent.push({ address, message });
        return { address, id: String(sent.length) };
      },
    };
    const agent = await createAgent({
      store,
      plugins: [
        definePlugin({
          name: 'lab',
          setup: () => ({
            channels: [channel],
            remediations: [
              remediation('resumes', async () => ({ ok: true, detail: 'verified: web healthy' })),
              remediation('cannot_tell', async () => undefined),
              remediation('resume_fails', async () => {
                throw new Error('endpoint down');
              }),
              remediation('no_resume'),
            ],
          }),
        }),
      ],
      monitor: { enabled: false },
    });
    await agent.start();
    await agent.approvals.settle();
    const status = async (id: string) => (await store.getApproval(id))?.result;
    expect((await store.getApproval('a1'))?.status).toBe('succeeded');
    expect((await status('a1'))?.detail).toBe(
      'the agent restarted while this was running; it was not run again.\nverified: web healthy',
    );
    for (const id of ['a2', 'a3', 'a4']) {
      expect((await store.getApproval(id))?.status).toBe('interrupted');
    }
    expect((await status('a3'))?.detail).toContain('resuming it failed: endpoint down');
    expect(executed).toEqual([]);
    expect(resumed.sort()).toEqual(['a1', 'a2', 'a3']);
    const texts = sent.map((s) => JSON.stringify(s.message));
    expect(texts).toHaveLength(4);
    expect(texts.filter((t) => t.includes('Done: resumes web'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Interrupted'))).toHaveLength(3);
    await agent.stop();
  });
});
