import {
  type Clock,
  errorMessage,
  type LanguageModel,
  type Logger,
  type ModelRequest,
  type ModelResponse,
  type ModelTask,
  OpsAgentError,
  silentLogger,
  systemClock,
  type TokenUsage,
} from '@opsagent/core';
import { costOf, ModelCatalog } from '../catalog/catalog.js';
import { LLM_BUDGET_EXCEEDED } from '../errors.js';
import type { InteractionLog } from './interaction-log.js';

/** Keys a call's cost is summed under; given by the caller. */
export interface UsageKeys {
  /** Conversation id. */
  conversation?: string;
  /** Incident id. */
  incident?: string;
}

/** One metered call. */
export interface UsageRecord extends UsageKeys {
  /** When the call finished. */
  at: Date;
  /** UTC day (`YYYY-MM-DD`) it counts towards. */
  day: string;
  /** The model that answered. */
  model: string;
  /** Task of the request. */
  task: ModelTask;
  /** Tokens used. */
  usage: TokenUsage;
  /** Wall time of the call in milliseconds. */
  latencyMs: number;
  /** Cost in USD from the catalog (0 when the model is not in it). */
  costUsd: number;
  /** False when the model was not in the catalog. */
  priced: boolean;
}

/** Sums over a set of calls. */
export interface UsageTotals {
  /** Number of calls. */
  calls: number;
  /** Input tokens at the normal rate. */
  inputTokens: number;
  /** Output tokens. */
  outputTokens: number;
  /** Input tokens read from the cache. */
  cachedInputTokens: number;
  /** Input tokens written to the cache. */
  cacheWriteInputTokens: number;
  /** Cost in USD. */
  costUsd: number;
}

/** What happens when a budget is spent. */
export type BudgetBehaviour = 'refuse' | 'downgrade';

/** Optional spending limits in USD. */
export interface Budgets {
  /** Limit per conversation. */
  perConversationUsd?: number;
  /** Limit per UTC day, over every call. */
  perDayUsd?: number;
  /** `refuse` throws `LLM_BUDGET_EXCEEDED`; `downgrade` sends the call to `downgradeTo`. Default `refuse`. */
  onExceeded?: BudgetBehaviour;
}

/** A budget that is spent. */
export interface BudgetBreach {
  /** Which budget. */
  scope: 'conversation' | 'day';
  /** Spent so far in USD. */
  spentUsd: number;
  /** The limit in USD. */
  limitUsd: number;
}

/** Options of {@link UsageMeter}. */
export interface UsageMeterOptions {
  /** Prices; the built-in catalog by default. */
  catalog?: ModelCatalog;
  /** Time source (days and latency). */
  clock?: Clock;
  /** Spending limits. */
  budgets?: Budgets;
  /** The model used once a budget is spent with `downgrade`, e.g. `router.tier('fast')`. */
  downgradeTo?: LanguageModel;
  /** Interaction log every wrapped call is written to. */
  log?: InteractionLog;
  /** Logger. */
  logger?: Logger;
  /** Recent records kept in memory for `records()`; default 1,000. */
  maxRecords?: number;
}

const emptyTotals = (): UsageTotals => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  costUsd: 0,
});

/** Records each model call with its cost and sums them per conversation, incident and day. */
export class UsageMeter {
  private readonly catalog: ModelCatalog;
  private readonly clock: Clock;
  private readonly budgets: Budgets;
  private readonly downgradeTo: LanguageModel | undefined;
  private readonly log: InteractionLog | undefined;
  private readonly logger: Logger;
  private readonly maxRecords: number;
  private readonly recent: UsageRecord[] = [];
  private readonly byConversation = new Map<string, UsageTotals>();
  private readonly byIncident = new Map<string, UsageTotals>();
  private readonly byDay = new Map<string, UsageTotals>();
  private readonly all = emptyTotals();

  constructor(options: UsageMeterOptions = {}) {
    this.catalog = options.catalog ?? new ModelCatalog();
    this.clock = options.clock ?? systemClock;
    this.budgets = options.budgets ?? {};
    this.downgradeTo = options.downgradeTo;
    this.log = options.log;
    this.logger = options.logger ?? silentLogger;
    this.maxRecords = options.maxRecords ?? 1000;
    if (this.budgets.onExceeded === 'downgrade' && !this.downgradeTo) {
      throw new OpsAgentError(
        'LLM_BUDGET_INVALID',
        'Budget behaviour "downgrade" needs a model to downgrade to (downgradeTo)',
        { category: 'user' },
      );
    }
  }

  /** Records one call and returns it with its cost. */
  record(
    call: { model: string; task: ModelTask; usage: TokenUsage; latencyMs: number } & UsageKeys,
  ): UsageRecord {
    const at = this.clock.now();
    const entry = this.catalog.get(call.model);
    const record: UsageRecord = {
      ...call,
      at,
      day: at.toISOString().slice(0, 10),
      costUsd: entry ? costOf(entry, call.usage) : 0,
      priced: entry !== undefined,
    };
    add(this.all, record);
    add(totalsFor(this.byDay, record.day), record);
    if (record.conversation !== undefined)
      add(totalsFor(this.byConversation, record.conversation), record);
    if (record.incident !== undefined) add(totalsFor(this.byIncident, record.incident), record);
    this.recent.push(record);
    if (this.recent.length > this.maxRecords) this.recent.shift();
    return record;
  }

  /**
   * Adds calls made before this meter existed (today's, read back from the interaction log at
   * start), with the cost they were logged at; nothing is written to the log.
   */
  restore(
    calls: Iterable<
      {
        at: Date;
        model: string;
        task: ModelTask;
        usage: TokenUsage;
        latencyMs: number;
        costUsd: number;
      } & UsageKeys
    >,
  ): number {
    let count = 0;
    for (const call of calls) {
      const record: UsageRecord = {
        ...call,
        day: call.at.toISOString().slice(0, 10),
        priced: this.catalog.get(call.model) !== undefined,
      };
      add(this.all, record);
      add(totalsFor(this.byDay, record.day), record);
      if (record.conversation !== undefined)
        add(totalsFor(this.byConversation, record.conversation), record);
      if (record.incident !== undefined) add(totalsFor(this.byIncident, record.incident), record);
      this.recent.push(record);
      if (this.recent.length > this.maxRecords) this.recent.shift();
      count++;
    }
    return count;
  }

  /** Totals of one conversation. */
  conversation(id: string): UsageTotals {
    return { ...(this.byConversation.get(id) ?? emptyTotals()) };
  }

  /** Totals of one incident. */
  incident(id: string): UsageTotals {
    return { ...(this.byIncident.get(id) ?? emptyTotals()) };
  }

  /** Totals of one UTC day (`YYYY-MM-DD`), today by default. */
  day(day: string = this.today()): UsageTotals {
    return { ...(this.byDay.get(day) ?? emptyTotals()) };
  }

  /** Totals since start. */
  total(): UsageTotals {
    return { ...this.all };
  }

  /** The most recent records, oldest first. */
  records(): readonly UsageRecord[] {
    return [...this.recent];
  }

  /** The first spent budget for a call with `keys`, if any. */
  budgetBreach(keys: UsageKeys = {}): BudgetBreach | undefined {
    const { perConversationUsd, perDayUsd } = this.budgets;
    if (perConversationUsd !== undefined && keys.conversation !== undefined) {
      const spentUsd = this.conversation(keys.conversation).costUsd;
      if (spentUsd >= perConversationUsd)
        return { scope: 'conversation', spentUsd, limitUsd: perConversationUsd };
    }
    if (perDayUsd !== undefined) {
      const spentUsd = this.day().costUsd;
      if (spentUsd >= perDayUsd) return { scope: 'day', spentUsd, limitUsd: perDayUsd };
    }
    return undefined;
  }

  /**
   * `model` metered under `keys`: each call is recorded (and written to the interaction log);
   * when a budget is spent the call is refused or downgraded, as configured.
   */
  wrap(model: LanguageModel, keys: UsageKeys = {}): LanguageModel {
    return {
      name: model.name,
      ...(model.contextWindow !== undefined ? { contextWindow: model.contextWindow } : {}),
      generate: (request) =>
        this.generate(model, request, { ...keys, ...definedKeys(request.attribution) }),
    };
  }

  /** Incidents with recorded usage, most expensive first. */
  incidents(): Array<{ id: string } & UsageTotals> {
    return [...this.byIncident.entries()]
      .map(([id, totals]) => ({ id, ...totals }))
      .sort((a, b) => b.costUsd - a.costUsd);
  }

  /** The budgets in force. */
  limits(): Readonly<Budgets> {
    return { ...this.budgets };
  }

  private async generate(
    model: LanguageModel,
    request: ModelRequest,
    keys: UsageKeys,
  ): Promise<ModelResponse> {
    let target = model;
    const breach = this.budgetBreach(keys);
    if (breach) {
      const what = `${breach.scope === 'day' ? "Today's" : "This conversation's"} LLM budget of $${breach.limitUsd.toFixed(2)} is spent ($${breach.spentUsd.toFixed(4)})`;
      if (this.budgets.onExceeded !== 'downgrade' || !this.downgradeTo) {
        throw new OpsAgentError(LLM_BUDGET_EXCEEDED, what, {
          category: 'user',
          details: { ...breach, ...keys },
        });
      }
      this.logger.info({ ...breach, ...keys }, `${what}; using a cheaper model`);
      target = this.downgradeTo;
    }
    const started = this.clock.now().getTime();
    const { signal: _signal, attribution: _attribution, ...logged } = request;
    try {
      const response = await target.generate(request);
      const latencyMs = this.clock.now().getTime() - started;
      const record = this.record({
        model: response.model,
        task: request.task,
        usage: response.usage,
        latencyMs,
        ...keys,
      });
      this.log?.write({
        at: record.at.toISOString(),
        model: response.model,
        task: request.task,
        latencyMs,
        usage: response.usage,
        costUsd: record.costUsd,
        ...keys,
        downgraded: target !== model || undefined,
        request: logged,
        response,
      });
      // The cost rides along so the runtime's metrics can count it (`opsagent_model_cost_usd_total`).
      return record.priced ? { ...response, costUsd: record.costUsd } : response;
    } catch (error) {
      this.log?.write({
        at: this.clock.now().toISOString(),
        model: target.name,
        task: request.task,
        latencyMs: this.clock.now().getTime() - started,
        ...keys,
        request: logged,
        error: {
          code: error instanceof OpsAgentError ? error.code : undefined,
          message: errorMessage(error),
        },
      });
      throw error;
    }
  }

  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }
}

function definedKeys(attribution: UsageKeys | undefined): UsageKeys {
  const out: UsageKeys = {};
  if (attribution?.conversation !== undefined) out.conversation = attribution.conversation;
  if (attribution?.incident !== undefined) out.incident = attribution.incident;
  return out;
}

function totalsFor(map: Map<string, UsageTotals>, key: string): UsageTotals {
  let totals = map.get(key);
  if (!totals) {
    totals = emptyTotals();
    map.set(key, totals);
  }
  return totals;
}

function add(totals: UsageTotals, record: UsageRecord): void {
  totals.calls += 1;
  totals.inputTokens += record.usage.inputTokens;
  totals.outputTokens += record.usage.outputTokens;
  totals.cachedInputTokens += record.usage.cachedInputTokens ?? 0;
  totals.cacheWriteInputTokens += record.usage.cacheWriteInputTokens ?? 0;
  totals.costUsd += record.costUsd;
}
