import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../contracts/channel.js';
import { silentLogger } from '../logging/logger.js';
import { CONSOLE_ADDRESS, createConsoleChannel } from './console-channel.js';

function setup() {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk) => {
    written += chunk;
  });
  const channel = createConsoleChannel({ input, output, user: 'sam', interactive: false });
  const received: InboundMessage[] = [];
  return {
    input,
    channel,
    received,
    written: () => written,
    runtime: { receive: async (m: InboundMessage) => void received.push(m), logger: silentLogger },
  };
}

describe('console channel', () => {
  it('delivers each non-empty line as a message from the local user, in order', async () => {
    const t = setup();
    await t.channel.start(t.runtime);
    t.input.end('status\n\n  help  \n');
    await t.channel.closed;
    expect(t.received.map((m) => m.text)).toEqual(['status', 'help']);
    expect(t.received[0]).toMatchObject({
      channel: 'console',
      sender: { id: 'sam' },
      address: CONSOLE_ADDRESS,
    });
    expect(new Set(t.received.map((m) => m.id)).size).toBe(2);
  });

  it('renders structured messages as plain text, progress marked as such', async () => {
    const t = setup();
    await t.channel.start(t.runtime);
    await t.channel.send(CONSOLE_ADDRESS, {
      kind: 'progress',
      blocks: [{ type: 'text', text: 'Running host_status…' }],
    });
    await t.channel.send(CONSOLE_ADDRESS, {
      blocks: [
        {
          type: 'section',
          section: {
            title: 'box',
            health: 'ok',
            fields: [{ label: 'Memory', value: '40%', health: 'ok' }],
          },
        },
      ],
    });
    expect(t.written()).toBe('… Running host_status…\nbox  [OK]\n  ✓ Memory  40%\n\n');
    await t.channel.stop();
  });

  it('resolves closed when stopped, even with input still open', async () => {
    const t = setup();
    await t.channel.start(t.runtime);
    await t.channel.stop();
    await expect(t.channel.closed).resolves.toBeUndefined();
  });
});
