import { hostname } from 'node:os';
import {
  type Clock,
  definePlugin,
  duration,
  findSecret,
  type HealthCheck,
  type Plugin,
  type PolicyRule,
  type Remediation,
  type Tool,
} from '@opsagent/core';
import { z } from 'zod';
import { createDockerEngineClient, type DockerEngine } from './docker/engine.js';
import { expandPath } from './fleet/context-files.js';
import { Fleet, type FleetMember } from './fleet/fleet.js';
import { createFleetSource } from './fleet/source.js';
import { createLocalTarget, createSshTarget, type HostTarget } from './fleet/target.js';
import { createHomeAssistantClient, ENTITY_ID, type HomeAssistant } from './ha/client.js';
import { createHomeAssistantSource } from './ha/watch.js';
import { HomeAssistantWatcher } from './ha/websocket.js';
import { createSystemCollector, type HostCollector } from './local/collect.js';
import { DEFAULT_THRESHOLDS, resolveThresholds } from './local/thresholds.js';
import {
  createFleetRemediations,
  createHomeAssistantParts,
  DEFAULT_HA_DOMAINS,
} from './remediations/remediations.js';
import { SshHost } from './ssh/connection.js';
import { loadKnownHosts } from './ssh/known-hosts.js';
import { createFleetTools } from './tools/fleet-tools.js';
import { DEFAULT_READONLY_COMMANDS, templateProblems } from './tools/readonly-commands.js';

const limit = z
  .strictObject({ warn: z.number().min(0).optional(), critical: z.number().min(0).optional() })
  .describe('warn and/or critical level.');

const thresholdsSchema = z
  .strictObject({
    disk: limit
      .optional()
      .describe(
        `Use of each disk in %; default warn ${DEFAULT_THRESHOLDS.disk.warn}, critical ${DEFAULT_THRESHOLDS.disk.critical}.`,
      ),
    memory: limit
      .optional()
      .describe(
        `Memory use in %; default warn ${DEFAULT_THRESHOLDS.memory.warn}, critical ${DEFAULT_THRESHOLDS.memory.critical}.`,
      ),
    loadPerCore: limit
      .optional()
      .describe(
        `5-minute load per CPU; default warn ${DEFAULT_THRESHOLDS.loadPerCore.warn}, critical ${DEFAULT_THRESHOLDS.loadPerCore.critical}.`,
      ),
    temperature: limit
      .optional()
      .describe(
        `CPU temperature in °C; default warn ${DEFAULT_THRESHOLDS.temperature.warn}, critical ${DEFAULT_THRESHOLDS.temperature.critical}.`,
      ),
  })
  .describe('Health levels; per-host values override these.');

/**
 * Names the runtime treats as secrets (their values are redacted from logs, messages and the
 * audit); a subset of the core redactor's pattern.
 */
const SECRET_ENV_NAME = /PASSPHRASE|PASSWORD|SECRET/i;

const hostName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'a host name: letters, digits, _ . - (used in chat and tools)',
  );
const unitList = z
  .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9@_.:-]{0,127}$/, 'a systemd unit name'))
  .default(() => []);

const sshHostSchema = z
  .strictObject({
    name: hostName.describe('Name used in status, findings and tools, e.g. nas.'),
    address: z.string().min(1).describe('IP address or DNS name.'),
    port: z.number().int().min(1).max(65_535).default(22),
    user: z.string().min(1).describe('Login user.'),
    keyFile: z
      .string()
      .min(1)
      .optional()
      .describe('Private key file; omit to use the ssh-agent (SSH_AUTH_SOCK).'),
    passphraseEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name, e.g. NAS_KEY_PASSPHRASE')
      .refine((name) => SECRET_ENV_NAME.test(name), {
        message:
          'name a variable with PASSPHRASE, PASSWORD or SECRET in it (e.g. NAS_KEY_PASSPHRASE), so its value is redacted from logs',
      })
      .optional()
      .describe(
        'Environment variable holding the passphrase of keyFile (never the passphrase itself), e.g. NAS_KEY_PASSPHRASE.',
      ),
    agent: z
      .string()
      .min(1)
      .optional()
      .describe('ssh-agent socket used when there is no keyFile; default SSH_AUTH_SOCK.'),
    hostKeyAlias: z
      .string()
      .min(1)
      .optional()
      .describe('Name to look up in known_hosts instead of the address.'),
    sudo: z
      .boolean()
      .default(false)
      .describe(
        'Prefix unit restarts with `sudo -n` (needs a NOPASSWD sudoers rule for systemctl restart).',
      ),
    units: unitList.describe('Systemd units that may be restarted on this host (with approval).'),
    thresholds: thresholdsSchema.optional(),
    contextFiles: z
      .array(z.string().min(1))
      .default(() => ['CLAUDE.md', 'AGENTS.md'])
      .describe(
        'Files on the host (relative to the login home) given to the model; missing ones are skipped.',
      ),
  })
  .describe('A machine reached over SSH.');

/** Config section of the `homelab` plugin (`plugins.homelab` in opsagent.yaml). */
export const homelabConfigSchema = z
  .strictObject({
    local: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Watch the machine the agent runs on.'),
        name: hostName.optional().describe('Its name in status and tools; default the host name.'),
        sudo: z.boolean().default(false),
        units: unitList.describe('Systemd units that may be restarted here (with approval).'),
        thresholds: thresholdsSchema.optional(),
      })
      .prefault({}),
    hosts: z
      .array(sshHostSchema)
      .default(() => [])
      .refine((hosts) => new Set(hosts.map((h) => h.name)).size === hosts.length, {
        message: 'host names must be unique',
      }),
    ssh: z
      .strictObject({
        knownHosts: z
          .string()
          .default('~/.ssh/known_hosts')
          .describe(
            'known_hosts file host keys are checked against; unknown or changed keys are refused.',
          ),
        connectTimeout: duration.prefault('5s').describe('Time allowed to connect and log in.'),
        commandTimeout: duration.prefault('10s').describe('Time allowed for one command.'),
        keepalive: duration
          .prefault('15s')
          .describe('Keepalive interval of the persistent connection.'),
      })
      .prefault({}),
    docker: z
      .strictObject({
        enabled: z.boolean().default(true),
        socket: z
          .string()
          .optional()
          .describe(
            'Docker socket of this machine; default DOCKER_SOCKET or /var/run/docker.sock.',
          ),
        ignore: z
          .array(z.string())
          .default(() => [])
          .describe('Containers meant to be stopped (no finding when they are).'),
        restartLoop: z
          .strictObject({
            restarts: z.number().int().min(1).default(3),
            window: duration.prefault('10m'),
          })
          .prefault({})
          .describe('This many restarts within the window make a restart loop.'),
      })
      .prefault({}),
    thresholds: thresholdsSchema.prefault({}),
    cacheTtl: duration.prefault('5s').describe('How long a host reading is reused by status.'),
    hostTimeout: duration
      .prefault('8s')
      .describe('Time allowed to read one host; past it the host is unreachable.'),
    statusMaxAge: duration
      .prefault('60s')
      .describe(
        'How old a reading may be and still answer status at once while a fresh one is taken in the background (0: status waits for a reading older than cacheTtl).',
      ),
    retryUnreachable: duration
      .prefault('30s')
      .describe(
        'How long status reports an unreachable host from cache before trying it again (checks and tools always try).',
      ),
    homeAssistant: z
      .strictObject({
        url: z
          .string()
          .url()
          .optional()
          .describe('Base URL, e.g. http://homeassistant.local:8123; default HA_URL.'),
        token: z
          .string()
          .min(1)
          .optional()
          .describe('Long-lived access token; better: HA_TOKEN in the environment.'),
        timeout: duration.prefault('10s'),
        domains: z
          .array(z.string().regex(/^[a-z0-9_]+$/))
          .min(1)
          .default(() => [...DEFAULT_HA_DOMAINS])
          .describe('Service domains that may be called.'),
        watch: z
          .array(
            z
              .strictObject({
                entity: z
                  .string()
                  .regex(ENTITY_ID, 'an entity id like sensor.freezer_temperature')
                  .describe('Entity id, e.g. sensor.freezer_temperature.'),
                above: z.number().optional().describe('A numeric state above this is a problem.'),
                below: z.number().optional().describe('A numeric state below this is a problem.'),
                states: z
                  .array(z.string().min(1))
                  .optional()
                  .describe(
                    'States that are a problem, e.g. [on_battery] or [on] for a leak sensor.',
                  ),
                severity: z
                  .enum(['warning', 'critical'])
                  .default('warning')
                  .describe('How bad a match is; being unavailable or unknown is a warning.'),
              })
              .describe('An entity whose state raises a finding.'),
          )
          .default(() => [])
          .refine((w) => new Set(w.map((x) => x.entity)).size === w.length, {
            message: 'each entity may be watched once',
          })
          .describe(
            'Entities kept current over the WebSocket API; unavailable/unknown, out of range or a listed state raises a finding.',
          ),
        checkInterval: duration
          .prefault('15s')
          .describe('How often the watched states are judged (no request is made).'),
        outageGrace: duration
          .refine((ms) => ms <= 21_600_000, { error: 'expected a duration from 0s to 6h' })
          .prefault('3m')
          .describe(
            'How long the WebSocket may be down before homeassistant:connection is raised (a Home Assistant update restarts it); 0s to 6h, 0s raises it at the first check while down. A refused token is raised at once.',
          ),
      })
      .prefault({}),
    contextFiles: z
      .strictObject({
        paths: z
          .array(z.string().min(1))
          .default(() => ['CLAUDE.md', 'AGENTS.md'])
          .describe(
            'Local files (relative to the working directory) given to the model; add runbooks here.',
          ),
        maxBytes: z
          .number()
          .int()
          .min(256)
          .max(262_144)
          .default(16_384)
          .describe('Cap per file, in bytes.'),
      })
      .prefault({}),
    remediations: z
      .strictObject({
        containers: z
          .array(z.string())
          .default(() => ['*'])
          .describe('Containers that may be restarted (with approval); `*` for any.'),
        verifyTimeout: duration
          .prefault('60s')
          .describe('How long a restart has to become healthy.'),
      })
      .prefault({}),
    readonlyCommands: z
      .array(
        z
          .strictObject({
            name: z.string().regex(/^[a-z0-9_]+$/),
            template: z.string().min(1),
            description: z.string().optional(),
          })
          .superRefine((t, ctx) => {
            for (const problem of templateProblems(t))
              ctx.addIssue({ code: 'custom', message: problem, path: ['template'] });
          }),
      )
      .default(() => [])
      .describe(
        'Extra read-only command templates, e.g. { name: zpool_list, template: "zpool list {word}" }.',
      ),
    checkInterval: duration
      .optional()
      .describe('How often the monitor checks the fleet; default the monitor interval.'),
  })
  .describe('A homelab: this machine, SSH hosts, Docker, Home Assistant and context files.');

/** The validated config of the `homelab` plugin. */
export type HomelabConfig = z.output<typeof homelabConfigSchema>;

/**
 * Approval policy a homelab preset starts from: Home Assistant service calls asked for by an
 * operator (directly or through the model) run at once; container and unit restarts wait for a
 * person with the operator role.
 */
export const HOMELAB_DEFAULT_POLICY: readonly PolicyRule[] = Object.freeze([
  {
    name: 'ha-by-operator',
    decision: 'approve',
    remediations: ['ha_call_service'],
    maxRisk: 'low',
    from: ['operator'],
  },
]);

/** Seams of {@link createHomelabPlugin}, for tests and embedders. */
export interface HomelabPluginOverrides {
  /** Reads this machine; default systeminformation. */
  collector?: HostCollector;
  /** The local Docker client; default one on the configured socket. */
  docker?: DockerEngine;
  /** Extra hosts (already built), e.g. fakes. */
  targets?: HostTarget[];
  /** Home Assistant client; default from config / HA_URL / HA_TOKEN. */
  homeAssistant?: HomeAssistant;
  /** fetch for Home Assistant. */
  fetch?: typeof fetch;
  clock?: Clock;
  /** Folder relative local context files start from; default the working directory. */
  baseDir?: string;
}

/**
 * The `homelab` plugin: the fleet source (`homelab`), read-only tools, restart remediations,
 * and Home Assistant tools and service calls when HA is configured.
 */
export function createHomelabPlugin(
  overrides: HomelabPluginOverrides = {},
): Plugin<typeof homelabConfigSchema> {
  return definePlugin({
    name: 'homelab',
    configSchema: homelabConfigSchema,
    setup({ config, logger, env }) {
      const members: FleetMember[] = [];
      const global = config.thresholds;
      const merge = (own?: typeof global) =>
        resolveThresholds({
          disk: { ...global.disk, ...own?.disk },
          memory: { ...global.memory, ...own?.memory },
          loadPerCore: { ...global.loadPerCore, ...own?.loadPerCore },
          temperature: { ...global.temperature, ...own?.temperature },
        });
      const checks: HealthCheck[] = [];
      if (config.local.enabled) {
        const socket = config.docker.socket ?? env.DOCKER_SOCKET ?? '/var/run/docker.sock';
        const docker = config.docker.enabled
          ? (overrides.docker ?? createDockerEngineClient({ socketPath: socket }))
          : undefined;
        const name = config.local.name ?? (hostname().split('.')[0] || 'local');
        members.push({
          target: createLocalTarget({
            name,
            collector: overrides.collector ?? createSystemCollector({ clock: overrides.clock }),
            ...(docker ? { docker } : {}),
            ...(overrides.docker ? {} : { dockerSocket: socket }),
            sudo: config.local.sudo,
          }),
          thresholds: merge(config.local.thresholds),
          units: config.local.units,
          contextFiles: [],
        });
        if (docker) {
          checks.push({
            name: 'docker',
            async run({ signal }) {
              return (await docker.ping(signal))
                ? { status: 'ok', detail: `Docker answers on ${socket}` }
                : {
                    status: 'warn',
                    detail: `no Docker daemon on ${socket}; set plugins.homelab.docker.socket or docker.enabled: false`,
                  };
            },
          });
        }
      }
      if (config.hosts.length > 0) {
        const hostChecks: HealthCheck[] = [];
        const knownHostsPath = expandPath(
          config.ssh.knownHosts,
          overrides.baseDir ?? process.cwd(),
        );
        const timings = {
          connectTimeoutMs: config.ssh.connectTimeout,
          commandTimeoutMs: config.ssh.commandTimeout,
          keepaliveIntervalMs: config.ssh.keepalive,
        };
        for (const host of config.hosts) {
          const ssh = new SshHost(
            {
              name: host.name,
              address: host.address,
              port: host.port,
              user: host.user,
              ...(host.keyFile
                ? { keyFile: expandPath(host.keyFile, overrides.baseDir ?? process.cwd()) }
                : {}),
              ...(host.passphraseEnv ? { passphraseEnv: host.passphraseEnv } : {}),
              ...(host.agent ? { agent: host.agent } : {}),
              ...(host.hostKeyAlias ? { hostKeyAlias: host.hostKeyAlias } : {}),
            },
            () => loadKnownHosts(knownHostsPath),
            knownHostsPath,
            timings,
            logger,
            env,
          );
          members.push({
            target: createSshTarget({ ssh, sudo: host.sudo }),
            thresholds: merge(host.thresholds),
            units: host.units,
            contextFiles: host.contextFiles,
          });
          hostChecks.push({
            name: `ssh ${host.name}`,
            async run() {
              await ssh.exec('true');
              const detail = `logged in as ${host.user}@${host.address}:${host.port}`;
              return ssh.keyProblem() === 'unused'
                ? {
                    status: 'warn',
                    detail: `${detail}; passphraseEnv is set but ${host.keyFile} is not encrypted (remove passphraseEnv)`,
                  }
                : { status: 'ok', detail };
            },
          });
        }
        checks.push({
          name: 'ssh known_hosts',
          async run() {
            const entries = loadKnownHosts(knownHostsPath);
            return { status: 'ok', detail: `${entries.length} keys in ${knownHostsPath}` };
          },
        });
        checks.push(...hostChecks);
      }
      for (const target of overrides.targets ?? []) {
        members.push({ target, thresholds: merge(), units: [], contextFiles: [] });
      }
      const fleet = new Fleet({
        members,
        cacheTtlMs: config.cacheTtl,
        hostTimeoutMs: config.hostTimeout,
        retryUnreachableMs: config.retryUnreachable,
        maxAgeMs: config.statusMaxAge,
        ...(overrides.clock ? { clock: overrides.clock } : {}),
      });
      const tools: Tool[] = [];
      const remediations: Remediation[] = [];
      const sources = [];
      if (members.length > 0) {
        sources.push(
          createFleetSource({
            fleet,
            ignoreContainers: config.docker.ignore,
            restartLoop: {
              restarts: config.docker.restartLoop.restarts,
              windowMs: config.docker.restartLoop.window,
            },
            localContextFiles: config.contextFiles.paths,
            contextMaxBytes: config.contextFiles.maxBytes,
            ...(overrides.baseDir ? { baseDir: overrides.baseDir } : {}),
            ...(config.checkInterval === undefined
              ? {}
              : { checkIntervalMs: config.checkInterval }),
            logger,
          }),
        );
        tools.push(
          ...createFleetTools({
            fleet,
            readonlyCommands:
              config.readonlyCommands.length > 0
                ? [...DEFAULT_READONLY_COMMANDS, ...config.readonlyCommands]
                : undefined,
          }),
        );
        remediations.push(
          ...createFleetRemediations({
            fleet,
            containers: config.remediations.containers,
            verifyTimeoutMs: config.remediations.verifyTimeout,
          }),
        );
      }
      const haUrl = config.homeAssistant.url ?? env.HA_URL;
      const haToken = findSecret(
        {
          value: config.homeAssistant.token,
          env: ['HA_TOKEN'],
          configPath: 'plugins.homelab.homeAssistant.token',
          description: 'Home Assistant token',
        },
        env,
      );
      const ha =
        overrides.homeAssistant ??
        (haUrl && haToken
          ? createHomeAssistantClient({
              url: haUrl,
              token: haToken,
              timeoutMs: config.homeAssistant.timeout,
              ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
            })
          : undefined);
      let watcher: HomeAssistantWatcher | undefined;
      const watches = config.homeAssistant.watch;
      if (haUrl && haToken && watches.length > 0) {
        watcher = new HomeAssistantWatcher({
          url: haUrl,
          token: haToken,
          entities: watches.map((w) => w.entity),
          logger,
          ...(overrides.clock ? { clock: overrides.clock } : {}),
        });
        watcher.start();
        sources.push(
          createHomeAssistantSource({
            watcher,
            watches,
            checkIntervalMs: config.homeAssistant.checkInterval,
            graceMs: config.homeAssistant.outageGrace,
            ...(overrides.clock ? { clock: overrides.clock } : {}),
          }),
        );
        const w = watcher;
        checks.push({
          name: 'ha websocket',
          async run() {
            await w.settled(5000);
            if (w.status === 'connected' && w.loaded) {
              const missing = watches
                .filter((x) => w.state(x.entity) === null)
                .map((x) => x.entity);
              return missing.length > 0
                ? {
                    status: 'warn',
                    detail: `subscribed at ${w.socketUrl}; no such entity: ${missing.join(', ')} (check homeAssistant.watch)`,
                  }
                : {
                    status: 'ok',
                    detail: `subscribed to state changes at ${w.socketUrl}; ${watches.length} watched entities found`,
                  };
            }
            throw new Error(w.error ?? `no answer from ${w.socketUrl} within 5 s`);
          },
        });
      } else if (watches.length > 0) {
        logger.warn(
          'homeAssistant.watch is set but Home Assistant is not configured (HA_URL and HA_TOKEN)',
        );
      }
      if (ha) {
        const parts = createHomeAssistantParts({ ha, domains: config.homeAssistant.domains });
        tools.push(...parts.tools);
        remediations.push(...parts.remediations);
        checks.push({
          name: 'home assistant',
          async run({ signal }) {
            await ha.ping(signal);
            return { status: 'ok', detail: `Home Assistant answers at ${ha.url}` };
          },
        });
      } else if (haUrl && !haToken) {
        logger.warn('HA_URL is set but HA_TOKEN is not: Home Assistant is off');
        checks.push({
          name: 'home assistant',
          run: async () => ({
            status: 'warn',
            detail: 'HA_URL is set but no token: set HA_TOKEN (a long-lived access token)',
          }),
        });
      }
      return {
        sources,
        tools,
        remediations,
        checks,
        dispose: async () => {
          watcher?.stop();
          fleet.dispose();
        },
      };
    },
  });
}

/** The `homelab` plugin with no seams. */
export const homelabPlugin: Plugin<typeof homelabConfigSchema> = createHomelabPlugin();
