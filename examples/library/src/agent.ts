// opsagent as a library: a terminal agent about this machine, with one command of our own,
// models from the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...), and a SQLite store.
// Run: npm run build -w opsagent-example-library && npm start -w opsagent-example-library
import {
  createAgent,
  createConsoleChannel,
  defineCommand,
  definePlugin,
  SqliteStore,
} from '@opsagent/core';
import { llmPlugin } from '@opsagent/llm';
import { localHostPlugin } from '@opsagent/source-homelab';

const terminal = definePlugin({
  name: 'console',
  setup: () => ({ channels: [createConsoleChannel({ greeting: 'Ask about this machine.' })] }),
});

const uptime = definePlugin({
  name: 'uptime-command',
  setup: () => ({
    commands: [
      defineCommand({
        name: 'uptime',
        description: 'how long this agent has been running',
        run: async () => `up ${Math.round(process.uptime())} s`,
      }),
    ],
  }),
});

const agent = await createAgent({
  plugins: [
    terminal,
    uptime,
    { plugin: localHostPlugin, config: { thresholds: { disk: { warn: 85, critical: 95 } } } },
    { plugin: llmPlugin, config: {} },
  ],
  store: new SqliteStore({ path: './opsagent-example.db' }),
  principals: [{ id: 'me', roles: ['admin'], identities: { console: ['*'] } }],
});
await agent.start();
