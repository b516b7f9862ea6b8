// The model provider dies between two rounds of a turn: the real Anthropic client (through the
// llm router, retries and interaction log) talks to the fake server through a relay the test
// kills and brings back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, defineTool } from '@opsagent/core';
import { createLlm } from '@opsagent/llm';
import { createTestAgent, startFakeAnthropicServer } from '@opsagent/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gate, startRelay, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-outage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model provider outage mid-turn', () => {
  it('answers the affected conversation with a clear error, serves the others, and recovers', async () => {
    const server = await startFakeAnthropicServer([
      { toolUses: [{ name: 'slow_check', input: {} }] },
      { text: 'B: all good' },
    ]);
    const relay = await startRelay(server.url);
    const env = { ANTHROPIC_API_KEY: 'sk-ant-outage-test-key', ANTHROPIC_BASE_URL: relay.url };
    const llm = createLlm({ env, dataDir: dir, sleep: async () => {} });
    const hold = gate();
    const started = gate();
    let toolRuns = 0;
    const plugin = definePlugin({
      name: 'lab',
      setup: () => ({
        tools: [
          defineTool({
            name: 'slow_check',
            description: 'A check that takes a while',
            input: z.object({}),
            async run() {
              toolRuns += 1;
              started.open();
              await hold.wait;
              return 'check done';
            },
          }),
        ],
      }),
    });
    const t = await createTestAgent({ plugins: [plugin], model: llm.model!, env });
    try {
      // A's first round asks for the slow tool; while it runs, B is answered.
      await t.channel.inject('A: is the lab ok?', { thread: 'a' });
      await started.wait;
      await t.channel.inject('B: and the rest?', { thread: 'b' });
      const b = await waitFor(
        () => t.channel.sent.find((s) => s.address.thread === 'b' && s.text === 'B: all good'),
        "B's answer",
      );
      expect(b.text).toBe('B: all good');
      // The provider dies; A's second round finds nobody there.
      await relay.down();
      hold.open();
      await t.agent.idle();
      const a = t.channel.sent.filter((s) => s.address.thread === 'a').map((s) => s.text);
      expect(a).toHaveLength(1);
      expect(a[0]).toContain('Sorry, I could not answer');
      expect(a[0]).toContain('the model provider failed');
      expect(a[0]).not.toContain('sk-ant-outage-test-key');
      expect(toolRuns).toBe(1);
      // Commands still work in A while the provider is down.
      const [status] = await t.ask('pending', { thread: 'a' });
      expect(status).toBe('Nothing is waiting for approval.');

      // The provider comes back: A asks again and is answered; nothing of the failed turn was
      // kept half-done in its history (no tool call without its result).
      await relay.up();
      server.push({ text: 'A: the lab is fine now' });
      expect(await t.ask('A: is the lab ok?', { thread: 'a' })).toEqual(['A: the lab is fine now']);
      const last = server.requests.at(-1)!.body as { messages: Array<{ role: string }> };
      expect(last.messages.map((m) => m.role)).toEqual(['user']);
      // B's conversation kept its history and was answered exactly once.
      expect(t.channel.texts().filter((text) => text === 'B: all good')).toHaveLength(1);
    } finally {
      await t.stop();
      await relay.close();
      await server.close();
    }
  });
});
