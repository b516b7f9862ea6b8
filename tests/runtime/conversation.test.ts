import { createManualClock, NO_MODEL_REPLY } from '@opsagent/core';
import { callTool, callTools, createTestAgent, reply } from '@opsagent/testkit';
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

describe('conversation flow', () => {
  it('gives an unknown sender nothing: no reply, no model call, an audit record', async () => {
    const { plugin } = createLabPlugin();
    const t = await testAgent({ plugins: [plugin], script: [reply('should never be used')] });
    const replies = await t.ask('status', { sender: 'mallory' });
    await t.ask('what is wrong?', { sender: 'mallory' });
    expect(replies).toEqual([]);
    expect(t.channel.sent).toHaveLength(0);
    expect(t.model?.requests).toHaveLength(0);
    const audit = await t.agent.store.listAudit();
    expect(audit.filter((a) => a.type === 'refusal')).toHaveLength(1);
  });

  it('answers built-in commands with no model call', async () => {
    const { plugin } = createLabPlugin();
    const t = await testAgent({ plugins: [plugin], script: [] });
    const [status] = await t.ask('status');
    expect(status).toContain('Containers');
    expect(status).toContain('3 running');
    const [help] = await t.ask('HELP');
    for (const word of ['status', 'incidents', 'pending', 'approve', 'reject', 'help'])
      expect(help).toContain(word);
    expect(await t.ask('incidents')).toEqual(['No open incidents.']);
    expect(await t.ask('pending')).toEqual(['Nothing is waiting for approval.']);
    expect(t.model?.requests).toHaveLength(0);
  });

  it('tells a question that needs a model which env vars to set when there is none', async () => {
    const t = await testAgent({});
    const replies = await t.ask('why is the disk full?');
    expect(replies).toEqual([NO_MODEL_REPLY]);
    expect(NO_MODEL_REPLY).toContain('ANTHROPIC_API_KEY');
    expect(NO_MODEL_REPLY).toContain('OPENAI_API_KEY');
    expect(NO_MODEL_REPLY).toContain('GEMINI_API_KEY');
  });

  it('runs the tools the model asks for and answers with their results', async () => {
    const { plugin } = createLabPlugin();
    const t = await testAgent({
      plugins: [plugin],
      script: [callTool('list_containers', { host: 'sagan' }), reply('web is unhealthy on sagan')],
    });
    const replies = await t.ask('which containers are unhealthy?');
    expect(replies.at(-1)).toBe('web is unhealthy on sagan');
    const second = t.model!.requests[1]!;
    // Every round's usage counts towards this conversation (channel|chat|thread).
    expect(t.model!.requests.map((r) => r.attribution?.conversation)).toEqual([
      second.attribution?.conversation,
      second.attribution?.conversation,
    ]);
    expect(second.attribution?.conversation).toMatch(/^[^|]+\|[^|]+\|/);
    const toolMessage = second.messages.at(-1);
    expect(toolMessage).toMatchObject({
      role: 'tool',
      results: [{ name: 'list_containers', isError: false }],
    });
    expect(JSON.stringify(toolMessage)).toContain('sagan: web (unhealthy)');
    // The system prompt carries the source's context, delimited as data.
    expect(second.system).toContain('<context source="lab">');
    expect(second.tools.map((tool) => tool.name)).toEqual([
      'list_containers',
      'propose_remediation',
    ]);
    const audit = await t.agent.store.listAudit();
    expect(
      audit.some(
        (a) => a.type === 'tool_call' && a.subject === 'list_containers' && a.actor === 'alice',
      ),
    ).toBe(true);
  });

  it('shows the working indicator and progress (updated in place) while it works', async () => {
    const { plugin } = createLabPlugin();
    const t = await testAgent({
      plugins: [plugin],
      script: [callTool('list_containers'), reply('done')],
    });
    await t.ask('check the lab');
    expect(t.channel.working).toHaveLength(1);
    expect(t.channel.sent).toHaveLength(1);
    expect(t.channel.sent[0]!.updates).toBe(2);
    expect(t.channel.sent[0]!.text).toBe('done');
  });

  it('runs parallel tool calls together and returns every result', async () => {
    const { plugin } = createLabPlugin({ toolDelayMs: 50 });
    const t = await testAgent({
      plugins: [plugin],
      script: [
        callTools(
          { name: 'list_containers', input: { host: 'a' } },
          { name: 'list_containers', input: { host: 'b' } },
        ),
        reply('ok'),
      ],
    });
    await t.ask('compare a and b');
    const results = t.model!.requests[1]!.messages.at(-1);
    expect(results).toMatchObject({
      role: 'tool',
      results: [
        { output: expect.stringContaining('a:') },
        { output: expect.stringContaining('b:') },
      ],
    });
  });

  it('turns a tool timeout, an unknown tool and invalid input into error results the model sees', async () => {
    const { plugin } = createLabPlugin({ toolDelayMs: 5_000 });
    const t = await testAgent({
      plugins: [plugin],
      agent: { toolTimeoutMs: 50 },
      script: [
        callTools(
          { name: 'list_containers' },
          { name: 'rm_rf' },
          { name: 'list_containers', input: { host: 42 } },
        ),
        reply('some checks failed'),
      ],
    });
    expect(await t.ask('go')).toContain('some checks failed');
    const results = t.model!.requests[1]!.messages.at(-1);
    if (results?.role !== 'tool') throw new Error('expected tool results');
    expect(results.results.map((r) => r.isError)).toEqual([true, true, true]);
    expect(results.results[0]!.output).toContain('timed out');
    expect(results.results[1]!.output).toContain('unknown tool "rm_rf"');
    expect(results.results[2]!.output).toContain('invalid input');
  });

  it('caps tool output and says how much was cut', async () => {
    const { plugin } = createLabPlugin({ toolOutput: 'x'.repeat(5000) });
    const t = await testAgent({
      plugins: [plugin],
      agent: { toolOutputLimit: 100 },
      script: [callTool('list_containers'), reply('ok')],
    });
    await t.ask('go');
    const results = t.model!.requests[1]!.messages.at(-1);
    if (results?.role !== 'tool') throw new Error('expected tool results');
    expect(results.results[0]!.output).toContain('[output truncated: 4900 more characters]');
  });

  it('stops after the round limit and asks for an answer without tools', async () => {
    const { plugin } = createLabPlugin();
    const t = await testAgent({
      plugins: [plugin],
      agent: { maxRounds: 2 },
      script: [
        callTool('list_containers'),
        callTool('list_containers'),
        reply('best effort answer'),
      ],
    });
    expect(await t.ask('loop forever')).toContain('best effort answer');
    expect(t.model!.requests).toHaveLength(3);
    expect(t.model!.requests[2]!.tools).toEqual([]);
  });

  it('keeps history per thread and sends only the last N messages', async () => {
    const t = await testAgent({
      conversation: { historyLimit: 4 },
      script: [reply('one'), reply('two'), reply('three'), reply('other thread')],
    });
    await t.ask('q1', { thread: 't1' });
    await t.ask('q2', { thread: 't1' });
    await t.ask('q3', { thread: 't1' });
    await t.ask('q-other', { thread: 't2' });
    const third = t.model!.requests[2]!.messages;
    expect(third.map((m) => (m.role === 'tool' ? 'tool' : m.content))).toEqual([
      'q1',
      'one',
      'q2',
      'two',
      'q3',
    ]);
    expect(t.model!.requests[3]!.messages).toEqual([{ role: 'user', content: 'q-other' }]);
  });

  it('closes a conversation after the inactivity timeout with a note, and starts afresh', async () => {
    const clock = createManualClock();
    const t = await testAgent({
      clock,
      conversation: { idleTimeoutMs: 30 * 60_000 },
      script: [reply('first'), reply('fresh')],
    });
    await t.ask('hello', { thread: 'th' });
    clock.advance(29 * 60_000);
    await t.agent.sweep();
    expect(t.channel.texts()).toEqual(['first']);
    clock.advance(2 * 60_000);
    await t.agent.sweep();
    expect(t.channel.texts().at(-1)).toContain(
      'Closing this conversation after 30 min of inactivity',
    );
    expect(t.channel.sent.at(-1)!.address).toEqual({ chat: 'general', thread: 'th' });
    await t.ask('again', { thread: 'th' });
    expect(t.model!.requests[1]!.messages).toEqual([{ role: 'user', content: 'again' }]);
  });

  it('handles messages of one conversation in order and conversations concurrently', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await testAgent({
      script: [
        async () => {
          order.push('slow-start');
          await gate;
          order.push('slow-end');
          return reply('slow');
        },
        async () => {
          order.push('other');
          release();
          return reply('other');
        },
        async () => {
          order.push('second-in-thread');
          return reply('after slow');
        },
      ],
    });
    await t.channel.inject('slow question', { thread: 'a' });
    await t.channel.inject('follow-up', { thread: 'a' });
    await t.channel.inject('other question', { thread: 'b' });
    await t.agent.idle();
    expect(order).toEqual(['slow-start', 'other', 'slow-end', 'second-in-thread']);
  });

  it('handles a repeated delivery of the same message once', async () => {
    const t = await testAgent({ script: [reply('once')] });
    await t.channel.inject('hi', { id: 'evt-1' });
    await t.channel.inject('hi', { id: 'evt-1' });
    await t.agent.idle();
    expect(t.channel.texts()).toEqual(['once']);
  });

  it('answers a model outage with a clear reply and keeps serving', async () => {
    const t = await testAgent({ script: [{ throws: new Error('503 overloaded') }, reply('back')] });
    const [first] = await t.ask('q1');
    expect(first).toContain('could not answer');
    expect(first).toContain('503 overloaded');
    expect(await t.ask('status')).toHaveLength(1);
    expect(await t.ask('q2')).toEqual(['back']);
  });

  it('keeps secrets from the environment out of prompts and replies', async () => {
    const secret = 'xoxb-canary-1234567890';
    const { plugin } = createLabPlugin({ toolOutput: `token=${secret}` });
    const t = await testAgent({
      plugins: [plugin],
      env: { SLACK_BOT_TOKEN: secret },
      script: [callTool('list_containers'), reply(`the token is ${secret}`)],
    });
    const replies = await t.ask(`is ${secret} valid?`);
    expect(JSON.stringify(t.model!.requests)).not.toContain(secret);
    expect(replies.join('\n')).not.toContain(secret);
  });
});
