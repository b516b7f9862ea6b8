import { Readable } from 'node:stream';
import {
  CONSOLE_ADDRESS,
  createConsoleChannel,
  definePlugin,
  type PluginEntry,
} from '@opsagent/core';
import { localHostPlugin } from '@opsagent/source-homelab';
import type { Preset, RunMode } from './preset.js';

/** The console as a plugin: reads the terminal in `chat`, only prints (notifications) in `run`. */
export function consolePlugin(mode: RunMode) {
  return definePlugin({
    name: 'console',
    setup: () => ({
      channels: [
        mode === 'chat'
          ? createConsoleChannel({
              greeting: 'opsagent: ask about this machine, or type "help". Ctrl-D to quit.',
            })
          : createConsoleChannel({ input: emptyInput(), interactive: false }),
      ],
    }),
  });
}

function emptyInput(): NodeJS.ReadableStream {
  // An input that never ends, so `run` is not stopped when the terminal closes standard input.
  return new Readable({ read() {} });
}

/** `local`: chat in the terminal about this machine. No accounts, no keys. */
export const localPreset: Preset = {
  name: 'local',
  description: 'chat in the terminal about this machine (CPU, memory, disks); no accounts or keys',
  plugins(sections, mode): PluginEntry[] {
    return [
      { plugin: consolePlugin(mode) },
      { plugin: localHostPlugin, config: sections[localHostPlugin.name], validated: true },
    ];
  },
  principals: [{ id: 'local', name: 'you', roles: ['admin'], identities: { console: ['*'] } }],
  notifications: [{ channel: 'console', address: CONSOLE_ADDRESS, minSeverity: 'warning' }],
  template: `# opsagent.yaml: the \`local\` preset. Chat in the terminal about this machine.
# Values may use \${VAR} or \${VAR:-default}; a .env file beside this one is read too.
# \`opsagent config schema\` prints the JSON Schema of this file for your editor.
preset: local

# Who may talk to the agent, and with which roles (viewer, operator, admin).
# In the terminal, whoever runs the command is the local user.
principals:
  - id: local
    name: you
    roles: [admin]
    identities:
      console: ["*"]

conversation:
  historyLimit: 20      # messages of history sent to the model
  idleTimeout: 30m      # a conversation closes after this much silence

monitor:
  interval: 60s         # how often sources are checked by \`opsagent run\`
  openAfter: 2          # consecutive bad checks before an incident opens
  resolveAfter: 2       # consecutive good checks before it resolves

notifications:
  routes:
    - channel: console
      to: { chat: console }
      minSeverity: warning

plugins:
  local-host:
    cacheTtl: 5000      # ms a status snapshot is reused
    # thresholds:
    #   disk: { warn: 85, critical: 95 }
  # Language models (docs/llm.md). Without this section the environment decides
  # (ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENAI_BASE_URL, GEMINI_API_KEY, OPSAGENT_MODEL).
  # llm:
  #   providers:
  #     ollama: { type: openai, baseURL: http://127.0.0.1:11434/v1 }
  #   routes:
  #     chat: [ollama:llama3.1, anthropic:claude-sonnet-4-5]
  #   budgets: { perDayUsd: 5, onExceeded: downgrade }
`,
};
