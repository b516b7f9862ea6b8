import { setMaxListeners } from 'node:events';
import type { Address, Channel, InboundMessage, SentMessage } from '../contracts/channel.js';
import type { Command } from '../contracts/command.js';
import type { LanguageModel } from '../contracts/language-model.js';
import type { Logger } from '../contracts/logger.js';
import { type OutboundMessage, textMessage } from '../contracts/message.js';
import type { Plugin } from '../contracts/plugin.js';
import { hasRole, type Principal } from '../contracts/roles.js';
import type { StatusReport } from '../contracts/source.js';
import type {
  AuditRecord,
  ConversationRecord,
  IncidentRecord,
  Store,
  StoredMessage,
} from '../contracts/store.js';
import { errorMessage, OpsAgentError } from '../errors.js';
import { silentLogger } from '../logging/logger.js';
import { SecretRedactor } from '../logging/redact.js';
import { MetricsRegistry } from '../metrics/registry.js';
import {
  createRuntimeMetrics,
  meteredModel,
  type RuntimeMetrics,
} from '../metrics/runtime-metrics.js';
import { createMonitor, type Monitor } from '../monitor/monitor.js';
import { conversationKey } from '../store/keys.js';
import { MemoryStore } from '../store/memory-store.js';
import { type Clock, systemClock } from '../util/clock.js';
import { withTimeout } from '../util/timeout.js';
import { AccessControl } from './access.js';
import { createAnswerer } from './answer.js';
import { ApprovalService } from './approvals.js';
import { builtinCommands, collectStatus } from './commands.js';
import type {
  AgentLoopOptions,
  ApprovalOptions,
  ConversationOptions,
  MonitorOptions,
  NotificationRoute,
  PrincipalConfig,
  QueueOptions,
} from './options.js';
import type { Readiness, ReadinessCheck } from './readiness.js';
import { addCommand, buildRegistry, type PluginEntry, type Registry } from './registry.js';
import { createModelTriage } from './triage.js';

/** Options of {@link createAgent}. Everything but the plugins has a sensible default. */
export interface CreateAgentOptions {
  /** Plugins, alone (config `{}`) or with their config section. */
  plugins?: Array<Plugin | PluginEntry>;
  /** The language model; overrides one contributed by a plugin. None: commands only. */
  model?: LanguageModel;
  /** Where state lives; default a MemoryStore. The agent initialises it and closes it on stop. */
  store?: Store;
  /** Who may talk to the agent. Unknown senders get nothing. */
  principals?: PrincipalConfig[];
  conversation?: Partial<ConversationOptions>;
  /** Bounds of the inbound queues (backpressure); default 20 per conversation, 1000 overall. */
  queue?: Partial<QueueOptions>;
  agent?: Partial<AgentLoopOptions>;
  monitor?: Partial<MonitorOptions>;
  notifications?: NotificationRoute[];
  approvals?: Partial<ApprovalOptions>;
  /** Logger; default silent. */
  logger?: Logger;
  /** Time source; default the wall clock. */
  clock?: Clock;
  /** Folder plugins may write to; default the current folder's `.opsagent`. */
  dataDir?: string;
  /** Environment for plugins and secret redaction; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Secret values to keep out of prompts and logs, beyond those found in `env`. */
  secrets?: string[];
  /** Time allowed for one source's `status()`; default 5 s. */
  statusTimeoutMs?: number;
  /** How often idle conversations and expired approvals are swept; default 30 s. */
  sweepIntervalMs?: number;
  /** Registry the runtime's metrics go to; default a new one (see `agent.metrics`). */
  metricsRegistry?: MetricsRegistry;
}

/** A running (or ready) agent. */
export interface Agent {
  /** What the plugins contributed. */
  readonly registry: Readonly<Registry>;
  /** The store. */
  readonly store: Store;
  /** The approval flow. */
  readonly approvals: ApprovalService;
  /** The monitor (started by `start` when enabled). */
  readonly monitor: Monitor;
  /** The model, if any (wrapped so its calls are counted in `metrics`). */
  readonly model: LanguageModel | undefined;
  /** Counters, gauges and histograms of the runtime, rendered by the management API at `/metrics`. */
  readonly metrics: RuntimeMetrics;
  /** The principal with this id from config, e.g. the one an API token acts as. */
  principal(id: string): Principal | undefined;
  /** Whether the agent can work now: started and not stopping, store reachable, channels started. */
  readiness(): Promise<Readiness>;
  /** Starts channels, the monitor (when enabled) and the sweeps; recovers interrupted approvals. */
  start(options?: { channels?: boolean; monitor?: boolean }): Promise<void>;
  /** Stops everything gracefully: channels, monitor, queued work, plugins, the store. Idempotent. */
  stop(): Promise<void>;
  /** Accepts an inbound message (what channels call); it is handled in order within its conversation. */
  receive(message: InboundMessage): Promise<void>;
  /** Accepts a message and waits until it has been handled. */
  handle(message: InboundMessage): Promise<void>;
  /** Inbound messages waiting or being handled now, overall and in the busiest conversation. */
  queueDepth(): QueueDepth;
  /** Resolves when every accepted message has been handled. */
  idle(): Promise<void>;
  /** Closes idle conversations and expires due approvals now. */
  sweep(): Promise<void>;
  /** Every source's status, now (from their caches where they keep one). */
  status(): Promise<StatusReport[]>;
  /** Sends a message through a channel by name. */
  send(
    channel: string,
    address: Address,
    message: OutboundMessage,
  ): Promise<SentMessage | undefined>;
}

/** A snapshot of the inbound queues. */
export interface QueueDepth {
  /** Messages waiting or being handled, across all conversations. */
  total: number;
  /** Conversations with at least one such message. */
  conversations: number;
  /** Messages waiting or being handled in the busiest conversation. */
  deepest: number;
}

/**
 * What the sender of a message gets when a queue bound is reached: the message was not queued and
 * nothing of it ran, so sending it again later is safe.
 */
export const BUSY_REPLY =
  'I am busy with earlier messages right now and did not take this one. Please send it again in a minute.';

/** Handled inbound ids remembered in memory (the store's claim covers older ones). */
const RECENT_IDS = 10_000;
const DEFAULT_QUEUE: QueueOptions = { maxPerConversation: 20, maxTotal: 1000 };
const DEFAULT_CONVERSATION: ConversationOptions = { historyLimit: 20, idleTimeoutMs: 30 * 60_000 };
const DEFAULT_LOOP: AgentLoopOptions = {
  maxRounds: 8,
  toolTimeoutMs: 30_000,
  toolOutputLimit: 16_000,
};
const DEFAULT_MONITOR: MonitorOptions = {
  enabled: true,
  intervalMs: 60_000,
  timeoutMs: 20_000,
  openAfter: 2,
  resolveAfter: 2,
};
const DEFAULT_APPROVALS: ApprovalOptions = {
  expiresInMs: 60 * 60_000,
  deciderRoles: { low: 'operator', medium: 'operator', high: 'admin' },
  policy: [],
  executionTimeoutMs: 5 * 60_000,
};

export { NO_MODEL_REPLY } from './answer.js';

/**
 * Assembles an agent from plugins: registers what they contribute (duplicate names are coded
 * errors), initialises the store, and wires the conversation, monitor and approval flows.
 */
export async function createAgent(options: CreateAgentOptions = {}): Promise<Agent> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const env = options.env ?? process.env;
  const conversation = { ...DEFAULT_CONVERSATION, ...options.conversation };
  const queueBounds = { ...DEFAULT_QUEUE, ...options.queue };
  for (const field of ['maxPerConversation', 'maxTotal'] as const) {
    if (!Number.isInteger(queueBounds[field]) || queueBounds[field] < 1) {
      throw new OpsAgentError(
        'CONFIG_INVALID',
        `queue.${field} must be a whole number of at least 1 (got ${String(queueBounds[field])}); remove it for the default ${DEFAULT_QUEUE[field]}`,
        { category: 'user', details: { field: `queue.${field}` } },
      );
    }
  }
  const loop = { ...DEFAULT_LOOP, ...options.agent };
  const monitorOptions = { ...DEFAULT_MONITOR, ...options.monitor };
  const approvalOptions = { ...DEFAULT_APPROVALS, ...options.approvals };
  const redactor = new SecretRedactor();
  redactor.addFromEnv(env);
  redactor.add(...(options.secrets ?? []));

  const entries = (options.plugins ?? []).map(
    (p): PluginEntry => ('plugin' in p ? p : { plugin: p }),
  );
  // Audit records and conversation history pass through the redactor on their way into the store.
  const store = redactingStore(options.store ?? new MemoryStore({ clock }), redactor);
  const registry = await buildRegistry(entries, {
    logger,
    dataDir: options.dataDir ?? '.opsagent',
    env,
    store,
  });
  const metrics = createRuntimeMetrics(options.metricsRegistry ?? new MetricsRegistry());
  const rawModel = options.model ?? registry.model;
  const model = rawModel ? meteredModel(rawModel, metrics) : undefined;
  await store.init();

  const access = new AccessControl(options.principals ?? []);
  registerStateGauges(metrics, store, clock);
  const statusTimeoutMs = options.statusTimeoutMs ?? 5_000;
  const stopController = new AbortController();
  // Every in-flight model call and tool run listens to it: many concurrent conversations are normal.
  setMaxListeners(0, stopController.signal);

  const send = async (channelName: string, address: Address, message: OutboundMessage) => {
    const channel = registry.channels.get(channelName);
    if (!channel) {
      logger.error({ channel: channelName }, 'no such channel; message dropped');
      return undefined;
    }
    try {
      const sent = await channel.send(address, redactor.redactDeep(message));
      metrics.message(channelName, 'out');
      return sent;
    } catch (error) {
      metrics.sendFailed(channelName);
      throw error;
    }
  };

  const approvals = new ApprovalService({
    store,
    remediations: registry.remediations,
    options: approvalOptions,
    logger: logger.child({ component: 'approvals' }),
    clock,
    report: async (destination, message) => {
      await send(destination.channel, destination.address, message);
    },
    metrics,
    redactor,
  });

  const builtinOwners = new Map<string, string>();
  const pluginCommands = registry.commandList.splice(0);
  const pluginCommandKeys = new Map(registry.commands);
  registry.commands.clear();
  for (const command of builtinCommands({
    sources: () => [...registry.sources.values()],
    commands: () => registry.commandList,
    approvals,
    store,
    clock,
    hasModel: () => model !== undefined,
    statusTimeoutMs,
  })) {
    addCommand(registry, command, 'core', builtinOwners);
  }
  for (const command of pluginCommands) {
    const owner =
      [...pluginCommandKeys.entries()].find(([, c]) => c === command)?.[0] ?? command.name;
    addCommand(registry, command, `plugin command ${owner}`, builtinOwners);
  }

  const monitor = createMonitor({
    sources: [...registry.sources.values()],
    store,
    options: monitorOptions,
    routes: options.notifications ?? [],
    notify: async (route, message) => {
      await send(route.channel, route.address, message);
    },
    remediations: [...registry.remediations.values()],
    propose: async ({ remediation, input, reason, incident }) => {
      try {
        return await approvals.propose({
          remediation: remediation.name,
          input,
          reason,
          requestedBy: { kind: 'monitor', id: 'monitor', name: 'monitor' },
          incidentId: incident.id,
        });
      } catch (error) {
        logger.warn({ err: error, remediation: remediation.name }, 'monitor proposal refused');
        return undefined;
      }
    },
    ...(model && monitorOptions.triage !== false
      ? {
          analyze: createModelTriage(
            model,
            redactor,
            stopController.signal,
            monitorOptions.diagnose && monitorOptions.diagnose !== 'off'
              ? {
                  minSeverity: monitorOptions.diagnose,
                  tools: registry.tools,
                  loop,
                  logger: logger.child({ component: 'diagnosis' }),
                  onToolCall: async (incident, name, input, ok, durationMs) => {
                    await store.appendAudit({
                      at: clock.now(),
                      type: 'tool_call',
                      actor: 'monitor',
                      subject: name,
                      detail: {
                        input,
                        ok,
                        durationMs: Math.round(durationMs),
                        incident: incident.id,
                      },
                    });
                  },
                }
              : undefined,
          ),
        }
      : {}),
    logger: logger.child({ component: 'monitor' }),
    clock,
    metrics,
    redactor,
  });

  // Per-conversation queues: messages of one conversation in order, conversations concurrently.
  // Bounded: `depths` counts messages waiting or being handled per conversation, `pendingIds` the
  // inbound ids among them (a redelivery of one is dropped before the store is asked).
  const queues = new Map<string, Promise<void>>();
  const depths = new Map<string, number>();
  const pendingIds = new Set<string>();
  // Ids handled lately (oldest first, bounded): a redelivery of one is dropped at once, also when
  // the queues are full (it must not get a busy reply for a message already answered).
  const recentIds = new Set<string>();
  let pendingTotal = 0;
  // Busy replies being sent: bounded too, so a flood against a stalled channel cannot pile them up.
  let busyReplies = 0;
  const busy = metrics.registry.counter(
    'opsagent_messages_busy_total',
    'Messages refused because an inbound queue bound was reached, by channel and bound (conversation, total); bound no_reply counts those also left without the busy reply because busy replies were backed up.',
    ['channel', 'bound'],
  );
  const depthGauge = metrics.registry.gauge(
    'opsagent_inbound_queue_depth',
    'Inbound messages waiting or being handled, overall (scope total) and in the busiest conversation (scope deepest).',
    ['scope'],
  );
  const queueDepth = (): QueueDepth => ({
    total: pendingTotal,
    conversations: depths.size,
    deepest: Math.max(0, ...depths.values()),
  });
  metrics.registry.collect(() => {
    const depth = queueDepth();
    depthGauge.set({ scope: 'total' }, depth.total);
    depthGauge.set({ scope: 'deepest' }, depth.deepest);
  });
  const inFlight = new Set<Promise<void>>();
  const unknownSenders = new Set<string>();
  let started = false;
  let stopped = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  const startedChannels = new Set<string>();
  let channelsWanted = true;

  const reply = async (channel: Channel, address: Address, message: OutboundMessage | string) => {
    const outbound = redactor.redactDeep(
      typeof message === 'string' ? textMessage(message) : message,
    );
    try {
      const sent = await channel.send(address, outbound);
      metrics.message(channel.name, 'out');
      return sent;
    } catch (error) {
      metrics.sendFailed(channel.name);
      logger.error({ err: error, channel: channel.name }, 'could not send a reply');
      return undefined;
    }
  };

  const openConversation = async (
    key: string,
    message: InboundMessage,
  ): Promise<ConversationRecord> => {
    const now = clock.now();
    const existing = await store.getConversation(key);
    if (existing && existing.status === 'open') {
      const updated = { ...existing, lastActivityAt: now };
      await store.putConversation(updated);
      return updated;
    }
    if (existing) await store.clearMessages(key);
    const fresh: ConversationRecord = {
      key,
      channel: message.channel,
      address: message.address,
      status: 'open',
      createdAt: now,
      lastActivityAt: now,
    };
    await store.putConversation(fresh);
    return fresh;
  };

  const runCommand = async (
    command: Command,
    args: string[],
    message: InboundMessage,
    principal: Principal,
    channel: Channel,
  ): Promise<OutboundMessage | string> => {
    const needed = command.role ?? 'viewer';
    await store.appendAudit({
      at: clock.now(),
      type: 'command',
      actor: principal.id,
      subject: command.name,
      detail: { args, channel: message.channel },
    });
    if (!hasRole(principal, needed)) return `"${command.name}" needs the ${needed} role.`;
    try {
      return await command.run({
        args,
        message,
        principal,
        address: message.address,
        logger: logger.child({ command: command.name }),
        signal: stopController.signal,
      });
    } catch (error) {
      logger.error({ err: error, command: command.name, channel: channel.name }, 'command failed');
      return `"${command.name}" failed: ${redactor.redact(errorMessage(error))}`;
    }
  };

  const answer = createAnswerer({
    model,
    registry,
    approvals,
    store,
    clock,
    conversation,
    loop,
    redactor,
    logger,
    signal: stopController.signal,
    statusTimeoutMs,
    reply,
  });

  const processMessage = async (
    message: InboundMessage,
    principal: Principal,
    channel: Channel,
  ): Promise<void> => {
    const key = conversationKey(message.channel, message.address);
    if (message.action?.type === 'approval') {
      const command = registry.commands.get(message.action.decision);
      if (command) {
        const out = await runCommand(
          command,
          [message.action.approvalId],
          message,
          principal,
          channel,
        );
        await reply(channel, message.address, out);
      }
      return;
    }
    const text = (message.text ?? '').trim();
    if (!text) return;
    await openConversation(key, message);
    const [word = '', ...args] = text.split(/\s+/);
    const command = registry.commands.get(word.toLowerCase());
    if (command) {
      const out = await runCommand(command, args, message, principal, channel);
      await reply(channel, message.address, out);
      return;
    }
    await answer(key, message, principal, channel, text);
  };

  /** The conversation is open and its last activity within the inactivity timeout. */
  const ownsThread = async (key: string): Promise<boolean> => {
    const existing = await store.getConversation(key);
    return (
      existing?.status === 'open' &&
      clock.now().getTime() - existing.lastActivityAt.getTime() < conversation.idleTimeoutMs
    );
  };

  // Synchronous up to the queue insertion, so messages of a conversation keep their arrival order.
  const accept = (message: InboundMessage): Promise<void> | undefined => {
    if (stopped) return undefined;
    const channel = registry.channels.get(message.channel);
    if (!channel) {
      logger.warn({ channel: message.channel }, 'message from an unregistered channel dropped');
      return undefined;
    }
    metrics.message(message.channel, 'in');
    const principal = access.resolve(message.channel, message.sender.id);
    if (!principal && message.followUp) {
      // Not addressed to the agent: people who are no principal may talk among themselves.
      logger.debug(
        { channel: message.channel, sender: message.sender.id },
        'follow-up from an unknown sender ignored',
      );
      return undefined;
    }
    if (!principal) {
      const who = `${message.channel}:${message.sender.id}`;
      if (unknownSenders.has(who)) return undefined;
      unknownSenders.add(who);
      logger.warn(
        { channel: message.channel, sender: message.sender.id },
        'message from an unknown sender ignored',
      );
      const refusal = store
        .appendAudit({
          at: clock.now(),
          type: 'refusal',
          actor: who,
          subject: 'inbound',
          detail: { reason: 'unknown sender' },
        })
        .catch((error) => logger.warn({ err: error }, 'could not audit a refusal'));
      return track(refusal);
    }
    const key = conversationKey(message.channel, message.address);
    const inboundId = `inbound:${message.channel}:${message.id}`;
    if (pendingIds.has(inboundId) || recentIds.has(inboundId)) {
      logger.debug({ channel: message.channel, id: message.id }, 'duplicate delivery ignored');
      return undefined;
    }
    const depth = depths.get(key) ?? 0;
    const bound =
      depth >= queueBounds.maxPerConversation
        ? 'conversation'
        : pendingTotal >= queueBounds.maxTotal
          ? 'total'
          : undefined;
    if (bound && message.followUp) {
      // A follow-up may be in a thread the agent does not own: no busy note there.
      busy.inc({ channel: message.channel, bound: 'no_reply' });
      logger.warn({ conversation: key, bound }, 'inbound queue full; follow-up dropped');
      return undefined;
    }
    if (bound) {
      // Backpressure: refuse now rather than queue without end. Nothing of the message ran and its
      // id is not claimed, so the same message sent again later is handled normally.
      busy.inc({ channel: message.channel, bound });
      if (busyReplies >= queueBounds.maxTotal) {
        logger.warn(
          { conversation: key, busyReplies },
          'inbound queue full and busy replies backed up; message dropped without a reply',
        );
        busy.inc({ channel: message.channel, bound: 'no_reply' });
        return undefined;
      }
      logger.warn(
        { conversation: key, depth, total: pendingTotal, bound },
        'inbound queue full; message refused with a busy reply',
      );
      busyReplies += 1;
      return track(
        reply(channel, message.address, textMessage(BUSY_REPLY, 'notice')).then(
          () => {
            busyReplies -= 1;
          },
          () => {
            busyReplies -= 1;
          },
        ),
      );
    }
    pendingIds.add(inboundId);
    depths.set(key, depth + 1);
    pendingTotal += 1;
    const previous = queues.get(key) ?? Promise.resolve();
    // A follow-up outside an open conversation is dropped unclaimed and not remembered, so the
    // same message can still be handled when it arrives addressed to the agent.
    let unowned = false;
    const next = previous
      .then(async () => {
        if (message.followUp && !(await ownsThread(key))) {
          unowned = true;
          logger.debug(
            { channel: message.channel, id: message.id },
            'follow-up outside an open conversation ignored',
          );
          return;
        }
        if (!(await store.claim(inboundId, 24 * 60 * 60_000))) {
          logger.debug({ channel: message.channel, id: message.id }, 'duplicate delivery ignored');
          return;
        }
        await processMessage(message, principal, channel);
      })
      .catch(async (error) => {
        // Only the store can fail here (dedup claim, conversation record, command audit), before
        // anything was acted on: the sender is told so, and the conversation keeps working.
        logger.error({ err: error, conversation: key }, 'message handling failed');
        await reply(
          channel,
          message.address,
          `Sorry, I could not handle that message (${redactor.redact(errorMessage(error))}). Nothing was done; try again shortly.`,
        );
      })
      .finally(() => {
        pendingIds.delete(inboundId);
        if (!unowned) {
          recentIds.add(inboundId);
          if (recentIds.size > RECENT_IDS)
            recentIds.delete(recentIds.values().next().value as string);
        }
        pendingTotal -= 1;
        const left = (depths.get(key) ?? 1) - 1;
        if (left > 0) depths.set(key, left);
        else depths.delete(key);
      });
    queues.set(key, next);
    void next.finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
    return track(next);
  };

  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  };

  const sweep = async () => {
    const cutoff = new Date(clock.now().getTime() - conversation.idleTimeoutMs);
    for (const idle of await store.listIdleConversations(cutoff)) {
      if (queues.has(idle.key)) continue;
      await store.putConversation({ ...idle, status: 'closed' });
      await store.clearMessages(idle.key);
      const minutes = Math.round(conversation.idleTimeoutMs / 60_000);
      await send(
        idle.channel,
        idle.address,
        textMessage(
          `Closing this conversation after ${minutes} min of inactivity. Write again to start a new one.`,
          'notice',
        ),
      ).catch((error) => logger.warn({ err: error }, 'could not send the close note'));
    }
    await approvals.expireDue();
  };

  const agent: Agent = {
    registry,
    store,
    approvals,
    monitor,
    model,
    metrics,
    principal: (id) => access.principal(id),
    async readiness() {
      const checks: ReadinessCheck[] = [
        {
          name: 'agent',
          ok: started && !stopped,
          detail: stopped ? 'stopping' : started ? 'started' : 'not started yet',
        },
      ];
      try {
        await withTimeout('store probe', 2_000, () => store.getValue('opsagent:readiness'));
        checks.push({ name: 'store', ok: true, detail: 'reachable' });
      } catch (error) {
        checks.push({ name: 'store', ok: false, detail: redactor.redact(errorMessage(error)) });
      }
      for (const name of channelsWanted ? registry.channels.keys() : []) {
        const up = startedChannels.has(name) && !stopped;
        checks.push({ name: `channel:${name}`, ok: up, detail: up ? 'started' : 'not started' });
      }
      return { ready: checks.every((c) => c.ok), checks };
    },
    async start(startOptions = {}) {
      if (started) return;
      started = true;
      await approvals.recover();
      channelsWanted = startOptions.channels !== false;
      if (channelsWanted) {
        for (const channel of registry.channels.values()) {
          await channel.start({
            receive: (m) => agent.receive(m),
            logger: logger.child({ channel: channel.name }),
          });
          startedChannels.add(channel.name);
        }
      }
      if (startOptions.monitor ?? monitorOptions.enabled) monitor.start();
      const interval = options.sweepIntervalMs ?? 30_000;
      sweepTimer = setInterval(() => {
        sweep().catch((error) => logger.warn({ err: error }, 'sweep failed'));
      }, interval);
      sweepTimer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweepTimer);
      for (const channel of registry.channels.values()) {
        await channel
          .stop()
          .catch((error) =>
            logger.warn({ err: error, channel: channel.name }, 'channel stop failed'),
          );
      }
      await monitor.stop();
      await Promise.allSettled([...inFlight]);
      await approvals.settle();
      stopController.abort();
      for (const dispose of registry.disposers) {
        await dispose().catch((error) => logger.warn({ err: error }, 'plugin dispose failed'));
      }
      await store.close();
    },
    async receive(message) {
      accept(message);
    },
    async handle(message) {
      await accept(message);
    },
    queueDepth,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    sweep,
    status: () =>
      collectStatus([...registry.sources.values()], statusTimeoutMs, {
        logger,
        signal: stopController.signal,
      }),
    send,
  };
  return agent;
}

/**
 * The store as the runtime uses it: audit records, conversation messages and incidents have every
 * known secret replaced before they are written (a token a person pastes, a model's echo, tool
 * input, a finding's evidence). Incident keys are looked up redacted, as they are stored.
 */
function redactingStore(store: Store, redactor: SecretRedactor): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendAudit') {
        return (record: AuditRecord) => target.appendAudit(redactor.redactDeep(record));
      }
      if (property === 'appendMessages') {
        return (key: string, messages: StoredMessage[]) =>
          target.appendMessages(key, redactor.redactDeep(messages));
      }
      if (property === 'putIncident') {
        return (incident: IncidentRecord) => target.putIncident(redactor.redactDeep(incident));
      }
      if (property === 'findActiveIncident') {
        return (key: string) => target.findActiveIncident(redactor.redact(key));
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const SEVERITY_LABELS = ['info', 'warning', 'critical'] as const;

/** Gauges read from the store at scrape time: open incidents by severity, pending approvals. */
function registerStateGauges(metrics: RuntimeMetrics, store: Store, clock: Clock): void {
  const { registry } = metrics;
  const open = registry.gauge('opsagent_incidents_open', 'Incidents open now, by severity.', [
    'severity',
  ]);
  const pending = registry.gauge(
    'opsagent_approvals_pending',
    'Approval requests waiting for a decision and not yet expired.',
  );
  const startTime = registry.gauge(
    'opsagent_start_time_seconds',
    'When the agent was created, in seconds since the Unix epoch.',
  );
  startTime.set({}, Math.floor(clock.now().getTime() / 1000));
  registry.collect(async () => {
    const incidents = await store.listIncidents({ status: ['open'] });
    for (const severity of SEVERITY_LABELS) {
      open.set({ severity }, incidents.filter((i) => i.severity === severity).length);
    }
    const now = clock.now().getTime();
    const waiting = await store.listApprovals({ status: ['pending'] });
    pending.set({}, waiting.filter((a) => a.expiresAt.getTime() > now).length);
  });
}
