import {
  apiGatewayEvent,
  appMention,
  type FakeSlackSocketServer,
  reply,
  slashCommandForm,
  startFakeSlackServer,
  startFakeSlackSocketServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, type SlackHarness, startSlackAgent, TOKEN } from './__fixtures__/harness.js';
import type { LambdaEvent } from './channel.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls `check` until it holds (5 s at most). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

async function lambdaAgent(script = [reply('answered from Lambda')]) {
  const h = await startSlackAgent({ script, channel: { mode: 'lambda' } });
  cleanups.push(() => h.stop());
  const handler = h.channel.lambdaHandler({ settle: () => h.agent.idle() });
  return { h, handler };
}

describe('AWS Lambda handler (API Gateway event in, response out)', () => {
  it('answers a signed app_mention before the invocation returns', async () => {
    const { h, handler } = await lambdaAgent();
    const event = apiGatewayEvent(appMention({ text: 'hi', ts: '1700000300.000001' }), {
      signingSecret: SECRET,
    });
    const response = await handler(event as unknown as LambdaEvent, {});
    expect(response.statusCode).toBe(200);
    // `settle` waited for the work: the answer is in the thread when the handler returns.
    const thread = h.slack.thread('C_OPS', '1700000300.000001');
    expect(thread.map((m) => m.text)).toEqual(['answered from Lambda']);
  });

  it('rejects a bad signature with 401 and runs nothing', async () => {
    const { h, handler } = await lambdaAgent();
    const event = apiGatewayEvent(appMention({ text: 'hi' }), {
      signingSecret: SECRET,
      signature: 'v0=0000',
    });
    const response = await handler(event as unknown as LambdaEvent, {});
    expect(response.statusCode).toBe(401);
    expect(h.model.requests).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers bodies Bolt cannot read with 400 or an ignoring 200, never a throw or 500 (found by fuzzing)', async () => {
    const { h, handler } = await lambdaAgent();
    // Not JSON, signed and unsigned: Bolt threw a SyntaxError out of the handler.
    const notJson = apiGatewayEvent('token=x&user_id=U1', {
      signingSecret: SECRET,
      contentType: 'application/json',
    });
    expect((await handler(notJson as unknown as LambdaEvent, {})).statusCode).toBe(400);
    const unsigned = apiGatewayEvent('{', { signingSecret: SECRET, unsigned: true });
    expect((await handler(unsigned as unknown as LambdaEvent, {})).statusCode).toBe(401);
    const noHeaders = { ...apiGatewayEvent('{', { signingSecret: SECRET }), headers: null };
    expect((await handler(noHeaders as unknown as LambdaEvent, {})).statusCode).toBe(401);
    // JSON that is not an object.
    const nullBody = apiGatewayEvent('null', {
      signingSecret: SECRET,
      contentType: 'application/json',
    });
    expect((await handler(nullBody as unknown as LambdaEvent, {})).statusCode).toBe(400);
    // A signed event with "user": null made Bolt answer 500 (and Slack retry): now ignored.
    const odd = appMention({ text: 'hi' });
    (odd.event as Record<string, unknown>).user = null;
    const response = await handler(
      apiGatewayEvent(odd, { signingSecret: SECRET }) as unknown as LambdaEvent,
      {},
    );
    expect(response.statusCode).toBe(200);
    expect(h.model.requests).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('ignores an app_mention whose channel is an object instead of failing the listener (found by fuzzing)', async () => {
    const failures: string[] = [];
    const logger = {
      trace() {},
      debug() {},
      info() {},
      warn() {},
      error(_fields: unknown, message?: string) {
        failures.push(String(message));
      },
      child() {
        return logger;
      },
    };
    const h = await startSlackAgent({
      script: [reply('never')],
      channel: { mode: 'lambda' },
      agent: { logger },
    });
    cleanups.push(() => h.stop());
    const handler = h.channel.lambdaHandler({ settle: () => h.agent.idle() });
    const odd = appMention({ text: 'hi' });
    (odd.event as Record<string, unknown>).channel = { id: 'C_OPS' };
    const response = await handler(
      apiGatewayEvent(odd, { signingSecret: SECRET }) as unknown as LambdaEvent,
      {},
    );
    expect(response.statusCode).toBe(200);
    expect(failures).toEqual([]);
    expect(h.model.requests).toHaveLength(0);
  });

  it('refuses a correctly signed request dated more than five minutes ahead (found by fuzzing)', async () => {
    const { h, handler } = await lambdaAgent();
    const event = apiGatewayEvent(appMention({ text: 'from the future' }), {
      signingSecret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) + 600,
    });
    expect((await handler(event as unknown as LambdaEvent, {})).statusCode).toBe(401);
    expect(h.model.requests).toHaveLength(0);
  });

  it('answers url_verification and processes a retry once', async () => {
    const { h, handler } = await lambdaAgent();
    const verify = await handler(
      apiGatewayEvent(
        { token: 't', challenge: 'lambda-challenge', type: 'url_verification' },
        { signingSecret: SECRET },
      ) as unknown as LambdaEvent,
      {},
    );
    expect(verify.statusCode).toBe(200);
    expect(verify.body).toContain('lambda-challenge');
    const event = appMention({ text: 'once', eventId: 'EvLAMBDA1' });
    for (const retryNum of [undefined, 1, 2]) {
      const response = await handler(
        apiGatewayEvent(event, {
          signingSecret: SECRET,
          ...(retryNum ? { retryNum } : {}),
        }) as unknown as LambdaEvent,
        {},
      );
      expect(response.statusCode).toBe(200);
    }
    expect(h.model.requests).toHaveLength(1);
  });

  it('acks a slash command and answers it through the response_url', async () => {
    const { h, handler } = await lambdaAgent([]);
    const response = await handler(
      apiGatewayEvent(
        slashCommandForm({ text: 'help', responseUrl: `${h.slack.responseUrlBase}/l1` }),
        { signingSecret: SECRET },
      ) as unknown as LambdaEvent,
      {},
    );
    expect(response.statusCode).toBe(200);
    const [respond] = h.slack.callsTo('response_url');
    expect(String(respond!.args.text)).toContain('Commands:');
  });

  it('says which mode is needed when lambdaHandler is asked of an HTTP channel', async () => {
    const h = await startSlackAgent();
    cleanups.push(() => h.stop());
    expect(() => h.channel.lambdaHandler()).toThrow(/mode "lambda"/);
  });
});

describe('Socket Mode against a fake Socket Mode server', () => {
  async function socketAgent(): Promise<{ h: SlackHarness; socket: FakeSlackSocketServer }> {
    const socket = await startFakeSlackSocketServer({ pingIntervalMs: 1_000 });
    const slack = await startFakeSlackServer({ botToken: TOKEN, appToken: 'xapp-1-test' });
    slack.setSocketUrl(socket.url);
    const h = await startSlackAgent({
      slack,
      script: [reply('answered over Socket Mode')],
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

  it('opens the connection with the app token, acks an event envelope and answers in the thread', async () => {
    const { h, socket } = await socketAgent();
    const open = h.slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe('xapp-1-test');
    const ack = await socket.deliver(
      'events_api',
      appMention({ text: 'over the socket', ts: '1700000400.000001', eventId: 'EvSOCK1' }),
      { envelopeId: 'env-1' },
    );
    expect(ack.envelope_id).toBe('env-1');
    await h.slack.waitFor((calls) =>
      calls.some((c) => c.method === 'chat.update' || c.method === 'chat.postMessage'),
    );
    await h.agent.idle();
    expect(h.slack.thread('C_OPS', '1700000400.000001').map((m) => m.text)).toEqual([
      'answered over Socket Mode',
    ]);
    // A redelivery of the same event (retry_attempt 1) is acked and not processed again.
    const again = await socket.deliver(
      'events_api',
      appMention({ text: 'over the socket', ts: '1700000400.000001', eventId: 'EvSOCK1' }),
      { envelopeId: 'env-2', retryAttempt: 1, retryReason: 'timeout' },
    );
    expect(again.envelope_id).toBe('env-2');
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(1);
  });

  it('acks a slash command envelope and answers through the response_url', async () => {
    const { h, socket } = await socketAgent();
    const body = Object.fromEntries(
      new URLSearchParams(
        slashCommandForm({ text: 'help', responseUrl: `${h.slack.responseUrlBase}/s1` }),
      ),
    );
    const ack = await socket.deliver('slash_commands', body, { envelopeId: 'cmd-1' });
    expect(ack.envelope_id).toBe('cmd-1');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'response_url'));
    expect(String(h.slack.callsTo('response_url')[0]!.args.text)).toContain('Commands:');
  });

  it('acks an events_api envelope without an event and drops it, instead of never acking it (found by fuzzing)', async () => {
    const { h, socket } = await socketAgent();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(async () => {
      process.off('unhandledRejection', onUnhandled);
    });
    // payload null, and a payload without `event`: the Socket Mode client threw reading
    // `payload.event.type` in a listener nobody awaits; the envelope was never acked.
    for (const [id, payload] of [
      ['bad-1', null],
      ['bad-2', { type: 'event_callback' }],
    ] as const) {
      socket.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: id, payload }));
      await until(() => socket.acksFor(id).length > 0);
    }
    // An event whose type is one of the client's own event names (`ws_message` made the client
    // feed the envelope back into its frame handler, a TypeError; `slack_event` would reach Bolt
    // a second time): acked once, dropped.
    for (const [id, type] of [
      ['bad-3', 'ws_message'],
      ['bad-4', 'slack_event'],
      ['bad-5', 'error'],
    ] as const) {
      const body = appMention({ text: 'hi', ts: `1700000410.00000${id.slice(-1)}` });
      (body.event as Record<string, unknown>).type = type;
      socket.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: id, payload: body }));
      await until(() => socket.acksFor(id).length > 0);
    }
    // A frame whose own type is a client event name, with an envelope id: not an envelope.
    socket.sendRaw(
      JSON.stringify({
        type: 'slack_event',
        envelope_id: 'bad-6',
        payload: appMention({ text: 'x' }),
      }),
    );
    socket.sendRaw('null');
    socket.sendRaw('{"type":');
    // The next real event is still answered, and nothing above reached the model.
    const ack = await socket.deliver(
      'events_api',
      appMention({ text: 'still there?', ts: '1700000420.000001' }),
    );
    expect(ack.envelope_id).toBeTruthy();
    await h.slack.waitFor(() => h.slack.thread('C_OPS', '1700000420.000001').length > 0);
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(1);
    for (const id of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5']) {
      expect(socket.acksFor(id), id).toHaveLength(1);
    }
    expect(socket.acksFor('bad-6')).toHaveLength(0);
    expect(unhandled).toEqual([]);
    expect(socket.connections).toBe(1);
  });

  it('fails to start with a clear error when the app token is missing', async () => {
    const slack = await startFakeSlackServer();
    cleanups.push(() => slack.close());
    await expect(
      startSlackAgent({ slack, channel: { mode: 'socket', appToken: '' } }),
    ).rejects.toThrow(/SLACK_APP_TOKEN/);
  });
});
