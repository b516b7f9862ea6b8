import { parseAllowedSenders, signalPlugin } from '@opsagent/channel-signal';
import type { NotificationRoute, PluginEntry, PrincipalConfig } from '@opsagent/core';
import { HOMELAB_DEFAULT_POLICY, homelabPlugin } from '@opsagent/source-homelab';
import { consolePlugin } from './local.js';
import type { Preset } from './preset.js';

/**
 * Principals from `SIGNAL_ALLOWED_SENDERS`: the first sender is the owner (admin: decides every
 * plan), the others operators (decide low and medium risk). Whoever runs `chat` in a terminal is
 * an admin too.
 */
export function homelabPrincipals(
  env: Readonly<Record<string, string | undefined>>,
): PrincipalConfig[] {
  const senders = parseAllowedSenders(env.SIGNAL_ALLOWED_SENDERS ?? '');
  const principals: PrincipalConfig[] = [
    { id: 'local', name: 'you', roles: ['admin'], identities: { console: ['*'] } },
  ];
  senders.forEach((sender, index) => {
    principals.push({
      id: index === 0 ? 'owner' : `signal-${index + 1}`,
      name: index === 0 ? 'owner' : sender,
      roles: index === 0 ? ['admin'] : ['operator'],
      identities: { signal: [sender] },
    });
  });
  return principals;
}

/** Alerts go to `SIGNAL_ALERT_RECIPIENT` (a number, uuid or `group.<id>`), else to the owner. */
export function homelabNotifications(
  env: Readonly<Record<string, string | undefined>>,
): NotificationRoute[] {
  const to =
    env.SIGNAL_ALERT_RECIPIENT?.trim() || parseAllowedSenders(env.SIGNAL_ALLOWED_SENDERS ?? '')[0];
  return to ? [{ channel: 'signal', address: { chat: to }, minSeverity: 'warning' }] : [];
}

/**
 * `homelab-sre`: the AI SRE agent for a homelab, over Signal. `run` listens on Signal and
 * watches; `chat` talks in the terminal about the same homelab; `status` prints once.
 */
export const homelabSrePreset: Preset = {
  name: 'homelab-sre',
  description:
    'an SRE for your homelab over Signal: hosts over SSH, Docker, Home Assistant; alerts with fixes you approve',
  plugins(sections, mode): PluginEntry[] {
    const entries: PluginEntry[] = [];
    if (mode === 'chat') entries.push({ plugin: consolePlugin(mode) });
    if (mode === 'run' || mode === 'doctor') {
      entries.push({ plugin: signalPlugin, config: sections[signalPlugin.name], validated: true });
    }
    entries.push({ plugin: homelabPlugin, config: sections[homelabPlugin.name], validated: true });
    return entries;
  },
  principals: [{ id: 'local', name: 'you', roles: ['admin'], identities: { console: ['*'] } }],
  notifications: [],
  // Home Assistant service calls an operator asks for run at once; restarts wait for a person.
  policy: [...HOMELAB_DEFAULT_POLICY],
  fromEnv: (env) => ({
    principals: homelabPrincipals(env),
    notifications: homelabNotifications(env),
  }),
  template: `# opsagent.yaml: the \`homelab-sre\` preset. An SRE for your homelab, over Signal.
# Values may use \${VAR} or \${VAR:-default}; a .env file beside this one is read too.
#
# The environment does most of the work:
#   SIGNAL_API_URL          where signal-cli-rest-api listens (default http://localhost:8080)
#   SIGNAL_NUMBER           the bot's own Signal number, e.g. +4915112345678
#   SIGNAL_ALLOWED_SENDERS  who may talk to it: numbers or uuids, comma-separated; the first is
#                           the owner (admin, gets the alerts), the others operators
#   SIGNAL_ALERT_RECIPIENT  optional: alerts to another number or a group (group.<id>)
#   ANTHROPIC_API_KEY / OPENAI_API_KEY (or OPENAI_BASE_URL for Ollama) / GEMINI_API_KEY: the model
preset: homelab-sre

# Who may talk to the agent. Leave this out to derive it from SIGNAL_ALLOWED_SENDERS.
# principals:
#   - id: owner
#     roles: [admin]
#     identities:
#       signal: ["+4915112345678"]

conversation:
  historyLimit: 20      # messages of history sent to the model (kept across restarts)
  idleTimeout: 30m

monitor:
  interval: 60s         # how often hosts and containers are checked
  openAfter: 2          # consecutive bad checks before an alert
  resolveAfter: 2

# Alerts go to the owner unless you list routes here.
# notifications:
#   routes:
#     - channel: signal
#       to: { chat: "+4915112345678" }
#       minSeverity: warning

approvals:
  expiresIn: 1h         # a plan nobody answered lapses
  # Without rules here, the preset's apply: Home Assistant calls an operator asks for run at
  # once; container and unit restarts wait for your approve / 👍.

plugins:
  signal:
    receive: auto       # websocket (json-rpc mode) or poll (normal/native); auto asks /v1/about
    textMode: styled
  homelab:
    local:
      name: sagan       # this machine's name in status and chat (default: its host name)
    # hosts:            # machines reached over SSH (host keys checked against known_hosts)
    #   - name: nas
    #     address: 192.168.1.20
    #     user: opsagent
    #     keyFile: ~/.ssh/opsagent_ed25519
    #     passphraseEnv: NAS_KEY_PASSPHRASE  # if the key has a passphrase: the variable holding it
    #     units: [smbd]  # systemd units that may be restarted (with approval)
    docker:
      enabled: true     # this machine's Docker (DOCKER_SOCKET or /var/run/docker.sock)
      ignore: []        # containers meant to be stopped
    # homeAssistant:    # or set HA_URL and HA_TOKEN in the environment
    #   url: http://homeassistant.local:8123
    #   watch:          # alerts when these go wrong (kept current over the WebSocket API)
    #     - { entity: sensor.freezer_temperature, above: -15, severity: critical }
    #     - { entity: sensor.ups_status, states: [on_battery] }
    contextFiles:
      paths: [CLAUDE.md, AGENTS.md]   # notes and runbooks the model reads
`,
};
