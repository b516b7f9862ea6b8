import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FakeSignalServer, startFakeSignalServer } from './signal-server.js';

const BOT = '+15550000001';
let fake: FakeSignalServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function receiveUrl(base: string, number: string) {
  return `${base.replace('http', 'ws')}/v1/receive/${encodeURIComponent(number)}`;
}

function collect(ws: WebSocket, count: number): Promise<unknown[]> {
  const frames: unknown[] = [];
  return new Promise((resolve) => {
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      if (frames.length >= count) resolve(frames);
    });
  });
}

async function post(url: string, body: unknown, method = 'POST') {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('fake signal-cli-rest-api', () => {
  it('reports its mode in /v1/about and lists the registered account', async () => {
    fake = await startFakeSignalServer({ mode: 'normal' });
    const about = (await (await fetch(`${fake.url}/v1/about`)).json()) as { mode: string };
    expect(about.mode).toBe('normal');
    expect(await (await fetch(`${fake.url}/v1/accounts`)).json()).toEqual([BOT]);
    expect((await fetch(`${fake.url}/v1/health`)).status).toBe(204);
  });

  it('streams envelopes over the WebSocket in json-rpc mode, keeping those sent while disconnected', async () => {
    fake = await startFakeSignalServer();
    const early = fake.message({ from: '+15550000002', text: 'before connecting' });
    expect(fake.queued()).toBe(1);
    const ws = new WebSocket(receiveUrl(fake.url, BOT));
    const frames = collect(ws, 2);
    await fake.waitForConnections(1);
    fake.message({ from: '+15550000002', text: 'hello', groupId: 'abc=' });
    const [first, second] = (await frames) as Array<{
      envelope: { timestamp: number; dataMessage: { message: string; groupInfo?: unknown } };
      account: string;
    }>;
    expect(first?.envelope.timestamp).toBe(early);
    expect(first?.envelope.dataMessage.message).toBe('before connecting');
    expect(first?.account).toBe(BOT);
    expect(second?.envelope.dataMessage).toMatchObject({
      message: 'hello',
      groupInfo: { groupId: 'abc=', type: 'DELIVER' },
    });
    ws.close();
  });

  it('drops sockets abruptly and accepts reconnections', async () => {
    fake = await startFakeSignalServer();
    const ws = new WebSocket(receiveUrl(fake.url, BOT));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await fake.waitForConnections(1);
    fake.dropConnections();
    expect(await closed).toBe(1006);
    const again = new WebSocket(receiveUrl(fake.url, BOT));
    await new Promise((resolve) => again.once('open', resolve));
    await fake.waitForConnections(2);
    expect(fake.connections()).toBe(1);
    again.close();
  });

  it('refuses a WebSocket for an unregistered number', async () => {
    fake = await startFakeSignalServer();
    const ws = new WebSocket(receiveUrl(fake.url, '+19999999999'));
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('error', () => resolve(undefined));
    });
    expect(status).toBe(400);
  });

  it('answers polls with a JSON array in normal mode', async () => {
    fake = await startFakeSignalServer({ mode: 'native' });
    fake.message({ from: '+15550000002', text: 'one' });
    fake.message({ from: '+15550000002', text: 'two' });
    const res = await fetch(`${fake.url}/v1/receive/${encodeURIComponent(BOT)}?timeout=0`);
    const list = (await res.json()) as Array<{ envelope: { dataMessage: { message: string } } }>;
    expect(list.map((f) => f.envelope.dataMessage.message)).toEqual(['one', 'two']);
    const empty = await fetch(`${fake.url}/v1/receive/${encodeURIComponent(BOT)}?timeout=0`);
    expect(await empty.json()).toEqual([]);
  });

  it('records sends and answers in both response forms', async () => {
    fake = await startFakeSignalServer();
    const one = await post(`${fake.url}/v2/send`, {
      number: BOT,
      recipients: ['+15550000002'],
      message: 'hi',
      text_mode: 'styled',
    });
    expect(one.status).toBe(201);
    expect(one.body).toEqual({ timestamp: String(fake.sent[0]?.timestamp) });
    await fake.close();
    fake = await startFakeSignalServer({ sendResponse: 'array' });
    const two = await post(`${fake.url}/v2/send`, {
      number: BOT,
      recipients: ['+15550000002'],
      message: 'hi',
    });
    expect(two.body).toEqual([{ timestamp: String(fake.sent[0]?.timestamp) }]);
  });

  it('rejects sends mixing groups and numbers, and scripted failures', async () => {
    fake = await startFakeSignalServer();
    const mixed = await post(`${fake.url}/v2/send`, {
      number: BOT,
      recipients: ['group.YWJj', '+15550000002'],
      message: 'x',
    });
    expect(mixed.status).toBe(400);
    fake.failNext('send', { status: 429, body: { error: 'rate limited', challenge_tokens: [] } });
    const limited = await post(`${fake.url}/v2/send`, {
      number: BOT,
      recipients: ['+15550000002'],
      message: 'x',
    });
    expect(limited.status).toBe(429);
    expect(fake.sent).toHaveLength(0);
  });

  it('records typing indicators and delivers reactions as envelopes', async () => {
    fake = await startFakeSignalServer({ mode: 'normal' });
    const typingUrl = `${fake.url}/v1/typing-indicator/${encodeURIComponent(BOT)}`;
    expect((await post(typingUrl, { recipient: '+15550000002' }, 'PUT')).status).toBe(204);
    expect((await post(typingUrl, { recipient: '+15550000002' }, 'DELETE')).status).toBe(204);
    expect(fake.typing).toEqual([
      { action: 'start', recipient: '+15550000002' },
      { action: 'stop', recipient: '+15550000002' },
    ]);
    fake.reaction({ from: '+15550000002', emoji: '👍', targetTimestamp: 42 });
    const res = await fetch(`${fake.url}/v1/receive/${encodeURIComponent(BOT)}?timeout=0`);
    const [frame] = (await res.json()) as Array<{
      envelope: { dataMessage: { reaction: Record<string, unknown> } };
    }>;
    expect(frame?.envelope.dataMessage.reaction).toMatchObject({
      emoji: '👍',
      targetSentTimestamp: 42,
      targetAuthorNumber: BOT,
      isRemove: false,
    });
  });
});
