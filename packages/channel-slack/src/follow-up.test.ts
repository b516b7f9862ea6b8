import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, SqliteStore } from '@opsagent/core';
import {
  apiGatewayEvent,
  appMention,
  type FakeSlackSocketServer,
  messageEvent,
  postSignedToSlackApp,
  reply,
  startFakeSlackServer,
  startFakeSlackSocketServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, type SlackHarness, startSlackAgent, TOKEN } from './__fixtures__/harness.js';
import type { LambdaEvent } from './channel.js';

// Follow-ups: once the bot answered in a channel thread, a later reply there by an allowed person
// is the next turn without a new mention, until the conversation's inactivity timeout closes it.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(...args: Parameters<typeof startSlackAgent>) {
  const h = await startSlackAgent(...args);
  cleanups.push(() => h.stop());
  return h;
}

const THREAD = '1700001000.000001';

/** A reply in a channel thread as `message.channels` delivers it. */
function threadReply(
  text: string,
  ts: string,
  extra: Partial<Parameters<typeof messageEvent>[0]> = {},
) {
  return messageEvent({
    text,
    ts,
    threadTs: THREAD,
    channel: 'C_OPS',
    channelType: 'channel',
    ...extra,
  });
}

const userTexts = (h: SlackHarness, request: number) =>
  h.model.requests[request]!.messages.filter((m) => m.role === 'user').map((m) =>
    'content' in m ? m.content : '',
  );

describe('thread follow-ups over the Events API (HTTP receiver)', () => {
  async function ask(h: SlackHarness, body: Record<string, unknown>, retryNum?: number) {
    const response = await postSignedToSlackApp(h.url, body, {
      signingSecret: SECRET,
      ...(retryNum ? { retryNum } : {}),
    });
    expect(response.status).toBe(200);
    await h.agent.idle();
  }

  it('answers a reply in a thread the bot answered in, without a new mention, with the history', async () => {
    const h = await start({ script: [reply('first answer'), reply('second answer')] });
    await ask(h, appMention({ text: 'is web-1 up?', ts: THREAD }));
    await ask(h, threadReply('and web-2?', '1700001001.000001'));
    expect(h.model.requests).toHaveLength(2);
    expect(userTexts(h, 1)).toEqual(['is web-1 up?', 'and web-2?']);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual([
      'first answer',
      'second answer',
    ]);
  });

  it('ignores replies in threads without an open conversation, top-level messages, bots, edits and its own posts', async () => {
    const h = await start({ script: [reply('only answer')] });
    // A thread the bot never took part in.
    await ask(h, threadReply('talking among ourselves', '1700001002.000001'));
    // A top-level channel message without a mention.
    await ask(
      h,
      messageEvent({
        text: 'deploy done',
        ts: '1700001003.000001',
        channel: 'C_OPS',
        channelType: 'channel',
      }),
    );
    expect(h.model.requests).toHaveLength(0);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);

    await ask(h, appMention({ text: 'is web-1 slow?', ts: THREAD }));
    expect(h.model.requests).toHaveLength(1);
    for (const event of [
      threadReply('from a bot', '1700001004.000001', { botId: 'B_OTHER', subtype: 'bot_message' }),
      threadReply('edited', '1700001005.000001', { subtype: 'message_changed' }),
      threadReply('deleted', '1700001006.000001', { subtype: 'message_deleted' }),
      threadReply('channel_join', '1700001007.000001', { subtype: 'channel_join' }),
      threadReply('my own post', '1700001008.000001', { user: 'U_BOT' }),
    ]) {
      await ask(h, event);
    }
    // The thread's parent itself, as message.channels delivers it (no thread_ts yet).
    await ask(
      h,
      messageEvent({
        text: '<@U_BOT> is web-1 slow?',
        ts: THREAD,
        channel: 'C_OPS',
        channelType: 'channel',
      }),
    );
    expect(h.model.requests).toHaveLength(1);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual(['only answer']);
  });

  it('answers a reply that also mentions the bot once (app_mention + message, retries, either order)', async () => {
    const h = await start({ script: [reply('first'), reply('second'), reply('third')] });
    await ask(h, appMention({ text: 'q1', ts: THREAD }));
    // The mention first, then the message event of the same reply, then retries of both.
    const mention = appMention({ text: 'q2', ts: '1700001010.000001', threadTs: THREAD });
    const message = threadReply('<@U_BOT> q2', '1700001010.000001');
    await ask(h, mention);
    await ask(h, message);
    await ask(h, message, 1);
    await ask(h, mention, 2);
    expect(h.model.requests).toHaveLength(2);
    // The message event first.
    const mention3 = appMention({ text: 'q3', ts: '1700001011.000001', threadTs: THREAD });
    const message3 = threadReply('<@U_BOT> q3', '1700001011.000001');
    await Promise.all([ask(h, message3), ask(h, mention3)]);
    expect(h.model.requests).toHaveLength(3);
    expect(userTexts(h, 2)).toEqual(['q1', 'q2', 'q3']);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('a mention in a thread the bot is not in still starts a conversation when its message event comes first', async () => {
    const h = await start({ script: [reply('hello there')] });
    const ts = '1700001012.000001';
    await ask(h, threadReply('<@U_BOT> can you look at this?', ts));
    await ask(h, appMention({ text: 'can you look at this?', ts, threadTs: THREAD }));
    expect(h.model.requests).toHaveLength(1);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual(['hello there']);
  });

  it('answers the mention + message pair of one reply once across two instances sharing a store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slack-followup-'));
    try {
      const slack = await startFakeSlackServer({ botToken: TOKEN });
      cleanups.push(() => slack.close());
      const path = join(dir, 'shared.db');
      const a = await start({
        slack,
        script: [reply('from A'), reply('from A again')],
        agent: { store: new SqliteStore({ path }) },
      });
      const b = await start({
        slack,
        script: [reply('from B'), reply('from B again')],
        agent: { store: new SqliteStore({ path }) },
      });
      await ask(a, appMention({ text: 'q1', ts: THREAD }));
      const ts = '1700001013.000001';
      const mention = appMention({ text: 'q2', ts, threadTs: THREAD });
      const message = threadReply('<@U_BOT> q2', ts);
      const plain = threadReply('q3', '1700001014.000001');
      await Promise.all([ask(a, mention), ask(b, message), ask(b, mention, 1)]);
      // A plain follow-up delivered to both (Slack retried it to the other instance).
      await Promise.all([ask(a, plain), ask(b, plain, 1)]);
      expect(a.model.requests.length + b.model.requests.length).toBe(3);
      expect(slack.thread('C_OPS', THREAD)).toHaveLength(3);
    } finally {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores follow-ups from people the allowlist refuses, and refuses their mention once', async () => {
    const h = await start({
      script: [reply('for alice'), reply('alice again')],
      channel: { allow: { users: ['U_ALICE'] } },
    });
    await ask(h, appMention({ text: 'q1', ts: THREAD }));
    // Victor is not on the allowlist: talking in the thread is not talking to the bot.
    await ask(h, threadReply('I think it is DNS', '1700001020.000001', { user: 'U_VICTOR' }));
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    // His mention in the thread (app_mention + message) gets the refusal once, privately.
    const ts = '1700001021.000001';
    await ask(h, appMention({ text: 'restart web-1', ts, threadTs: THREAD, user: 'U_VICTOR' }));
    await ask(h, threadReply('<@U_BOT> restart web-1', ts, { user: 'U_VICTOR' }));
    const refusals = h.slack.callsTo('chat.postEphemeral');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.args).toMatchObject({ user: 'U_VICTOR', thread_ts: THREAD });
    // Alice's follow-up is still the next turn, and Victor's words never reached the model.
    await ask(h, threadReply('so?', '1700001022.000001'));
    expect(h.model.requests).toHaveLength(2);
    expect(userTexts(h, 1)).toEqual(['q1', 'so?']);
  });

  it('ignores follow-ups from people who are no principal, without an audit record', async () => {
    const h = await start({ script: [reply('answer')] });
    await ask(h, appMention({ text: 'q1', ts: THREAD }));
    await ask(h, threadReply('who is this bot?', '1700001023.000001', { user: 'U_STRANGER' }));
    expect(h.model.requests).toHaveLength(1);
    expect(await h.agent.store.listAudit()).not.toContainEqual(
      expect.objectContaining({ type: 'refusal' }),
    );
  });

  it('after the inactivity timeout, a reply without a mention is ignored and a mention starts afresh', async () => {
    const clock = createManualClock(new Date());
    const h = await start({
      script: [reply('first'), reply('within the timeout'), reply('fresh start')],
      agent: { clock, conversation: { idleTimeoutMs: 30 * 60_000 } },
    });
    await ask(h, appMention({ text: 'q1', ts: THREAD }));
    clock.advance(29 * 60_000);
    await ask(h, threadReply('q2', '1700001030.000001'));
    expect(h.model.requests).toHaveLength(2);
    // 31 minutes of quiet: the conversation is over even before the sweep closes it.
    clock.advance(31 * 60_000);
    await ask(h, threadReply('q3', '1700001031.000001'));
    expect(h.model.requests).toHaveLength(2);
    await h.agent.sweep();
    await ask(h, threadReply('q4', '1700001032.000001'));
    expect(h.model.requests).toHaveLength(2);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual([
      'first',
      'within the timeout',
      'Closing this conversation after 30 min of inactivity. Write again to start a new one.',
    ]);
    // A mention opens it again, without the old history; the ignored q3 was not claimed, so a
    // mention of the same message is not mistaken for a duplicate.
    await ask(h, appMention({ text: 'q3', ts: '1700001031.000001', threadTs: THREAD }));
    expect(h.model.requests).toHaveLength(3);
    expect(userTexts(h, 2)).toEqual(['q3']);
  });

  it('with threads.followUp false, only mentions continue a thread', async () => {
    const h = await start({
      script: [reply('first'), reply('second')],
      channel: { threads: { followUp: false } },
    });
    await ask(h, appMention({ text: 'q1', ts: THREAD }));
    await ask(h, threadReply('q2', '1700001040.000001'));
    expect(h.model.requests).toHaveLength(1);
    await ask(h, appMention({ text: 'q3', ts: '1700001041.000001', threadTs: THREAD }));
    expect(h.model.requests).toHaveLength(2);
  });
});

describe('thread follow-ups through the Lambda handler', () => {
  it('answers a follow-up before the invocation returns, and a mention + message pair once', async () => {
    const h = await start({
      script: [reply('first'), reply('second'), reply('third')],
      channel: { mode: 'lambda' },
    });
    const handler = h.channel.lambdaHandler({ settle: () => h.agent.idle() });
    const invoke = async (body: Record<string, unknown>) => {
      const response = await handler(
        apiGatewayEvent(body, { signingSecret: SECRET }) as unknown as LambdaEvent,
        {},
      );
      expect(response.statusCode).toBe(200);
    };
    await invoke(appMention({ text: 'q1', ts: THREAD }));
    await invoke(threadReply('q2', '1700001060.000001'));
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual(['first', 'second']);
    const ts = '1700001061.000001';
    await invoke(threadReply('<@U_BOT> q3', ts));
    await invoke(appMention({ text: 'q3', ts, threadTs: THREAD }));
    await invoke(threadReply('elsewhere', '1700001062.000001', { threadTs: '1700000001.000001' }));
    expect(h.model.requests).toHaveLength(3);
    expect(userTexts(h, 2)).toEqual(['q1', 'q2', 'q3']);
  });
});

describe('thread follow-ups over Socket Mode', () => {
  async function socketAgent(): Promise<{ h: SlackHarness; socket: FakeSlackSocketServer }> {
    const socket = await startFakeSlackSocketServer({ pingIntervalMs: 1_000 });
    const slack = await startFakeSlackServer({ botToken: TOKEN, appToken: 'xapp-1-test' });
    slack.setSocketUrl(socket.url);
    const h = await startSlackAgent({
      slack,
      script: [reply('first'), reply('second'), reply('third')],
      channel: { mode: 'socket', appToken: 'xapp-1-test' },
    });
    cleanups.push(async () => {
      await h.stop();
      await socket.close();
      await slack.close();
    });
    await socket.waitForConnection();
    return { h, socket };
  }

  it('answers a follow-up, ignores one in a foreign thread, and answers a mention + message pair once', async () => {
    const { h, socket } = await socketAgent();
    const deliver = async (body: Record<string, unknown>, retryAttempt?: number) => {
      const ack = await socket.deliver('events_api', body, {
        ...(retryAttempt ? { retryAttempt, retryReason: 'timeout' } : {}),
      });
      expect(ack.envelope_id).toBeTruthy();
      await h.agent.idle();
    };
    await deliver(appMention({ text: 'q1', ts: THREAD }));
    await deliver(threadReply('q2', '1700001050.000001'));
    expect(h.model.requests).toHaveLength(2);
    expect(userTexts(h, 1)).toEqual(['q1', 'q2']);
    // A reply in a thread the bot is not in.
    await deliver(
      messageEvent({
        text: 'not for the bot',
        ts: '1700001051.000001',
        threadTs: '1700000999.000001',
        channel: 'C_OPS',
        channelType: 'channel',
      }),
    );
    expect(h.model.requests).toHaveLength(2);
    // One reply with a mention: both events, and a retry of each.
    const ts = '1700001052.000001';
    const mention = appMention({ text: 'q3', ts, threadTs: THREAD });
    const message = threadReply('<@U_BOT> q3', ts);
    await deliver(message);
    await deliver(mention);
    await deliver(mention, 1);
    await deliver(message, 1);
    expect(h.model.requests).toHaveLength(3);
    expect(h.slack.thread('C_OPS', THREAD).map((m) => m.text)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });
});
