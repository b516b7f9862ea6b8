import {
  BUSY_REPLY,
  type Channel,
  type ChannelRuntime,
  createAgent,
  definePlugin,
  isOpsAgentError,
} from '@opsagent/core';
import { createTestAgent, reply, type ScriptStep, type TestAgent } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A model step that waits until the test opens the gate, so messages pile up behind it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const step = async () => {
    await opened;
    return reply('done');
  };
  return { open, step };
}

async function agentWith(
  queue: { maxPerConversation?: number; maxTotal?: number },
  script: ScriptStep[],
): Promise<TestAgent> {
  const t = await createTestAgent({ queue, script });
  cleanups.push(() => t.stop());
  return t;
}

const busyReplies = (t: TestAgent, chat?: string) =>
  t.channel.texts(chat).filter((text) => text === BUSY_REPLY);

describe('inbound queue bounds (backpressure)', () => {
  it('refuses a message beyond the per-conversation bound with a busy reply, and handles the rest', async () => {
    const g = gate();
    const t = await agentWith({ maxPerConversation: 2 }, [g.step, reply('second'), reply('x')]);
    await t.channel.inject('first question', { id: 'm1' });
    await t.channel.inject('second question', { id: 'm2' });
    await t.channel.inject('third question', { id: 'm3' });
    expect(t.agent.queueDepth()).toEqual({ total: 2, conversations: 1, deepest: 2 });
    expect(busyReplies(t)).toHaveLength(1);
    // Another conversation is not held back by the full one.
    await t.channel.inject('status', { id: 'm4', chat: 'other' });
    g.open();
    await t.agent.idle();
    expect(t.agent.queueDepth()).toEqual({ total: 0, conversations: 0, deepest: 0 });
    const texts = t.channel.texts('general');
    expect(texts.filter((x) => x === 'done')).toHaveLength(1);
    expect(texts.filter((x) => x === 'second')).toHaveLength(1);
    expect(t.channel.texts('other')).toHaveLength(1);
    // The refused message ran nothing: two model calls, for the two queued questions.
    expect(t.model?.requests).toHaveLength(2);
    const metrics = await t.agent.metrics.registry.render();
    expect(metrics).toContain(
      'opsagent_messages_busy_total{channel="fake",bound="conversation"} 1',
    );
  });

  it('refuses beyond the overall bound across conversations', async () => {
    const g = gate();
    const t = await agentWith({ maxPerConversation: 5, maxTotal: 2 }, [g.step, reply('b')]);
    await t.channel.inject('q1', { chat: 'a' });
    await t.channel.inject('q2', { chat: 'b' });
    await t.channel.inject('q3', { chat: 'c' });
    expect(busyReplies(t, 'c')).toHaveLength(1);
    expect(t.agent.queueDepth().total).toBe(2);
    g.open();
    await t.agent.idle();
    expect(t.channel.texts('a')).toEqual(['done']);
    expect(t.channel.texts('b')).toEqual(['b']);
    const metrics = await t.agent.metrics.registry.render();
    expect(metrics).toContain('opsagent_messages_busy_total{channel="fake",bound="total"} 1');
  });

  it('handles a refused message normally when it is sent again once there is room', async () => {
    const g = gate();
    const t = await agentWith({ maxPerConversation: 1 }, [g.step, reply('retried answer')]);
    await t.channel.inject('slow question', { id: 'a1' });
    await t.channel.inject('second question', { id: 'a2' });
    expect(busyReplies(t)).toHaveLength(1);
    g.open();
    await t.agent.idle();
    await t.channel.inject('second question', { id: 'a2' });
    await t.agent.idle();
    expect(t.channel.texts()).toEqual([BUSY_REPLY, 'done', 'retried answer']);
  });

  it('drops a redelivery of a message still queued without using a slot or replying', async () => {
    const g = gate();
    const t = await agentWith({ maxPerConversation: 2 }, [g.step, reply('x')]);
    await t.channel.inject('question', { id: 'same' });
    await t.channel.inject('question', { id: 'same' });
    await t.channel.inject('question', { id: 'same' });
    expect(t.agent.queueDepth().total).toBe(1);
    g.open();
    await t.agent.idle();
    expect(t.channel.texts()).toEqual(['done']);
    // And after it was handled, the store's claim still keeps it from running twice.
    await t.channel.inject('question', { id: 'same' });
    await t.agent.idle();
    expect(t.channel.texts()).toEqual(['done']);
  });

  it('drops a redelivery of a handled message even when the queue is full, with no busy reply', async () => {
    const g = gate();
    const t = await agentWith({ maxPerConversation: 1 }, [reply('first'), g.step, reply('x')]);
    await t.channel.inject('question one', { id: 'h1' });
    await t.agent.idle();
    await t.channel.inject('question two', { id: 'h2' });
    // The conversation is full now; a redelivery of h1 (already answered) must not say "busy".
    await t.channel.inject('question one', { id: 'h1' });
    g.open();
    await t.agent.idle();
    expect(t.channel.texts()).toEqual(['first', 'done']);
  });

  it('bounds the busy replies too: with the channel stalled, further refused messages are dropped and counted', async () => {
    // A channel whose sends hang until released, as a stalled chat API would.
    let runtime: ChannelRuntime | undefined;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const stalled: Channel = {
      name: 'stalled',
      async start(rt) {
        runtime = rt;
      },
      async stop() {},
      async send(address, message) {
        await released;
        sent.push(message.blocks.map((b) => (b.type === 'text' ? b.text : b.type)).join('\n'));
        return { address, id: String(sent.length) };
      },
    };
    const agent = await createAgent({
      plugins: [definePlugin({ name: 'stalled', setup: () => ({ channels: [stalled] }) })],
      principals: [{ id: 'p', roles: ['viewer'], identities: { stalled: ['*'] } }],
      queue: { maxPerConversation: 1, maxTotal: 2 },
      monitor: { enabled: false },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const inject = (id: string, chat: string) =>
      runtime!.receive({
        id,
        channel: 'stalled',
        sender: { id: 'p' },
        address: { chat },
        text: 'help',
        receivedAt: new Date(),
      });
    await inject('1', 'a'); // queued (its reply hangs)
    await inject('2', 'b'); // queued: the overall bound is reached
    await inject('3', 'c'); // busy reply 1 (hangs)
    await inject('4', 'd'); // busy reply 2 (hangs): busy replies in flight reach the bound
    await inject('5', 'e'); // dropped, no reply
    expect(agent.queueDepth().total).toBe(2);
    release();
    await agent.idle();
    expect(sent.filter((t) => t === BUSY_REPLY)).toHaveLength(2);
    expect(sent.filter((t) => t.startsWith('Commands:'))).toHaveLength(2);
    const metrics = await agent.metrics.registry.render();
    expect(metrics).toContain('opsagent_messages_busy_total{channel="stalled",bound="total"} 3');
    expect(metrics).toContain('opsagent_messages_busy_total{channel="stalled",bound="no_reply"} 1');
  });

  it('rejects a bound that is not a whole number of at least 1, naming the field', async () => {
    for (const queue of [{ maxPerConversation: 0 }, { maxTotal: 2.5 }]) {
      const error = await createTestAgent({ queue }).catch((e: unknown) => e);
      expect(isOpsAgentError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/queue\.(maxPerConversation|maxTotal)/);
    }
  });

  it('never lets the queue grow past the bounds under a burst, and answers every message once', async () => {
    const g = gate();
    const steps = [g.step, ...Array.from({ length: 200 }, (_, i) => reply(`a${i}`))];
    const t = await agentWith({ maxPerConversation: 10, maxTotal: 25 }, steps);
    let deepest = 0;
    let total = 0;
    for (let i = 0; i < 200; i++) {
      await t.channel.inject(`q${i}`, { id: `b${i}`, chat: `c${i % 4}` });
      deepest = Math.max(deepest, t.agent.queueDepth().deepest);
      total = Math.max(total, t.agent.queueDepth().total);
    }
    expect(deepest).toBeLessThanOrEqual(10);
    expect(total).toBeLessThanOrEqual(25);
    g.open();
    await t.agent.idle();
    // Every inbound message got exactly one reply: an answer or the busy reply.
    expect(t.channel.sent).toHaveLength(200);
  });
});
