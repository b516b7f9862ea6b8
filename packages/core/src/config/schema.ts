import { z } from 'zod';
import type { Risk } from '../contracts/remediation.js';
import { ROLES } from '../contracts/roles.js';
import type { Severity } from '../contracts/source.js';
import { apiConfigSchema } from '../http/config.js';
import type { LogLevel } from '../logging/logger.js';
import type {
  AgentLoopOptions,
  ApprovalOptions,
  ConversationOptions,
  MonitorOptions,
  NotificationRoute,
  PrincipalConfig,
  QueueOptions,
} from '../runtime/options.js';
import { duration } from './duration.js';

/** Longest delay a Node.js timer accepts (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
] as const satisfies readonly LogLevel[];
const RISKS = ['low', 'medium', 'high'] as const satisfies readonly Risk[];
const SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly Severity[];

const role = z.enum(ROLES);
const risk = z.enum(RISKS);
const name = z.string().min(1);

/** A duration field of the config file: longer than 0, at most ~24 days, with a default text. */
function configDuration(fallback: string) {
  return duration
    .refine((ms) => ms > 0 && ms <= MAX_TIMER_MS, {
      error: 'expected a duration longer than 0 and at most 24 days',
    })
    .prefault(fallback);
}

/** Reports every item whose `key` repeats an earlier item's, at `<index>.<field>`. */
function unique<T>(field: string, what: string, key: (item: T) => string) {
  return (items: readonly T[], ctx: z.RefinementCtx<readonly T[]>): void => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const value = key(item);
      const first = seen.get(value);
      if (first === undefined) {
        seen.set(value, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, field],
        input: value,
        message: `duplicate ${what} "${value}" (already used by item ${first}); ${what}s must be unique`,
      });
    });
  };
}

const principalSchema = z
  .strictObject({
    id: name.describe('Stable id of the person, used in the audit log, e.g. `alice`.'),
    name: name.optional().describe('Display name; defaults to the id.'),
    roles: z
      .array(role)
      .min(1)
      .describe('Roles: `viewer` reads, `operator` also decides approvals, `admin` everything.'),
    identities: z
      .record(name, z.array(name).min(1))
      .describe(
        "Sender ids per channel name, e.g. `{ slack: [U0123], signal: ['+4915112345678'] }`. " +
          "`'*'` matches any sender of that channel (sensible only for `console`).",
      ),
  })
  .describe('A person the agent serves, and how each channel knows them.');

const routeSchema = z
  .strictObject({
    channel: name.describe('Channel name, e.g. `slack` or `signal`.'),
    to: z
      .strictObject({
        chat: name.describe(
          'The chat in that channel: a Slack channel id, a Signal group or number.',
        ),
        thread: name.optional().describe('The thread inside the chat, if the medium has threads.'),
      })
      .describe('Where in the channel notifications go.'),
    minSeverity: z
      .enum(SEVERITIES)
      .default('warning')
      .describe('Least severity sent on this route.'),
  })
  .describe('One destination for incident notifications.');

const policyRuleSchema = z
  .strictObject({
    name: name.describe('Name of the rule, recorded as the decider in the audit log.'),
    decision: z.enum(['approve', 'reject']).describe('What the rule decides.'),
    remediations: z
      .array(name)
      .min(1)
      .default(() => ['*'])
      .describe('Remediation names the rule covers; `*` for any.'),
    maxRisk: risk.default('low').describe('Highest risk the rule covers.'),
    from: z
      .array(z.enum(['monitor', ...ROLES]))
      .default(() => [])
      .describe(
        'Who must have asked: `monitor` for monitor proposals, or a role, meaning a principal ' +
          'holding at least that role. Empty: anyone.',
      ),
  })
  .describe('A rule that decides approvals without a person; the first matching rule wins.');

/**
 * The core sections of `opsagent.yaml`. Every field has a default, so an empty file is valid;
 * unknown keys are errors. Plugin sections (`plugins.<name>`) are validated by
 * {@link buildConfigSchema}, which composes each plugin's own schema in.
 */
export const coreConfigSchema = z
  .strictObject({
    preset: name
      .optional()
      .describe('The built-in preset this file extends, e.g. `local`; default `local`.'),
    dataDir: name
      .optional()
      .describe(
        'Folder for the SQLite database and plugin state; default `OPSAGENT_DATA_DIR`, else a ' +
          'per-user state folder.',
      ),
    log: z
      .strictObject({
        level: z.enum(LOG_LEVELS).default('info').describe('Least level logged.'),
        pretty: z
          .boolean()
          .optional()
          .describe('Human-readable log lines; default: when standard error is a terminal.'),
      })
      .prefault({})
      .describe('Logging.'),
    principals: z
      .array(principalSchema)
      .superRefine(unique<z.output<typeof principalSchema>>('id', 'principal id', (p) => p.id))
      .default(() => [])
      .describe(
        "Who may talk to the agent; unknown senders get nothing. Default: the preset's principals.",
      ),
    conversation: z
      .strictObject({
        historyLimit: z
          .number()
          .int()
          .min(1)
          .max(500)
          .default(20)
          .describe('Messages of history sent to the model with each question.'),
        idleTimeout: configDuration('30m').describe(
          'A conversation with no activity for this long is closed, e.g. `30m`.',
        ),
        maxPending: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(20)
          .describe(
            'Messages waiting or being handled in one conversation; one more gets a "busy, send it again" reply instead of being queued.',
          ),
        maxPendingTotal: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(1000)
          .describe(
            'Messages waiting or being handled across all conversations; past it, new messages get the busy reply.',
          ),
      })
      .prefault({})
      .describe('How conversations are kept.'),
    agent: z
      .strictObject({
        maxRounds: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(8)
          .describe('Model rounds (request plus tool calls) per question.'),
        toolTimeout: configDuration('30s').describe('Default time allowed for one tool call.'),
        toolOutputLimit: z
          .number()
          .int()
          .min(1)
          .default(16_000)
          .describe('Characters of tool output kept for the model.'),
        maxToolInputErrors: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe(
            'Tool calls with unusable arguments per question before the model must answer without tools.',
          ),
        instructions: z
          .string()
          .optional()
          .describe('Extra instructions appended to the built-in system prompt.'),
      })
      .prefault({})
      .describe('Bounds of the agent loop.'),
    monitor: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe('Run checks at all; default on for `opsagent run`, off for `opsagent chat`.'),
        interval: configDuration('60s').describe('Default interval between checks of a source.'),
        timeout: configDuration('20s').describe('Default time allowed for one check.'),
        openAfter: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(2)
          .describe('Consecutive observations of a finding before an incident opens.'),
        resolveAfter: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(2)
          .describe('Consecutive clean checks before an incident resolves.'),
        triage: z
          .boolean()
          .default(true)
          .describe(
            'Ask the model (task `triage`) for a short analysis of each incident as it opens or escalates; needs a model.',
          ),
        diagnose: z
          .enum(['off', 'warning', 'critical'])
          .default('off')
          .describe(
            'Least severity of incidents the model diagnoses with the read-only tools (task `diagnosis`, the strong model) instead of the short triage; needs triage on.',
          ),
      })
      .prefault({})
      .describe('The monitor: schedule and flap damping.'),
    notifications: z
      .strictObject({
        routes: z
          .array(routeSchema)
          .default(() => [])
          .describe("Where incident notifications go; default: the preset's routes."),
      })
      .prefault({})
      .describe('Incident notifications.'),
    approvals: z
      .strictObject({
        expiresIn: configDuration('1h').describe('How long an approval request stays open.'),
        deciderRoles: z
          .strictObject({
            low: role.default('operator').describe('Least role that decides a low-risk request.'),
            medium: role
              .default('operator')
              .describe('Least role that decides a medium-risk request.'),
            high: role.default('admin').describe('Least role that decides a high-risk request.'),
          })
          .prefault({})
          .describe('Least role needed to decide a request of each risk.'),
        policy: z
          .array(policyRuleSchema)
          .superRefine(
            unique<z.output<typeof policyRuleSchema>>('name', 'policy rule name', (r) => r.name),
          )
          .default(() => [])
          .describe('Automatic decisions, checked in order before asking a person.'),
        executionTimeout: configDuration('5m').describe(
          'Default time allowed for one remediation run.',
        ),
      })
      .prefault({})
      .describe('How approvals work: nothing that changes the world runs without one.'),
    store: z
      .strictObject({
        type: z
          .enum(['sqlite', 'memory', 'dynamodb'])
          .default('sqlite')
          .describe(
            '`sqlite` keeps state in a file; `memory` forgets it on exit; `dynamodb` shares it between servers or Lambda (@opsagent/store-dynamodb).',
          ),
        path: name
          .optional()
          .describe('SQLite database file; default `opsagent.db` in the data folder.'),
        table: name.optional().describe('DynamoDB table (required with type: dynamodb).'),
        region: name
          .optional()
          .describe('DynamoDB: AWS region; default AWS_REGION or the shared AWS config.'),
        endpoint: name
          .optional()
          .describe('DynamoDB: endpoint URL; default AWS_ENDPOINT_URL_DYNAMODB, else AWS.'),
        createTable: z
          .boolean()
          .optional()
          .describe('DynamoDB: create the table when missing (development).'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('DynamoDB: attempts per request under throttling; default 6.'),
        retention: z
          .strictObject({
            conversations: duration
              .optional()
              .describe(
                'Conversations and messages live this long after last activity; default 30d.',
              ),
            approvals: duration
              .optional()
              .describe('Approvals live this long after they expire; default 90d.'),
          })
          .optional()
          .describe('DynamoDB: how long records live before TTL deletes them.'),
      })
      .superRefine((store, ctx) => {
        const only = (fields: readonly (keyof typeof store)[], type: string) => {
          for (const field of fields) {
            if (store[field] !== undefined && store.type !== type) {
              ctx.addIssue({
                code: 'custom',
                path: [field],
                message: `only applies to type: ${type} (this store is type: ${store.type})`,
              });
            }
          }
        };
        only(['path'], 'sqlite');
        only(
          ['table', 'region', 'endpoint', 'createTable', 'maxAttempts', 'retention'],
          'dynamodb',
        );
        if (store.type === 'dynamodb' && store.table === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['table'],
            message: 'required with type: dynamodb (the DynamoDB table name)',
          });
        }
      })
      .prefault({})
      .describe('Where conversations, incidents, approvals and the audit log are kept.'),
    modules: z
      .array(z.string().min(1, 'name a package or a file'))
      .default([])
      .describe(
        'Third-party plugins to load: npm package names (installed beside this file) or files relative to it (`./plugins/check.js`). Each must export a plugin (default export, a `plugin` export, or a list); its section is `plugins.<name>`.',
      ),
    api: apiConfigSchema
      .optional()
      .describe(
        'The management HTTP API served by `opsagent run`: health, status, incidents, approvals, metrics. Absent: no API.',
      ),
    plugins: z
      .record(z.string(), z.unknown())
      .default(() => ({}))
      .describe("Each plugin's own section, by plugin name, validated by the plugin's schema."),
  })
  .describe('opsagent configuration (opsagent.yaml).');

/** A validated config file: every default applied, durations in milliseconds. */
export type CoreConfig = z.output<typeof coreConfigSchema>;

/** The runtime options a config file sets (see `createAgent`). */
export interface ConfigRuntimeOptions {
  /** How conversations are kept. */
  conversation: ConversationOptions;
  /** Bounds of the inbound queues. */
  queue: QueueOptions;
  /** Bounds of the agent loop. */
  agent: AgentLoopOptions;
  /** The monitor's schedule; `enabled` is true unless the file says otherwise. */
  monitor: MonitorOptions;
  /** Notification routes from the file (empty: the caller's defaults apply). */
  notifications: NotificationRoute[];
  /** How approvals work. */
  approvals: ApprovalOptions;
  /** Principals from the file (empty: the caller's defaults apply). */
  principals: PrincipalConfig[];
}

/**
 * Maps a validated config to the runtime's options: durations become the `...Ms` fields and
 * everything is copied, so the (frozen) config is never shared with the runtime. `monitor.enabled`
 * is true unless the file sets it; callers override it per mode.
 */
export function toRuntimeOptions(config: CoreConfig): ConfigRuntimeOptions {
  const { conversation, agent, monitor, notifications, approvals } = config;
  return {
    conversation: {
      historyLimit: conversation.historyLimit,
      idleTimeoutMs: conversation.idleTimeout,
    },
    queue: {
      maxPerConversation: conversation.maxPending,
      maxTotal: conversation.maxPendingTotal,
    },
    agent: {
      maxRounds: agent.maxRounds,
      toolTimeoutMs: agent.toolTimeout,
      toolOutputLimit: agent.toolOutputLimit,
      maxToolInputErrors: agent.maxToolInputErrors,
      ...(agent.instructions === undefined ? {} : { instructions: agent.instructions }),
    },
    monitor: {
      enabled: monitor.enabled ?? true,
      intervalMs: monitor.interval,
      timeoutMs: monitor.timeout,
      openAfter: monitor.openAfter,
      resolveAfter: monitor.resolveAfter,
      triage: monitor.triage,
      diagnose: monitor.diagnose,
    },
    notifications: notifications.routes.map(
      (route): NotificationRoute => ({
        channel: route.channel,
        address: {
          chat: route.to.chat,
          ...(route.to.thread === undefined ? {} : { thread: route.to.thread }),
        },
        minSeverity: route.minSeverity,
      }),
    ),
    approvals: {
      expiresInMs: approvals.expiresIn,
      deciderRoles: {
        low: approvals.deciderRoles.low,
        medium: approvals.deciderRoles.medium,
        high: approvals.deciderRoles.high,
      },
      policy: approvals.policy.map((rule) => ({
        name: rule.name,
        decision: rule.decision,
        remediations: [...rule.remediations],
        maxRisk: rule.maxRisk,
        from: [...rule.from],
      })),
      executionTimeoutMs: approvals.executionTimeout,
    },
    principals: config.principals.map(
      (principal): PrincipalConfig => ({
        id: principal.id,
        ...(principal.name === undefined ? {} : { name: principal.name }),
        roles: [...principal.roles],
        identities: Object.fromEntries(
          Object.entries(principal.identities).map(([channel, ids]) => [channel, [...ids]]),
        ),
      }),
    ),
  };
}
