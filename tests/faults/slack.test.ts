// Slack Web API answering 429 and 5xx: the real Bolt receiver and WebClient against the fake
// Slack server. Retries hide short failures without duplicating a message; a Slack that keeps
// failing loses that one reply (logged), and every other thread is still answered.
import { Writable } from 'node:stream';
import { createSlackChannel } from '@opsagent/channel-slack';
import { createAgent, createLogger, definePlugin } from '@opsagent/core';
import {
  appMention,
  createScriptedModel,
  postSignedToSlackApp,
  reply,
  type ScriptStep,
  startFakeSlackServer,
} from '@opsagent/testkit';
import { describe, expect, it } from 'vitest';

const SECRET = 'faults-signing-secret-0123456789';
const TOKEN = 'xoxb-faults-bot-token';

/** Answers each question by its text, whatever order concurrent turns reach the model in. */
const echo: ScriptStep = (request) => {
  const last = request.messages.at(-1);
  return reply(`answer ${last && 'content' in last ? String(last.content).slice(-1) : '?'}`);
};

async function slackAgent(script: ScriptStep[]) {
  const slack = await startFakeSlackServer({ botToken: TOKEN });
  const channel = createSlackChannel({
    mode: 'http',
    botToken: TOKEN,
    signingSecret: SECRET,
    apiUrl: slack.url,
    port: 0,
    host: '127.0.0.1',
    apiRetries: 2,
  });
  let logged = '';
  const logger = createLogger({
    level: 'warn',
    pretty: false,
    destination: new Writable({
      write(chunk, _encoding, done) {
        logged += chunk;
        done();
      },
    }),
  });
  const model = createScriptedModel(script);
  const agent = await createAgent({
    principals: [{ id: 'alice', roles: ['admin'], identities: { slack: ['U_ALICE'] } }],
    monitor: { enabled: false },
    plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) })],
    model,
    logger,
  });
  await agent.start();
  const url = `http://127.0.0.1:${channel.port}/slack/events`;
  const mention = async (text: string, ts: string) => {
    const response = await postSignedToSlackApp(url, appMention({ text, ts }), {
      signingSecret: SECRET,
    });
    expect(response.status).toBe(200);
  };
  return {
    slack,
    agent,
    mention,
    logs: () => logged,
    async stop() {
      await agent.stop();
      await slack.close();
    },
  };
}

describe('Slack API 429 and 5xx', () => {
  it('retries a 429 (Retry-After) and a 503 once each: two threads answered exactly once', async () => {
    const h = await slackAgent([echo, echo]);
    try {
      h.slack.fail('chat.postMessage', { kind: 'rate_limited', retryAfter: 1 }, 1);
      h.slack.fail('chat.update', { kind: 'http', status: 503 }, 1);
      await Promise.all([
        h.mention('question A', '1700000100.000001'),
        h.mention('question B', '1700000200.000001'),
      ]);
      await h.agent.idle();
      expect(h.slack.thread('C_OPS', '1700000100.000001').map((m) => m.text)).toEqual(['answer A']);
      expect(h.slack.thread('C_OPS', '1700000200.000001').map((m) => m.text)).toEqual(['answer B']);
      const statuses = h.slack.callsTo('chat.postMessage').map((c) => c.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });

  it('a Slack that keeps failing loses that reply with a logged error; the next thread is answered', async () => {
    const h = await slackAgent([echo, echo]);
    try {
      // Every attempt (1 + 2 retries) of the progress post and of the answer fails.
      h.slack.fail('chat.postMessage', { kind: 'http', status: 500 }, 6);
      await h.mention('question A', '1700000300.000001');
      await h.agent.idle();
      expect(h.slack.thread('C_OPS', '1700000300.000001')).toEqual([]);
      expect(h.logs()).toContain('could not send a reply');
      expect(h.logs()).not.toContain(TOKEN);
      // Slack is back: the next thread is answered once, and A's question was not retried by itself.
      await h.mention('question B', '1700000400.000001');
      await h.agent.idle();
      expect(h.slack.thread('C_OPS', '1700000400.000001').map((m) => m.text)).toEqual(['answer B']);
      expect(h.slack.thread('C_OPS', '1700000300.000001')).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
