import type { Address } from '../contracts/channel.js';
import type { Logger } from '../contracts/logger.js';
import type { ApprovalView, OutboundMessage } from '../contracts/message.js';
import type { Remediation, Risk } from '../contracts/remediation.js';
import { hasRole, type Principal, ROLES, type Role } from '../contracts/roles.js';
import type { Actor, ApprovalRecord, Store } from '../contracts/store.js';
import { errorMessage, OpsAgentError } from '../errors.js';
import type { SecretRedactor } from '../logging/redact.js';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.js';
import type { Clock } from '../util/clock.js';
import { shortId } from '../util/ids.js';
import { withTimeout } from '../util/timeout.js';
import type { ApprovalOptions, PolicyRule } from './options.js';

const RISK_ORDER: readonly Risk[] = ['low', 'medium', 'high'];

/** Where a message should go: a channel and an address in it. */
export interface Destination {
  /** Channel name. */
  channel: string;
  /** Address in the channel. */
  address: Address;
}

/** A request to change the world. */
export interface ProposalRequest {
  /** The remediation to run. */
  remediation: string;
  /** Its input, validated against the remediation's schema. */
  input: unknown;
  /** Why. */
  reason: string;
  /** Who asks. */
  requestedBy: Actor;
  /** The principal behind the request (directly or through the model), for policy. */
  principal?: Principal;
  /** Where to report the outcome. */
  origin?: Destination;
  /** Incident it would fix. */
  incidentId?: string;
}

/** The outcome of a decision attempt. */
export type DecisionOutcome =
  | { status: 'decided'; approval: ApprovalRecord }
  | { status: 'not_found' }
  | { status: 'forbidden'; approval: ApprovalRecord; needed: Role }
  | { status: 'expired'; approval: ApprovalRecord }
  | { status: 'already_decided'; approval: ApprovalRecord };

/** What the approval service needs from the runtime. */
export interface ApprovalDeps {
  store: Store;
  remediations: ReadonlyMap<string, Remediation>;
  options: ApprovalOptions;
  logger: Logger;
  clock: Clock;
  /** Delivers a report (outcome of a run) to a chat. Failures are the sender's to log. */
  report(destination: Destination, message: OutboundMessage): Promise<void>;
  /** Counts proposals, decisions and outcomes (`opsagent_approvals_total`), when given. */
  metrics?: RuntimeMetrics;
  /** Hides known secrets in the stored reason, action and result (what people are shown). */
  redactor?: SecretRedactor;
}

/** The view a channel renders for a person to decide. */
export function approvalView(approval: ApprovalRecord): ApprovalView {
  return {
    id: approval.id,
    remediation: approval.remediation,
    action: approval.action,
    risk: approval.risk,
    reason: approval.reason,
    requestedBy: approval.requestedBy.name,
    expiresAt: approval.expiresAt,
  };
}

function ruleMatches(
  rule: PolicyRule,
  approval: ApprovalRecord,
  principal: Principal | undefined,
): boolean {
  if (!rule.remediations.includes('*') && !rule.remediations.includes(approval.remediation))
    return false;
  if (RISK_ORDER.indexOf(approval.risk) > RISK_ORDER.indexOf(rule.maxRisk)) return false;
  if (rule.from.length === 0) return true;
  return rule.from.some((who) => {
    if (who === 'monitor') return approval.requestedBy.kind === 'monitor';
    return (
      principal !== undefined &&
      (ROLES as readonly string[]).includes(who) &&
      hasRole(principal, who)
    );
  });
}

/**
 * The approval flow: proposals are stored, decided by a policy rule or an authorised person,
 * and executed at most once (an atomic `approved -> executing` transition guards the run).
 */
export class ApprovalService {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: ApprovalDeps) {}

  /** Stores a proposal, applies policy, and returns the record (executed already if policy approved). */
  async propose(request: ProposalRequest): Promise<ApprovalRecord> {
    const { store, clock, options } = this.deps;
    const remediation = this.deps.remediations.get(request.remediation);
    if (!remediation) {
      throw new OpsAgentError(
        'REMEDIATION_UNKNOWN',
        `no remediation named "${request.remediation}"`,
        {
          category: 'user',
          details: { remediation: request.remediation, known: [...this.deps.remediations.keys()] },
        },
      );
    }
    const parsed = remediation.input.safeParse(request.input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(input)'}: ${i.message}`,
      );
      throw new OpsAgentError(
        'REMEDIATION_INPUT_INVALID',
        `invalid input for ${remediation.name}: ${issues.join('; ')}`,
        { category: 'user', details: { remediation: remediation.name, issues } },
      );
    }
    const now = clock.now();
    const approval: ApprovalRecord = {
      id: shortId(),
      remediation: remediation.name,
      input: parsed.data,
      action: this.redact(remediation.describe(parsed.data)),
      reason: this.redact(request.reason),
      risk: remediation.risk,
      requestedBy: request.requestedBy,
      ...(request.origin ? { origin: request.origin } : {}),
      ...(request.incidentId ? { incidentId: request.incidentId } : {}),
      status: 'pending',
      createdAt: now,
      expiresAt: new Date(now.getTime() + options.expiresInMs),
      updatedAt: now,
    };
    await store.createApproval(approval);
    this.deps.metrics?.approval('proposed');
    await this.audit('proposal', request.requestedBy.id, approval.id, {
      remediation: approval.remediation,
      action: approval.action,
      risk: approval.risk,
      reason: approval.reason,
      requestedBy: approval.requestedBy,
    });
    const rule = options.policy.find((candidate) =>
      ruleMatches(candidate, approval, request.principal),
    );
    if (!rule) return approval;
    const actor: Actor = { kind: 'policy', id: rule.name, name: `policy rule ${rule.name}` };
    const decided = await this.transition(approval.id, rule.decision, actor);
    if (!decided) return (await store.getApproval(approval.id)) ?? approval;
    if (rule.decision === 'approve') await this.execute(decided, request.origin);
    return (await store.getApproval(approval.id)) ?? decided;
  }

  /**
   * A person decides. Checks expiry and role; only the first decision counts. `reason`, when
   * given, is kept in the decision's audit record.
   */
  async decide(
    id: string,
    decision: 'approve' | 'reject',
    principal: Principal,
    via?: Destination,
    reason?: string,
  ): Promise<DecisionOutcome> {
    const { store, options } = this.deps;
    const approval = await store.getApproval(id.trim().toLowerCase());
    if (!approval) return { status: 'not_found' };
    if (approval.status !== 'pending') return { status: 'already_decided', approval };
    if (approval.expiresAt.getTime() <= this.deps.clock.now().getTime()) {
      const expired = await this.expire(approval);
      return { status: 'expired', approval: expired ?? approval };
    }
    const needed = options.deciderRoles[approval.risk];
    if (!hasRole(principal, needed)) {
      await this.audit('refusal', principal.id, approval.id, {
        decision,
        reason: `needs role ${needed}`,
      });
      this.deps.metrics?.approval('refused');
      return { status: 'forbidden', approval, needed };
    }
    const actor: Actor = { kind: 'principal', id: principal.id, name: principal.name };
    const decided = await this.transition(approval.id, decision, actor, reason);
    if (!decided) {
      const current = (await store.getApproval(approval.id)) ?? approval;
      return { status: 'already_decided', approval: current };
    }
    if (decision === 'approve') {
      // The decider waits for the outcome; the report goes where it was asked and where it was decided.
      await this.execute(decided, via);
      return { status: 'decided', approval: (await store.getApproval(approval.id)) ?? decided };
    }
    return { status: 'decided', approval: decided };
  }

  /** Pending approvals, newest first, with expired ones moved to `expired` on the way. */
  async pending(): Promise<ApprovalRecord[]> {
    const records = await this.deps.store.listApprovals({ status: ['pending'] });
    const now = this.deps.clock.now().getTime();
    const live: ApprovalRecord[] = [];
    for (const record of records) {
      if (record.expiresAt.getTime() <= now) await this.expire(record);
      else live.push(record);
    }
    return live;
  }

  /** Marks every pending approval past its expiry as expired. */
  async expireDue(): Promise<number> {
    const before = (await this.deps.store.listApprovals({ status: ['pending'] })).length;
    const after = (await this.pending()).length;
    return before - after;
  }

  /**
   * After a restart: runs that were executing when the process died are never re-run by
   * themselves. A remediation with `resume` finishes its run in the background (e.g. resumes
   * verifying a change it recorded as made) and the outcome is reported once; any other run is
   * marked `interrupted` and reported. Approvals approved but not started are executed now.
   */
  async recover(): Promise<void> {
    const { store } = this.deps;
    for (const record of await store.listApprovals({ status: ['executing'] })) {
      const remediation = this.deps.remediations.get(record.remediation);
      if (remediation?.resume) {
        const run = this.resume(record, remediation);
        this.running.add(run);
        void run.finally(() => this.running.delete(run));
        continue;
      }
      await this.interrupt(record);
    }
    for (const record of await store.listApprovals({ status: ['approved'] })) {
      await this.execute(record);
    }
  }

  private async interrupt(record: ApprovalRecord, why?: string): Promise<void> {
    const interrupted = await this.deps.store.transitionApproval(record.id, ['executing'], {
      status: 'interrupted',
      updatedAt: this.deps.clock.now(),
      result: {
        ok: false,
        detail: `the agent stopped while this was running; check the target and decide again${why ? ` (${this.redact(why)})` : ''}`,
      },
    });
    if (!interrupted) return;
    this.deps.metrics?.approval('interrupted');
    await this.audit('execution', 'runtime', record.id, { status: 'interrupted' });
    await this.reportOutcome(interrupted);
  }

  /** Finishes an interrupted run through the remediation's `resume`, or marks it interrupted. */
  private async resume(record: ApprovalRecord, remediation: Remediation): Promise<void> {
    const log = this.deps.logger.child({ remediation: remediation.name, approval: record.id });
    const timeoutMs = remediation.timeoutMs ?? this.deps.options.executionTimeoutMs;
    let outcome: { ok: boolean; detail: string } | undefined;
    let why: string | undefined;
    try {
      outcome = await withTimeout(`resuming ${remediation.name}`, timeoutMs, (signal) =>
        remediation.resume!(record.input, { signal, logger: log, approvalId: record.id }),
      );
    } catch (error) {
      log.warn({ err: error }, 'could not resume an interrupted remediation');
      why = `resuming it failed: ${errorMessage(error)}`;
    }
    if (!outcome) return this.interrupt(record, why);
    const result = {
      ok: outcome.ok,
      detail: this.redact(
        `the agent restarted while this was running; it was not run again.\n${outcome.detail}`,
      ),
    };
    const done = await this.deps.store.transitionApproval(record.id, ['executing'], {
      status: result.ok ? 'succeeded' : 'failed',
      result,
      updatedAt: this.deps.clock.now(),
    });
    if (!done) return;
    this.deps.metrics?.approval(done.status === 'succeeded' ? 'succeeded' : 'failed');
    await this.audit('execution', 'runtime', record.id, {
      status: done.status,
      resumed: true,
      detail: result.detail,
    });
    await this.reportOutcome(done);
  }

  /** Waits for runs in progress (for shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async transition(
    id: string,
    decision: 'approve' | 'reject',
    actor: Actor,
    reason?: string,
  ): Promise<ApprovalRecord | undefined> {
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const decided = await this.deps.store.transitionApproval(id, ['pending'], {
      status,
      decidedBy: actor,
      updatedAt: this.deps.clock.now(),
    });
    if (decided) {
      this.deps.metrics?.approval(status);
      await this.audit('decision', actor.id, id, {
        decision: status,
        actor,
        ...(reason ? { reason } : {}),
      });
    }
    return decided;
  }

  private async expire(approval: ApprovalRecord): Promise<ApprovalRecord | undefined> {
    const expired = await this.deps.store.transitionApproval(approval.id, ['pending'], {
      status: 'expired',
      updatedAt: this.deps.clock.now(),
    });
    if (expired) {
      this.deps.metrics?.approval('expired');
      await this.audit('decision', 'runtime', approval.id, { decision: 'expired' });
    }
    return expired;
  }

  /** Runs an approved request exactly once: only the caller that wins `approved -> executing` runs it. */
  private async execute(approval: ApprovalRecord, via?: Destination): Promise<void> {
    const run = this.executeOnce(approval, via);
    this.running.add(run);
    try {
      await run;
    } finally {
      this.running.delete(run);
    }
  }

  private async executeOnce(approval: ApprovalRecord, via?: Destination): Promise<void> {
    const { store, clock, logger } = this.deps;
    const claimed = await store.transitionApproval(approval.id, ['approved'], {
      status: 'executing',
      updatedAt: clock.now(),
    });
    if (!claimed) return;
    const remediation = this.deps.remediations.get(claimed.remediation);
    let result: { ok: boolean; detail: string };
    if (!remediation) {
      result = {
        ok: false,
        detail: `remediation "${claimed.remediation}" is no longer registered`,
      };
    } else {
      await this.audit('execution', claimed.decidedBy?.id ?? 'runtime', claimed.id, {
        status: 'started',
        remediation: claimed.remediation,
        action: claimed.action,
      });
      const timeoutMs = remediation.timeoutMs ?? this.deps.options.executionTimeoutMs;
      const log = logger.child({ remediation: remediation.name, approval: claimed.id });
      try {
        result = await withTimeout(`remediation ${remediation.name}`, timeoutMs, (signal) =>
          remediation.execute(claimed.input, { signal, logger: log, approvalId: claimed.id }),
        );
        if (result.ok && remediation.verify) {
          const verified = await withTimeout(
            `verification of ${remediation.name}`,
            timeoutMs,
            (signal) =>
              remediation.verify!(claimed.input, { signal, logger: log, approvalId: claimed.id }),
          );
          result = {
            ok: verified.ok,
            detail: `${result.detail}\nverification: ${verified.ok ? 'passed' : 'FAILED'}: ${verified.detail}`,
          };
        }
      } catch (error) {
        log.error({ err: error }, 'remediation failed');
        result = { ok: false, detail: errorMessage(error) };
      }
    }
    result = { ok: result.ok, detail: this.redact(result.detail) };
    const done = await store.transitionApproval(claimed.id, ['executing'], {
      status: result.ok ? 'succeeded' : 'failed',
      result,
      updatedAt: clock.now(),
    });
    if (done) this.deps.metrics?.approval(done.status === 'succeeded' ? 'succeeded' : 'failed');
    await this.audit('execution', claimed.decidedBy?.id ?? 'runtime', claimed.id, {
      status: result.ok ? 'succeeded' : 'failed',
      detail: result.detail,
    });
    if (done) await this.reportOutcome(done, via);
  }

  private async reportOutcome(approval: ApprovalRecord, via?: Destination): Promise<void> {
    const message = outcomeMessage(approval);
    const destinations: Destination[] = [];
    if (approval.origin) destinations.push(approval.origin);
    if (via && !destinations.some((d) => sameDestination(d, via))) destinations.push(via);
    for (const destination of destinations) {
      try {
        await this.deps.report(destination, message);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, approval: approval.id },
          'could not report an approval outcome',
        );
      }
    }
  }

  private redact(text: string): string {
    return this.deps.redactor ? this.deps.redactor.redact(text) : text;
  }

  private async audit(
    type: 'proposal' | 'decision' | 'execution' | 'refusal',
    actor: string,
    subject: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    // The approval's own record (status, decider, result) is the source of truth; an audit write
    // that fails after a transition is logged, and never leaves a decided plan unexecuted.
    try {
      await this.deps.store.appendAudit({
        at: this.deps.clock.now(),
        type,
        actor,
        subject,
        detail,
      });
    } catch (error) {
      this.deps.logger.error(
        { err: error, type, subject },
        'could not write an audit record; the approval itself is recorded',
      );
    }
  }
}

function sameDestination(a: Destination, b: Destination): boolean {
  return (
    a.channel === b.channel &&
    a.address.chat === b.address.chat &&
    a.address.thread === b.address.thread
  );
}

/** The message that reports how a run ended. */
export function outcomeMessage(approval: ApprovalRecord): OutboundMessage {
  const by = approval.decidedBy ? ` (approved by ${approval.decidedBy.name})` : '';
  const detail = approval.result?.detail ?? '';
  const head =
    approval.status === 'succeeded'
      ? `✅ Done: ${approval.action}${by}`
      : approval.status === 'interrupted'
        ? `⚠️ Interrupted: ${approval.action}. It was running when the agent stopped and was not re-run.`
        : `❌ Failed: ${approval.action}${by}`;
  return { kind: 'notice', blocks: [{ type: 'text', text: detail ? `${head}\n${detail}` : head }] };
}
