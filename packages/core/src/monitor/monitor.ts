import type { Logger } from '../contracts/logger.js';
import type { OutboundMessage } from '../contracts/message.js';
import type { Remediation } from '../contracts/remediation.js';
import type { Finding, Severity, Source } from '../contracts/source.js';
import type { ApprovalRecord, ApprovalStatus, IncidentRecord, Store } from '../contracts/store.js';
import { errorMessage, OpsAgentError } from '../errors.js';
import type { SecretRedactor } from '../logging/redact.js';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.js';
import type { MonitorOptions, NotificationRoute } from '../runtime/options.js';
import { type Clock, systemClock } from '../util/clock.js';
import { shortId } from '../util/ids.js';
import { withTimeout } from '../util/timeout.js';
import { type IncidentEvent, incidentMessage } from './incident-message.js';
import { atLeast, isSeverity, worse } from './severity.js';

/** What the monitor proposes a remediation with; the runtime turns it into an approval request. */
export interface MonitorProposal {
  /** The remediation whose `appliesTo` matched. */
  remediation: Remediation;
  /** Its input, already validated against `remediation.input`. */
  input: unknown;
  /** Why, for the approval request. */
  reason: string;
  /** The incident it would fix. */
  incident: IncidentRecord;
}

/** What {@link createMonitor} needs; the runtime wires it. */
export interface MonitorDeps {
  /** Sources to watch; only those with `check()` are scheduled. */
  sources: Source[];
  /** Where incidents, approvals and audit records live. */
  store: Store;
  /** Schedule and flap damping. */
  options: MonitorOptions;
  /** Where notifications go, each with its least severity. */
  routes: NotificationRoute[];
  /** Sends one message on one route (the runtime sends it through the channel). */
  notify(route: NotificationRoute, message: OutboundMessage): Promise<void>;
  /** Remediations whose `appliesTo` is asked about every opened or escalated incident. */
  remediations: Remediation[];
  /**
   * The approval flow (owned by the runtime): stores a proposal; may decide it at once by policy.
   * Returns the record, or undefined if refused.
   */
  propose(request: MonitorProposal): Promise<ApprovalRecord | undefined>;
  /**
   * Optional model triage/diagnosis: text stored on the incident and shown in the notification.
   * Failures are logged, never fatal.
   */
  analyze?(incident: IncidentRecord, finding: Finding): Promise<string | undefined>;
  /** Logger for the monitor. */
  logger: Logger;
  /** Source of time for incident timestamps; default the wall clock. */
  clock?: Clock;
  /** Time allowed for `analyze`, in ms; default 2 min. Past it the alert goes out without. */
  analyzeTimeoutMs?: number;
  /** Time allowed for one `notify`, in ms; default 30 s. */
  notifyTimeoutMs?: number;
  /** How long `stop()` waits for running checks to settle, in ms; default 10 s. */
  stopTimeoutMs?: number;
  /** Counts checks (outcome, latency) and incident events, when given. */
  metrics?: RuntimeMetrics;
  /**
   * Replaces known secret values in findings before they are stored, analysed or announced (the
   * runtime passes its redactor). See {@link safeFinding} for what happens to keys.
   */
  redactor?: SecretRedactor;
}

/** The outcome of one check of one source. */
export interface SourceCycleReport {
  /** Source name. */
  source: string;
  /** True when the check returned findings (possibly none); false when it threw or timed out. */
  ok: boolean;
  /** Why the check failed, or why processing its findings failed. */
  error?: string;
  /** Findings the check returned. */
  findings: number;
  /** Incidents that became `open` in this cycle. */
  opened: string[];
  /** Incidents otherwise changed: created `pending`, observed again, escalated, or counted clean. */
  updated: string[];
  /** Incidents resolved in this cycle (pending ones silently). */
  resolved: string[];
  /** Wall time of the cycle, in ms. */
  durationMs: number;
}

/** The outcome of {@link Monitor.runOnce}: one report per source, in source order. */
export interface MonitorCycleReport {
  /** One entry per source checked. */
  sources: SourceCycleReport[];
}

/** Checks sources on a schedule and turns findings into incidents, alerts and proposals. */
export interface Monitor {
  /** Schedules every source with `check()` (first check at once). Idempotent. */
  start(): void;
  /** Clears the timers, aborts running checks and waits (bounded) for them to settle. */
  stop(): Promise<void>;
  /**
   * One check of each source (or of the named one), awaited; for tests and `opsagent run --once`.
   * Rejects with `SOURCE_UNKNOWN` when no source of that name has `check()`.
   */
  runOnce(sourceName?: string): Promise<MonitorCycleReport>;
}

/** Prefix of the key of the finding a failing check counts as. */
export const CHECK_FAILED_PREFIX = 'monitor:check-failed:';

/** The finding key that tracks failed checks of `source`. */
export function checkFailedKey(source: string): string {
  return `${CHECK_FAILED_PREFIX}${source}`;
}

/** The finding a failed check (throw or timeout) counts as. */
export function checkFailedFinding(source: string, error: string): Finding {
  return {
    key: checkFailedKey(source),
    severity: 'warning',
    resource: `source:${source}`,
    title: `Check of ${source} failing`,
    evidence: error,
  };
}

/**
 * `finding` with every known secret replaced by `[redacted]`: key, resource, title, evidence and
 * `data` at any depth. This is what the monitor stores, shows and gives to the model.
 *
 * The key is redacted like any other text, so it stays stable: the same finding gives the same key
 * in every check and after a restart, and also after the secret is rotated (the new value is a
 * known secret too). No digest of the secret is kept, so nothing in the store helps to guess it.
 * The price: two findings whose keys differ only in a secret value count as one incident (the
 * worse one wins, as when a source repeats a key).
 */
export function safeFinding(finding: Finding, redactor: SecretRedactor | undefined): Finding {
  if (!redactor) return finding;
  return redactor.redactDeep({ ...finding });
}

/** Approvals that still stand for an incident: no second proposal while one of these exists. */
const LIVE_APPROVALS: ApprovalStatus[] = ['pending', 'approved', 'executing'];

type CheckingSource = Source & { check: NonNullable<Source['check']> };

interface SourceState {
  readonly source: CheckingSource;
  readonly logger: Logger;
  /** The next scheduled check. */
  timer?: NodeJS.Timeout;
  /** Settles when every queued cycle has finished; cycles of one source run one after another. */
  tail: Promise<void>;
  /** Cycles queued or running. */
  busy: number;
  /** The raw `check()` promise until it settles; it may outlive its timeout. */
  check?: Promise<unknown>;
}

function newReport(source: string): SourceCycleReport {
  return { source, ok: false, findings: 0, opened: [], updated: [], resolved: [], durationMs: 0 };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * One finding as the monitor keeps it: `safe` (secrets redacted) is stored, shown and analysed;
 * `raw` (as the source produced it) only goes to `appliesTo`, which needs the real identifiers.
 */
interface Observation {
  safe: Finding;
  raw: Finding;
}

/** Keeps valid findings, one per (redacted) key: the worst, when keys repeat. */
function distinctFindings(
  findings: readonly Finding[],
  redactor: SecretRedactor | undefined,
  logger: Logger,
): Map<string, Observation> {
  const byKey = new Map<string, Observation>();
  for (const raw of findings) {
    if (typeof raw?.key !== 'string' || raw.key === '' || !isSeverity(raw.severity)) {
      logger.warn({ finding: raw }, 'finding without a key or a valid severity; ignored');
      continue;
    }
    const safe = safeFinding(raw, redactor);
    const seen = byKey.get(safe.key);
    if (!seen || worse(safe.severity, seen.safe.severity)) byKey.set(safe.key, { safe, raw });
  }
  return byKey;
}

/**
 * The monitor flow. Each source runs on its own timer with its own timeout, so a slow source never
 * delays another, and checks of one source never overlap. Findings become incidents keyed by
 * finding key: `pending` until seen `openAfter` times in a row, then `open` (notified, analysed,
 * remediations proposed), `resolved` after `resolveAfter` clean checks. A failed check changes no
 * incident; it counts as a `monitor:check-failed:<source>` finding instead.
 */
export function createMonitor(deps: MonitorDeps): Monitor {
  const { store, options, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const openAfter = Math.max(1, Math.floor(options.openAfter));
  const resolveAfter = Math.max(1, Math.floor(options.resolveAfter));
  const analyzeTimeoutMs = positive(deps.analyzeTimeoutMs, 120_000);
  const notifyTimeoutMs = positive(deps.notifyTimeoutMs, 30_000);
  const stopTimeoutMs = positive(deps.stopTimeoutMs, 10_000);

  const states = new Map<string, SourceState>();
  for (const source of deps.sources) {
    if (typeof source.check !== 'function') continue;
    if (states.has(source.name)) {
      logger.warn({ source: source.name }, 'two sources share a name; the second is not checked');
      continue;
    }
    states.set(source.name, {
      source: source as CheckingSource,
      logger: logger.child({ source: source.name }),
      tail: Promise.resolve(),
      busy: 0,
    });
  }
  /** Aborted by `stop()`: one per running cycle. */
  const controllers = new Set<AbortController>();
  let running = false;
  /** Bumped by start and stop, so a cycle of an earlier run does not reschedule itself. */
  let generation = 0;

  const intervalOf = (source: Source) =>
    positive(source.checkIntervalMs, positive(options.intervalMs, 60_000));
  const timeoutOf = (source: Source) =>
    positive(source.timeoutMs, positive(options.timeoutMs, 20_000));

  // ---- scheduling ----

  function schedule(state: SourceState, delayMs: number): void {
    clearTimeout(state.timer);
    const scheduledIn = generation;
    state.timer = setTimeout(() => tick(state, scheduledIn), delayMs);
  }

  function tick(state: SourceState, scheduledIn: number): void {
    state.timer = undefined;
    if (!running || scheduledIn !== generation) return;
    const interval = intervalOf(state.source);
    if (state.busy > 0) {
      // A `runOnce` of this source is under way: it stands in for this check.
      schedule(state, interval);
      return;
    }
    const startedAt = Date.now();
    void enqueue(state).then(() => {
      if (!running || scheduledIn !== generation) return;
      schedule(state, Math.max(0, interval - (Date.now() - startedAt)));
    });
  }

  /** Runs a cycle after those already queued for the source; never rejects. */
  function enqueue(state: SourceState): Promise<SourceCycleReport> {
    state.busy += 1;
    const result = state.tail.then(() => cycle(state));
    state.tail = result.then(
      () => {
        state.busy -= 1;
      },
      () => {
        state.busy -= 1;
      },
    );
    return result;
  }

  // ---- one check ----

  async function runCheck(state: SourceState, signal: AbortSignal): Promise<Finding[]> {
    const { source } = state;
    if (state.check) {
      // The last check timed out but never settled: do not pile another one on top of it.
      throw new OpsAgentError(
        'CHECK_STILL_RUNNING',
        `the previous check of ${source.name} is still running after its timeout`,
        { category: 'third-party', retryable: true },
      );
    }
    const findings = await withTimeout(
      `check of ${source.name}`,
      timeoutOf(source),
      (checkSignal) => {
        const pending = (async () => source.check({ signal: checkSignal, logger: state.logger }))();
        state.check = pending;
        const settled = () => {
          if (state.check === pending) state.check = undefined;
        };
        pending.then(settled, settled);
        return pending;
      },
      signal,
    );
    if (!Array.isArray(findings)) {
      throw new OpsAgentError(
        'CHECK_INVALID',
        `check of ${source.name} returned ${typeof findings}, not a list of findings`,
        { category: 'third-party' },
      );
    }
    return findings;
  }

  async function cycle(state: SourceState): Promise<SourceCycleReport> {
    const name = state.source.name;
    const report = newReport(name);
    const startedAt = performance.now();
    const controller = new AbortController();
    controllers.add(controller);
    try {
      let findings: Finding[] | undefined;
      let failure: unknown;
      try {
        findings = await runCheck(state, controller.signal);
      } catch (error) {
        failure = error;
      }
      if (findings) {
        const distinct = distinctFindings(findings, deps.redactor, state.logger);
        report.ok = true;
        report.findings = distinct.size;
        await applyFindings(name, distinct, report);
      } else if (controller.signal.aborted) {
        // Aborted by stop(): says nothing about the source.
        report.error = 'stopped';
      } else {
        report.error = errorMessage(failure);
        state.logger.warn({ err: failure }, 'check failed');
        const failed = checkFailedFinding(name, report.error);
        await observe({ safe: safeFinding(failed, deps.redactor), raw: failed }, name, report);
      }
    } catch (error) {
      state.logger.error({ err: error }, 'could not process the check');
      report.error ??= errorMessage(error);
    } finally {
      controllers.delete(controller);
      const elapsedMs = performance.now() - startedAt;
      report.durationMs = Math.round(elapsedMs);
      if (report.error !== 'stopped')
        deps.metrics?.checkCompleted(name, report.ok, elapsedMs / 1000);
    }
    return report;
  }

  // ---- incidents ----

  async function applyFindings(
    source: string,
    findings: Map<string, Observation>,
    report: SourceCycleReport,
  ): Promise<void> {
    for (const observation of findings.values()) await observe(observation, source, report);
    const active = await store.listIncidents({ status: ['pending', 'open'] });
    for (const incident of active) {
      if (incident.source === source && !findings.has(incident.key)) {
        await clean(incident, report);
      }
    }
  }

  /** One more observation of a finding. */
  async function observe(observation: Observation, source: string, report: SourceCycleReport) {
    const finding = observation.safe;
    const now = clock.now();
    const existing = await store.findActiveIncident(finding.key);
    const facts = {
      severity: finding.severity,
      resource: finding.resource,
      title: finding.title,
      evidence: finding.evidence,
      lastSeenAt: now,
      cleanChecks: 0,
    };
    if (!existing) {
      const incident: IncidentRecord = {
        id: shortId(),
        key: finding.key,
        source,
        status: 'pending',
        ...facts,
        ...(finding.data ? { data: finding.data } : {}),
        observations: 1,
        firstSeenAt: now,
      };
      if (openAfter <= 1) return open(incident, observation, report);
      await store.putIncident(incident);
      report.updated.push(incident.id);
      logger.debug({ incident: incident.id, key: incident.key }, 'incident pending');
      return;
    }
    const { data: _previousData, ...rest } = existing;
    const next: IncidentRecord = {
      ...rest,
      ...facts,
      ...(finding.data ? { data: finding.data } : {}),
      observations: existing.observations + 1,
    };
    if (existing.status === 'pending') {
      if (next.observations >= openAfter) return open(next, observation, report);
      await store.putIncident(next);
      report.updated.push(next.id);
      return;
    }
    const notified = existing.notifiedSeverity ?? existing.severity;
    if (worse(next.severity, notified)) return escalate(next, notified, observation, report);
    await store.putIncident(next);
    report.updated.push(next.id);
  }

  async function open(
    incident: IncidentRecord,
    observation: Observation,
    report: SourceCycleReport,
  ) {
    const opened: IncidentRecord = {
      ...incident,
      status: 'open',
      openedAt: clock.now(),
      notifiedSeverity: incident.severity,
    };
    await store.putIncident(opened);
    report.opened.push(opened.id);
    logger.info(
      { incident: opened.id, key: opened.key, severity: opened.severity },
      'incident opened',
    );
    deps.metrics?.incidentEvent('opened', opened.severity);
    await audit('opened', opened);
    const { incident: current, approvals } = await respond(opened, observation);
    await announce('opened', current, approvals);
  }

  async function escalate(
    incident: IncidentRecord,
    previousSeverity: Severity,
    observation: Observation,
    report: SourceCycleReport,
  ) {
    const escalated: IncidentRecord = { ...incident, notifiedSeverity: incident.severity };
    await store.putIncident(escalated);
    report.updated.push(escalated.id);
    logger.info(
      { incident: escalated.id, from: previousSeverity, to: escalated.severity },
      'incident escalated',
    );
    deps.metrics?.incidentEvent('escalated', escalated.severity);
    await audit('escalated', escalated, { previousSeverity });
    const { incident: current, approvals } = await respond(escalated, observation);
    await announce('escalated', current, approvals, previousSeverity);
  }

  /** A successful check of the incident's source did not report it. */
  async function clean(incident: IncidentRecord, report: SourceCycleReport) {
    const now = clock.now();
    const cleanChecks = incident.cleanChecks + 1;
    if (incident.status === 'pending') {
      // Seen fewer than `openAfter` times in a row: a flap, never told to anyone.
      await store.putIncident({
        ...incident,
        status: 'resolved',
        resolvedAt: now,
        cleanChecks,
        observations: 0,
      });
      report.resolved.push(incident.id);
      logger.debug({ incident: incident.id, key: incident.key }, 'pending incident dropped');
      return;
    }
    if (cleanChecks < resolveAfter) {
      await store.putIncident({ ...incident, cleanChecks, observations: 0 });
      report.updated.push(incident.id);
      return;
    }
    const resolved: IncidentRecord = {
      ...incident,
      status: 'resolved',
      resolvedAt: now,
      cleanChecks,
      observations: 0,
    };
    await store.putIncident(resolved);
    report.resolved.push(resolved.id);
    logger.info({ incident: resolved.id, key: resolved.key }, 'incident resolved');
    deps.metrics?.incidentEvent('resolved', resolved.severity);
    await audit('resolved', resolved);
    if (resolved.notifiedSeverity) await announce('resolved', resolved, []);
  }

  async function audit(
    event: IncidentEvent,
    incident: IncidentRecord,
    extra: Record<string, unknown> = {},
  ) {
    await store.appendAudit({
      at: clock.now(),
      type: 'incident',
      actor: 'monitor',
      subject: incident.id,
      detail: {
        event,
        key: incident.key,
        source: incident.source,
        severity: incident.severity,
        resource: incident.resource,
        title: incident.title,
        ...extra,
      },
    });
  }

  // ---- analysis, proposals, notifications ----

  /**
   * On open and escalation: the analysis (of the redacted finding), then the remediations that
   * apply (asked with the finding as the source gave it: they act on real names; what they propose
   * is redacted when stored and shown).
   */
  async function respond(
    incident: IncidentRecord,
    observation: Observation,
  ): Promise<{ incident: IncidentRecord; approvals: ApprovalRecord[] }> {
    let current = incident;
    if (deps.analyze) {
      const analyze = deps.analyze;
      try {
        const analysis = await withTimeout('incident analysis', analyzeTimeoutMs, () =>
          analyze(current, observation.safe),
        );
        if (typeof analysis === 'string' && analysis.trim() !== '') {
          const text = analysis.trim();
          current = { ...current, analysis: deps.redactor ? deps.redactor.redact(text) : text };
          await store.putIncident(current);
        }
      } catch (error) {
        logger.warn({ err: error, incident: incident.id }, 'incident analysis failed');
      }
    }
    return { incident: current, approvals: await proposeRemediations(current, observation.raw) };
  }

  async function proposeRemediations(
    incident: IncidentRecord,
    finding: Finding,
  ): Promise<ApprovalRecord[]> {
    const proposed: ApprovalRecord[] = [];
    let live: ApprovalRecord[] | undefined;
    for (const remediation of deps.remediations) {
      if (typeof remediation.appliesTo !== 'function') continue;
      const log = logger.child({ incident: incident.id, remediation: remediation.name });
      let input: unknown;
      try {
        input = remediation.appliesTo(finding);
      } catch (error) {
        log.warn({ err: error }, 'appliesTo threw; remediation skipped');
        continue;
      }
      if (input === undefined) continue;
      const parsed = remediation.input.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (i) => `${i.path.join('.') || '(input)'}: ${i.message}`,
        );
        log.warn({ issues }, 'appliesTo gave an invalid input; remediation skipped');
        continue;
      }
      live ??= await store.listApprovals({ status: LIVE_APPROVALS });
      if (live.some((a) => a.incidentId === incident.id && a.remediation === remediation.name)) {
        log.debug('an approval for this incident is still open; not proposed again');
        continue;
      }
      try {
        const approval = await deps.propose({
          remediation,
          input: parsed.data,
          reason: `${incident.severity}: ${incident.title} on ${incident.resource} (incident ${incident.id})`,
          incident,
        });
        if (approval) proposed.push(approval);
      } catch (error) {
        log.warn({ err: error }, 'proposal failed');
      }
    }
    return proposed;
  }

  /**
   * Sends an event to every route that takes its severity. A resolve goes to the routes that took
   * the highest severity notified, i.e. those that were told about the incident.
   */
  async function announce(
    event: IncidentEvent,
    incident: IncidentRecord,
    approvals: ApprovalRecord[],
    previousSeverity?: Severity,
  ) {
    const routed = event === 'resolved' ? incident.notifiedSeverity : incident.severity;
    if (!routed) return;
    const targets = deps.routes.filter((route) => atLeast(routed, route.minSeverity));
    if (targets.length === 0) return;
    const message = incidentMessage({
      event,
      incident,
      approvals,
      ...(previousSeverity ? { previousSeverity } : {}),
    });
    await Promise.all(
      targets.map(async (route) => {
        try {
          await withTimeout(`notification on ${route.channel}`, notifyTimeoutMs, () =>
            deps.notify(route, message),
          );
        } catch (error) {
          logger.error(
            { err: error, channel: route.channel, incident: incident.id, event },
            'notification failed',
          );
        }
      }),
    );
  }

  // ---- the monitor ----

  return {
    start() {
      if (running) return;
      running = true;
      generation += 1;
      for (const state of states.values()) schedule(state, 0);
      logger.info({ sources: [...states.keys()] }, 'monitor started');
    },

    async stop() {
      const wasRunning = running;
      running = false;
      generation += 1;
      for (const state of states.values()) {
        clearTimeout(state.timer);
        state.timer = undefined;
      }
      const reason = new OpsAgentError('MONITOR_STOPPED', 'the monitor is stopping');
      for (const controller of controllers) controller.abort(reason);
      // Cycles end when their check settles or times out. A check that already timed out in an
      // earlier cycle was abandoned then, and is not waited for again.
      const settling = [...states.values()].map((s) => s.tail);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled(settling).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) logger.warn('monitor stopped with checks still running');
      else if (wasRunning) logger.info('monitor stopped');
    },

    async runOnce(sourceName) {
      let targets = [...states.values()];
      if (sourceName !== undefined) {
        const state = states.get(sourceName);
        if (!state) {
          throw new OpsAgentError('SOURCE_UNKNOWN', `no source named "${sourceName}" has checks`, {
            category: 'user',
            details: { source: sourceName, known: [...states.keys()] },
          });
        }
        targets = [state];
      }
      return { sources: await Promise.all(targets.map(enqueue)) };
    },
  };
}
