// The Signal WebSocket drops while a turn is running and while a second person writes: the real
// channel reconnects to the fake signal-cli-rest-api; both people are answered exactly once.
import { createSignalChannel } from '@opsagent/channel-signal';
import { createAgent, definePlugin } from '@opsagent/core';
import {
  createScriptedModel,
  reply,
  type ScriptStep,
  startFakeSignalServer,
} from '@opsagent/testkit';
import { describe, expect, it } from 'vitest';
import { gate } from './helpers.js';

const OWNER = '+15550000101';
const FRIEND = '+15550000102';

describe('Signal WebSocket drop', () => {
  it('answers the turn in flight and the message sent during the gap, each once', async () => {
    const fake = await startFakeSignalServer();
    const hold = gate();
    const started = gate();
    const slow: ScriptStep = async () => {
      started.open();
      await hold.wait;
      return reply('owner answer');
    };
    const channel = createSignalChannel({
      apiUrl: fake.url,
      number: fake.number,
      allowedSenders: [OWNER, FRIEND],
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      pollTimeoutSeconds: 1,
      typingRefreshMs: 60_000,
    });
    const agent = await createAgent({
      plugins: [definePlugin({ name: 'signal', setup: () => ({ channels: [channel] }) })],
      principals: [
        { id: 'owner', roles: ['admin'], identities: { signal: [OWNER] } },
        { id: 'friend', roles: ['viewer'], identities: { signal: [FRIEND] } },
      ],
      model: createScriptedModel([slow, reply('friend answer')]),
      monitor: { enabled: false },
    });
    await agent.start();
    try {
      fake.message({ from: OWNER, text: 'why is the NAS slow?' });
      await started.wait;
      fake.dropConnections();
      fake.message({ from: FRIEND, text: 'is the internet down?' });
      await fake.waitForConnections(2);
      const [friendAnswer] = await fake.waitForSent(1);
      expect(friendAnswer!.body.message).toBe('friend answer');
      expect(friendAnswer!.body.recipients).toEqual([FRIEND]);
      hold.open();
      const sent = await fake.waitForSent(2);
      await agent.idle();
      expect(
        fake.sent.map((s) => `${(s.body.recipients as string[]).join()}: ${s.body.message}`),
      ).toEqual([`${FRIEND}: friend answer`, `${OWNER}: owner answer`]);
      expect(sent).toHaveLength(2);
    } finally {
      await agent.stop();
      await fake.close();
    }
  });
});
