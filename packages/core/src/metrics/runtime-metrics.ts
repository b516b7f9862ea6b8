import type { LanguageModel, ModelTask, TokenUsage } from '../contracts/language-model.js';
import { MetricsRegistry } from './registry.js';

/** What one model call is counted with. */
export interface ModelCallMetric {
  /** The model that answered (or was asked, when the call failed). */
  model: string;
  /** Task of the request. */
  task: ModelTask;
  /** False when the call rejected. */
  ok: boolean;
  /** Wall time in seconds. */
  seconds: number;
  /** Tokens, when it answered. */
  usage?: TokenUsage;
  /** Cost in USD, when something (a usage meter) priced it. */
  costUsd?: number;
}

/** Approval events counted by `opsagent_approvals_total{outcome}`. */
export type ApprovalOutcome =
  | 'proposed'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'refused'
  | 'succeeded'
  | 'failed'
  | 'interrupted';

/**
 * The runtime's own metrics, on one registry: what the monitor, the approval flow, the model and
 * the channels report. The management API renders the registry at `GET /metrics`; plugins may add
 * their own families to `registry`.
 */
export interface RuntimeMetrics {
  /** The registry these families live in. */
  readonly registry: MetricsRegistry;
  /** One monitor check of a source finished. */
  checkCompleted(source: string, ok: boolean, seconds: number): void;
  /** An incident opened, escalated or resolved. */
  incidentEvent(event: 'opened' | 'escalated' | 'resolved', severity: string): void;
  /** An approval was proposed, decided, refused, or its run ended. */
  approval(outcome: ApprovalOutcome): void;
  /** A model call finished. */
  modelCall(call: ModelCallMetric): void;
  /** A message came in through, or went out through, a channel. */
  message(channel: string, direction: 'in' | 'out'): void;
  /** A sent message failed. */
  sendFailed(channel: string): void;
}

/** Buckets for check latency, in seconds: 10 ms to 2 min. */
const CHECK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Buckets for model call latency, in seconds: 100 ms to 5 min. */
const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

/** Creates the runtime's metric families on `registry` (a new one by default). */
export function createRuntimeMetrics(registry = new MetricsRegistry()): RuntimeMetrics {
  const checks = registry.counter(
    'opsagent_checks_total',
    'Monitor checks run, by source and outcome (ok, failed).',
    ['source', 'outcome'],
  );
  const checkSeconds = registry.histogram(
    'opsagent_check_duration_seconds',
    'Wall time of one monitor check of a source, findings processed included.',
    ['source'],
    CHECK_BUCKETS,
  );
  const incidents = registry.counter(
    'opsagent_incident_events_total',
    'Incidents opened, escalated and resolved, by event and severity.',
    ['event', 'severity'],
  );
  const approvals = registry.counter(
    'opsagent_approvals_total',
    'Approval events by outcome: proposed, approved, rejected, expired, refused (decider lacked the role), succeeded, failed, interrupted.',
    ['outcome'],
  );
  const modelCalls = registry.counter(
    'opsagent_model_calls_total',
    'Language model calls by model, task and outcome (ok, error).',
    ['model', 'task', 'outcome'],
  );
  const modelTokens = registry.counter(
    'opsagent_model_tokens_total',
    'Tokens used by model calls, by model, task and kind (input, output, cached_input, cache_write).',
    ['model', 'task', 'kind'],
  );
  const modelCost = registry.counter(
    'opsagent_model_cost_usd_total',
    'Cost of model calls in US dollars, by model and task (priced calls only).',
    ['model', 'task'],
  );
  const modelSeconds = registry.histogram(
    'opsagent_model_call_duration_seconds',
    'Wall time of one model call, by model and task.',
    ['model', 'task'],
    MODEL_BUCKETS,
  );
  const messages = registry.counter(
    'opsagent_messages_total',
    'Messages received from (in) and sent through (out) each channel.',
    ['channel', 'direction'],
  );
  const sendFailures = registry.counter(
    'opsagent_send_failures_total',
    'Messages a channel failed to send.',
    ['channel'],
  );
  return {
    registry,
    checkCompleted(source, ok, seconds) {
      checks.inc({ source, outcome: ok ? 'ok' : 'failed' });
      checkSeconds.observe({ source }, seconds);
    },
    incidentEvent(event, severity) {
      incidents.inc({ event, severity });
    },
    approval(outcome) {
      approvals.inc({ outcome });
    },
    modelCall(call) {
      const labels = { model: call.model, task: call.task };
      modelCalls.inc({ ...labels, outcome: call.ok ? 'ok' : 'error' });
      modelSeconds.observe(labels, call.seconds);
      if (call.usage) {
        modelTokens.inc({ ...labels, kind: 'input' }, call.usage.inputTokens);
        modelTokens.inc({ ...labels, kind: 'output' }, call.usage.outputTokens);
        if (call.usage.cacheWriteInputTokens) {
          modelTokens.inc({ ...labels, kind: 'cache_write' }, call.usage.cacheWriteInputTokens);
        }
        if (call.usage.cachedInputTokens) {
          modelTokens.inc({ ...labels, kind: 'cached_input' }, call.usage.cachedInputTokens);
        }
      }
      if (call.costUsd !== undefined && Number.isFinite(call.costUsd) && call.costUsd >= 0) {
        modelCost.inc(labels, call.costUsd);
      }
    },
    message(channel, direction) {
      messages.inc({ channel, direction });
    },
    sendFailed(channel) {
      sendFailures.inc({ channel });
    },
  };
}

/** Wraps a model so every call is counted in `metrics` (calls, tokens, cost, latency). */
export function meteredModel(model: LanguageModel, metrics: RuntimeMetrics): LanguageModel {
  return {
    name: model.name,
    async generate(request) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const response = await model.generate(request);
        metrics.modelCall({
          model: response.model || model.name,
          task: request.task,
          ok: true,
          seconds: seconds(),
          usage: response.usage,
          ...(response.costUsd === undefined ? {} : { costUsd: response.costUsd }),
        });
        return response;
      } catch (error) {
        metrics.modelCall({ model: model.name, task: request.task, ok: false, seconds: seconds() });
        throw error;
      }
    },
  };
}
