import { createManualClock, type InboundMessage } from '@opsagent/core';
import { createTestAgent, reply } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';

// InboundMessage.followUp: a message not addressed to the agent (a Slack thread reply without a
// mention) is handled only while its thread's conversation is open and not idle.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

let n = 0;
const message = (text: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  id: `m${++n}`,
  channel: 'fake',
  sender: { id: 'alice' },
  address: { chat: 'general', thread: 't1' },
  text,
  receivedAt: new Date(),
  ...extra,
});

describe('follow-ups (InboundMessage.followUp)', () => {
  it('are handled only in an open conversation within the idle timeout, and stay unclaimed otherwise', async () => {
    const clock = createManualClock(new Date());
    const t = await createTestAgent({
      clock,
      conversation: { idleTimeoutMs: 10 * 60_000 },
      script: [reply('one'), reply('two'), reply('three')],
    });
    cleanups.push(() => t.stop());
    const early = message('before any conversation', { followUp: true });
    await t.agent.handle(early);
    expect(t.model?.requests).toHaveLength(0);
    expect(t.channel.sent).toHaveLength(0);

    await t.agent.handle(message('q1'));
    await t.agent.handle(message('q2', { followUp: true }));
    expect(t.model?.requests).toHaveLength(2);
    // Another thread of the same chat is not the conversation.
    await t.agent.handle(
      message('q', { followUp: true, address: { chat: 'general', thread: 't2' } }),
    );
    expect(t.model?.requests).toHaveLength(2);
    // Idle past the timeout: ignored, even before the sweep closes it.
    clock.advance(11 * 60_000);
    await t.agent.handle(message('late', { followUp: true }));
    expect(t.model?.requests).toHaveLength(2);
    // The ignored message was not claimed: the same message addressed to the agent is handled.
    await t.agent.handle({ ...early, followUp: false });
    expect(t.model?.requests).toHaveLength(3);
  });

  it('from an unknown sender: no reply, no audit record', async () => {
    const t = await createTestAgent({ script: [reply('one')] });
    cleanups.push(() => t.stop());
    await t.agent.handle(message('q1'));
    await t.agent.handle(message('who are you?', { followUp: true, sender: { id: 'mallory' } }));
    expect(t.model?.requests).toHaveLength(1);
    expect((await t.agent.store.listAudit()).filter((a) => a.type === 'refusal')).toEqual([]);
  });

  it('past the queue bound: dropped without a busy note', async () => {
    const t = await createTestAgent({
      queue: { maxPerConversation: 1 },
      script: [reply('one'), reply('two')],
    });
    cleanups.push(() => t.stop());
    await t.agent.handle(message('q1'));
    const first = t.agent.handle(message('q2', { followUp: true }));
    await t.agent.handle(message('q3', { followUp: true }));
    await first;
    await t.agent.idle();
    expect(t.model?.requests).toHaveLength(2);
    expect(t.channel.sent.map((s) => s.text).join('\n')).not.toMatch(/busy/i);
  });
});
