import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, defineTool, SqliteStore } from '@opsagent/core';
import {
  appMention,
  callTool,
  messageEvent,
  postSignedToSlackApp,
  reply,
  startFakeSlackServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SECRET, type SlackHarness, startSlackAgent, TOKEN } from './__fixtures__/harness.js';

const harnesses: SlackHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

async function start(...args: Parameters<typeof startSlackAgent>) {
  const h = await startSlackAgent(...args);
  harnesses.push(h);
  return h;
}

const ec2Tool = defineTool({
  name: 'describe_instances',
  description: 'lists EC2 instances',
  input: z.object({}),
  async run() {
    return 'i-0abc running t3.micro';
  },
});
const toolPlugin = { name: 'aws-fake', setup: () => ({ tools: [ec2Tool] }) };

describe('Slack Events API over HTTP (real Bolt receiver)', () => {
  it('answers a signed app_mention in its thread, updating "Investigating…" in place', async () => {
    const h = await start({
      script: [callTool('describe_instances'), reply('**One** instance: `i-0abc` is running.')],
      agent: { plugins: [toolPlugin] },
    });
    const event = appMention({ text: 'what is running?', ts: '1700000000.000100' });
    const response = await postSignedToSlackApp(h.url, event, { signingSecret: SECRET });
    expect(response.status).toBe(200);
    await h.agent.idle();

    const posts = h.slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args).toMatchObject({ channel: 'C_OPS', thread_ts: '1700000000.000100' });
    expect(posts[0]!.args.text).toContain('Investigating');
    expect(posts[0]!.token).toBe(TOKEN);
    const updates = h.slack.callsTo('chat.update');
    const investigating = h.slack.thread('C_OPS', '1700000000.000100')[0]!;
    expect(updates.length).toBeGreaterThanOrEqual(2);
    for (const update of updates) expect(update.args.ts).toBe(investigating.ts);
    expect(updates.some((u) => String(u.args.text).includes('describe_instances'))).toBe(true);
    const final = h.slack.thread('C_OPS', '1700000000.000100');
    expect(final).toHaveLength(1);
    expect(final[0]!.text).toBe('*One* instance: `i-0abc` is running.');
    expect(final[0]!.updates).toBeGreaterThanOrEqual(2);
    // The model saw the question without the bot mention.
    expect(h.model.requests[0]!.messages.at(-1)).toEqual({
      role: 'user',
      content: 'what is running?',
    });
  });

  it('keeps one conversation per thread: a reply in the thread carries the history', async () => {
    const h = await start({ script: [reply('first answer'), reply('second answer')] });
    await postSignedToSlackApp(h.url, appMention({ text: 'one', ts: '1700000001.000001' }), {
      signingSecret: SECRET,
    });
    await h.agent.idle();
    await postSignedToSlackApp(
      h.url,
      appMention({ text: 'two', ts: '1700000002.000001', threadTs: '1700000001.000001' }),
      { signingSecret: SECRET },
    );
    await h.agent.idle();
    const second = h.model.requests[1]!.messages.map((m) => ('content' in m ? m.content : ''));
    expect(second).toEqual(['one', 'first answer', 'two']);
    for (const post of h.slack.callsTo('chat.postMessage')) {
      expect(post.args.thread_ts).toBe('1700000001.000001');
    }
  });

  it('closes a thread after 30 minutes of inactivity with a note in the thread', async () => {
    const clock = createManualClock(new Date());
    const h = await start({
      script: [reply('first'), reply('fresh start')],
      agent: { clock, conversation: { idleTimeoutMs: 30 * 60_000 } },
    });
    await postSignedToSlackApp(h.url, appMention({ text: 'q1', ts: '1700000020.000001' }), {
      signingSecret: SECRET,
    });
    await h.agent.idle();
    clock.advance(29 * 60_000);
    await h.agent.sweep();
    expect(h.slack.thread('C_OPS', '1700000020.000001')).toHaveLength(1);
    clock.advance(2 * 60_000);
    await h.agent.sweep();
    const thread = h.slack.thread('C_OPS', '1700000020.000001');
    expect(thread.map((m) => m.text)).toEqual([
      'first',
      'Closing this conversation after 30 min of inactivity. Write again to start a new one.',
    ]);
    // A new mention in the thread starts afresh: no history goes to the model.
    await postSignedToSlackApp(
      h.url,
      appMention({ text: 'q2', ts: '1700000021.000001', threadTs: '1700000020.000001' }),
      { signingSecret: SECRET },
    );
    await h.agent.idle();
    expect(h.model.requests[1]!.messages).toEqual([{ role: 'user', content: 'q2' }]);
  });

  it.each([
    ['a wrong signature', { signature: 'v0=deadbeef' }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
    ['missing signature headers', { unsigned: true }],
  ])('rejects %s with 401 and processes nothing', async (_name, tamper) => {
    const h = await start({ script: [reply('should not happen')] });
    const response = await postSignedToSlackApp(h.url, appMention({ text: 'hello' }), {
      signingSecret: SECRET,
      ...tamper,
    });
    expect(response.status).toBe(401);
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(0);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  it('rejects a body signed with another secret', async () => {
    const h = await start({ script: [reply('no')] });
    const response = await postSignedToSlackApp(h.url, appMention({ text: 'x' }), {
      signingSecret: 'another-secret',
    });
    expect(response.status).toBe(401);
    expect(h.model.requests).toHaveLength(0);
  });

  it('answers url_verification with the challenge', async () => {
    const h = await start();
    const response = await postSignedToSlackApp(
      h.url,
      { token: 'x', challenge: 'c-123-abc', type: 'url_verification' },
      { signingSecret: SECRET },
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain('c-123-abc');
  });

  it('processes a retried event (same event_id, X-Slack-Retry-Num) once', async () => {
    const h = await start({ script: [reply('answered once')] });
    const event = appMention({ text: 'hello', eventId: 'EvRETRY1' });
    expect((await postSignedToSlackApp(h.url, event, { signingSecret: SECRET })).status).toBe(200);
    for (const retryNum of [1, 2, 3]) {
      const response = await postSignedToSlackApp(h.url, event, {
        signingSecret: SECRET,
        retryNum,
      });
      expect(response.status).toBe(200);
    }
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    // The bot's identity comes from one auth.test at start, not one per event.
    expect(h.slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('processes an event once across two instances sharing one SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slack-shared-'));
    try {
      const slack = await startFakeSlackServer({ botToken: TOKEN });
      const path = join(dir, 'shared.db');
      const a = await start({
        slack,
        script: [reply('from A')],
        agent: { store: new SqliteStore({ path }) },
      });
      const b = await start({
        slack,
        script: [reply('from B')],
        agent: { store: new SqliteStore({ path }) },
      });
      const event = appMention({ text: 'who answers?', eventId: 'EvSHARED1' });
      const [ra, rb] = await Promise.all([
        postSignedToSlackApp(a.url, event, { signingSecret: SECRET }),
        postSignedToSlackApp(b.url, event, { signingSecret: SECRET, retryNum: 1 }),
      ]);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      await Promise.all([a.agent.idle(), b.agent.idle()]);
      expect(a.model.requests.length + b.model.requests.length).toBe(1);
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      for (const h of harnesses.splice(0)) await h.stop();
      await slack.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a direct message, and ignores bot messages and edits', async () => {
    const h = await start({ script: [reply('dm answer')] });
    for (const event of [
      messageEvent({ text: 'from a bot', botId: 'B_OTHER', subtype: 'bot_message' }),
      messageEvent({ text: 'edited', subtype: 'message_changed' }),
      messageEvent({ text: 'deleted', subtype: 'message_deleted' }),
      messageEvent({ text: 'mine', user: 'U_BOT' }),
      messageEvent({ text: 'hello there', ts: '1700000005.000001' }),
    ]) {
      expect((await postSignedToSlackApp(h.url, event, { signingSecret: SECRET })).status).toBe(
        200,
      );
    }
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(1);
    expect(h.model.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'hello there' });
    const post = h.slack.callsTo('chat.postMessage')[0]!;
    expect(post.args.channel).toBe('D_ALICE');
    // Top-level DMs are one conversation with the person, answered in the DM itself.
    expect(post.args.thread_ts).toBeUndefined();
    const dm = [...h.slack.messages.values()].filter((m) => m.channel === 'D_ALICE');
    expect(dm.map((m) => m.text)).toEqual(['dm answer']);
  });

  it('refuses people outside the allowlist politely, and runs nothing', async () => {
    const h = await start({
      script: [reply('never')],
      channel: { allow: { users: ['U_ALICE'], teams: ['T_FAKE'] } },
    });
    const event = appMention({ text: 'let me in', user: 'U_MALLORY', eventId: 'EvMAL1' });
    await postSignedToSlackApp(h.url, event, { signingSecret: SECRET });
    await postSignedToSlackApp(h.url, event, { signingSecret: SECRET, retryNum: 1 });
    await postSignedToSlackApp(h.url, appMention({ text: 'other team', teamId: 'T_OTHER' }), {
      signingSecret: SECRET,
    });
    await h.slack.waitFor(
      (calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length >= 2,
    );
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(0);
    const refusals = h.slack.callsTo('chat.postEphemeral');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]!.args).toMatchObject({ user: 'U_MALLORY', channel: 'C_OPS' });
    expect(String(refusals[0]!.args.text)).toContain('Sorry');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('splits a long answer into several messages in the thread', async () => {
    const paragraph = `${'word '.repeat(150).trim()}.`;
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${paragraph}`).join('\n\n');
    const h = await start({ script: [reply(long)] });
    await postSignedToSlackApp(h.url, appMention({ text: 'explain', ts: '1700000009.000001' }), {
      signingSecret: SECRET,
    });
    await h.agent.idle();
    const thread = h.slack.thread('C_OPS', '1700000009.000001');
    expect(thread.length).toBeGreaterThan(1);
    for (const message of thread) expect(message.text.length).toBeLessThanOrEqual(3_500);
    expect(thread.map((m) => m.text).join('\n\n')).toContain('Paragraph 11');
    expect(thread[0]!.text.startsWith('Paragraph 0')).toBe(true);
  });

  it('retries Web API calls that get 429 with Retry-After, and 5xx', async () => {
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    const h = await start({ slack, script: [reply('despite the rate limit')] });
    slack.fail('chat.postMessage', { kind: 'rate_limited', retryAfter: 1 });
    slack.fail('chat.update', { kind: 'http', status: 503 });
    await postSignedToSlackApp(h.url, appMention({ text: 'hi', ts: '1700000010.000001' }), {
      signingSecret: SECRET,
    });
    await h.agent.idle();
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(slack.callsTo('chat.update').map((c) => c.status)).toEqual([503, 200]);
    expect(slack.thread('C_OPS', '1700000010.000001')[0]!.text).toBe('despite the rate limit');
    await h.stop();
    harnesses.splice(0);
    await slack.close();
  });
});

describe('odd signed requests over HTTP (found by fuzzing)', () => {
  it('answers a signed body that is JSON but not an object with 400, instead of never answering', async () => {
    const h = await start({ script: [reply('never')] });
    for (const body of ['null', '[]', '42', '"text"']) {
      const response = await postSignedToSlackApp(h.url, body, {
        signingSecret: SECRET,
        contentType: 'application/json',
      });
      expect(response.status).toBe(400);
    }
    // The receiver still works afterwards.
    const ok = await postSignedToSlackApp(h.url, appMention({ text: 'still here' }), {
      signingSecret: SECRET,
    });
    expect(ok.status).toBe(200);
  });

  it('drops a signed request dated more than five minutes ahead', async () => {
    const h = await start({ script: [reply('never')] });
    await postSignedToSlackApp(h.url, appMention({ text: 'from the future' }), {
      signingSecret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) + 600,
    });
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(0);
  });

  it('answers a signed request no listener handles (a shortcut) at once with 200', async () => {
    const h = await start();
    const response = await postSignedToSlackApp(
      h.url,
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'shortcut',
          callback_id: 'unknown',
          trigger_id: '1.2.3',
          user: { id: 'U_ALICE', team_id: 'T_FAKE' },
          team: { id: 'T_FAKE' },
        }),
      }).toString(),
      { signingSecret: SECRET },
    );
    expect(response.status).toBe(200);
  });
});
