// The store fails a write: each failure gets a clear reply in the affected conversation, nothing
// is half-done or duplicated, and other conversations are served meanwhile.
import { MemoryStore } from '@opsagent/core';
import { callTool, createTestAgent, reply, type ScriptStep } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createLabPlugin } from '../runtime/helpers.js';
import { failingStore } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(script: ScriptStep[] = []) {
  const lab = createLabPlugin();
  const failing = failingStore(new MemoryStore());
  const t = await createTestAgent({ plugins: [lab.plugin], store: failing.store, script });
  cleanups.push(() => t.stop());
  return { t, lab, failing };
}

const inThread = (chat: string) => ({ chat });

describe('store failing a write', () => {
  it('saving the history of a turn: a clear error there, the parallel conversation answered, the retry answered once', async () => {
    const { t, failing } = await setup([reply('A first'), reply('B answer'), reply('A again')]);
    failing.failNext('appendMessages', 1, ([key]) => String(key).includes('|a|'));
    const [a, b] = await Promise.all([
      t.ask('question A', inThread('a')),
      t.ask('question B', inThread('b')),
    ]);
    expect(a).toHaveLength(1);
    expect(a[0]).toContain('Sorry, I could not answer');
    expect(a[0]).toContain('STORE_WRITE_FAILED');
    expect(b).toEqual(['B answer']);
    expect(await t.ask('question A', inThread('a'))).toEqual(['A again']);
    // The failed turn left no half-written history: the retry starts from the user message.
    expect(t.model!.requests.at(-1)!.messages).toEqual([{ role: 'user', content: 'question A' }]);
    expect(failing.failures).toBe(1);
  });

  for (const method of ['putConversation', 'claim', 'appendAudit'] as const) {
    it(`${method} failing: the sender is told, nothing else is affected`, async () => {
      const { t, failing } = await setup([reply('B answer'), reply('A answer')]);
      failing.failNext(method);
      const [a] = await Promise.all([
        t.ask('status', inThread('a')),
        // B arrives right after A; the one failing write belongs to A.
        Promise.resolve().then(() => t.ask('question B', inThread('b'))),
      ]);
      expect(a).toHaveLength(1);
      expect(a[0]).toMatch(/could not/i);
      expect(a[0]).toContain('try again');
      expect(t.channel.texts().filter((text) => text === 'B answer')).toHaveLength(1);
      // The same person retrying is served normally.
      const [again] = await t.ask('status', inThread('a'));
      expect(again).toContain('Containers');
      expect(failing.failures).toBe(1);
    });
  }

  it('approving while the store fails the decision: still pending, then approved and run once', async () => {
    const { t, lab, failing } = await setup([
      callTool('propose_remediation', {
        remediation: 'restart_container',
        input: { container: 'web' },
        reason: 'unhealthy',
      }),
      reply('proposed'),
    ]);
    await t.ask('fix web');
    const [pending] = await t.agent.approvals.pending();
    failing.failNext('transitionApproval');
    const [first] = await t.ask(`approve ${pending!.id}`, { sender: 'olga' });
    expect(first).toContain('"approve" failed');
    expect(first).toContain('STORE_WRITE_FAILED');
    expect(lab.runs).toEqual([]);
    expect((await t.agent.store.getApproval(pending!.id))?.status).toBe('pending');
    const [second] = await t.ask(`approve ${pending!.id}`, { sender: 'olga' });
    expect(second).toMatch(/Done|approved/i);
    expect(lab.runs).toEqual([{ container: 'web', approvalId: pending!.id }]);
  });

  it('the audit write after an approval fails: the approved plan still runs, once', async () => {
    const { t, lab, failing } = await setup([
      callTool('propose_remediation', {
        remediation: 'restart_container',
        input: { container: 'web' },
        reason: 'unhealthy',
      }),
      reply('proposed'),
    ]);
    await t.ask('fix web');
    const [pending] = await t.agent.approvals.pending();
    // The command's own audit record is written first; fail the decision's.
    failing.failNext(
      'appendAudit',
      1,
      ([record]) => (record as { type: string }).type === 'decision',
    );
    await t.ask(`approve ${pending!.id}`, { sender: 'olga' });
    expect(lab.runs).toEqual([{ container: 'web', approvalId: pending!.id }]);
    expect((await t.agent.store.getApproval(pending!.id))?.status).toBe('succeeded');
    expect(t.channel.texts().some((text) => text.includes('Done: restart container web'))).toBe(
      true,
    );
    await t.ask(`approve ${pending!.id}`, { sender: 'olga' });
    expect(lab.runs).toHaveLength(1);
  });
});
