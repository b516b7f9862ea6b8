// An SSH host disappears mid-command: a real OpenSSH server on loopback, reached through a TCP
// relay the test cuts while a command runs on the host (as a cable pull or a crash would).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHomelabPlugin } from '@opsagent/source-homelab';
import {
  callTool,
  createTestAgent,
  reply,
  sshdUnavailableReason,
  startTestSshd,
} from '@opsagent/testkit';
import { describe, expect, it } from 'vitest';
import { fakeCollector } from '../homelab/helpers.js';
import { startRelay, waitFor } from './helpers.js';

const unavailable = sshdUnavailableReason();

describe.skipIf(unavailable)(
  `SSH host disappearing mid-command${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('fails that tool call with a clear error, serves another conversation, and reconnects once the host is back', async () => {
      const sshd = await startTestSshd({
        // `docker` hangs (after saying it started) the first time it runs, like a slow host.
        bin: {
          docker: `#!/bin/sh
D="$(dirname "$0")/.."
if [ ! -f "$D/started" ]; then touch "$D/started"; sleep 60; fi
echo "fake docker: $*" >&2
exit 1
`,
        },
      });
      const relay = await startRelay(`http://127.0.0.1:${sshd.port}`);
      const relayPort = Number(new URL(relay.url).port);
      const knownHosts = join(sshd.dir, 'known_hosts_relay');
      writeFileSync(knownHosts, `[127.0.0.1]:${relayPort} ${sshd.hostPublicKey}\n`);
      const t = await createTestAgent({
        plugins: [
          {
            plugin: createHomelabPlugin({ collector: fakeCollector() }),
            config: {
              local: { enabled: false },
              docker: { enabled: false },
              hosts: [
                {
                  name: 'nas',
                  address: '127.0.0.1',
                  port: relayPort,
                  user: sshd.user,
                  keyFile: sshd.clientKeyPath,
                  contextFiles: [],
                },
              ],
              ssh: { knownHosts, connectTimeout: 5000, commandTimeout: 30_000 },
            },
          },
        ],
        script: [
          callTool('list_containers', { host: 'nas' }),
          reply('other chat answered'),
          (request) => reply(`A saw: ${JSON.stringify(request.messages.at(-1))}`),
          callTool('disk_usage', { host: 'nas', path: sshd.dir }),
          (request) => reply(`A again: ${JSON.stringify(request.messages.at(-1))}`),
        ],
      });
      try {
        await t.channel.inject('what runs on nas?', { chat: 'a' });
        await waitFor(() => (existsSync(join(sshd.dir, 'started')) ? true : undefined), 'docker');
        // Another conversation is answered while the command hangs.
        await t.channel.inject('anything else?', { chat: 'b' });
        await waitFor(
          () => t.channel.sent.find((s) => s.address.chat === 'b' && s.text.includes('answered')),
          'the other chat',
        );
        // The host vanishes mid-command.
        await relay.down();
        const a = await waitFor(
          () => t.channel.sent.find((s) => s.address.chat === 'a' && s.text.startsWith('A saw')),
          'the tool error',
        );
        expect(a.text).toContain('"isError":true');
        expect(a.text).toContain('the connection to nas was lost while running');
        // The host comes back: the next call reconnects and works.
        await relay.up();
        await t.ask('and the disk?', { chat: 'a' });
        const again = t.channel.sent.find(
          (s) => s.address.chat === 'a' && s.text.startsWith('A again'),
        );
        expect(again?.text).toContain('"isError":false');
        expect(t.channel.sent.filter((s) => s.address.chat === 'b')).toHaveLength(1);
      } finally {
        await t.stop();
        await relay.close();
        await sshd.close();
      }
    });
  },
);
