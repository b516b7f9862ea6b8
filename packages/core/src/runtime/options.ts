import type { Address } from '../contracts/channel.js';
import type { Risk } from '../contracts/remediation.js';
import type { Role } from '../contracts/roles.js';
import type { Severity } from '../contracts/source.js';

/** A person the agent serves, and how each channel knows them. */
export interface PrincipalConfig {
  /** Stable id, e.g. `alice`. */
  id: string;
  /** Display name; defaults to the id. */
  name?: string;
  /** Roles: `viewer` reads, `operator` decides approvals, `admin` everything. */
  roles: Role[];
  /**
   * Sender ids per channel name, e.g. `{ slack: ['U0123'], signal: ['+4915112345678'] }`.
   * `'*'` matches any sender of that channel (sensible only for `console`).
   */
  identities: Record<string, string[]>;
}

/** How conversations are kept. */
export interface ConversationOptions {
  /** Messages of history sent to the model; default 20. */
  historyLimit: number;
  /** A conversation with no activity for this long is closed; default 30 min. */
  idleTimeoutMs: number;
}

/**
 * Bounds of the inbound queues. Messages of one conversation are handled one at a time, in order;
 * a message that would exceed a bound is not queued: its sender gets {@link BUSY_REPLY} at once
 * (nothing is half-done; the same message may simply be sent again later).
 */
export interface QueueOptions {
  /** Messages waiting or being handled in one conversation; default 20. */
  maxPerConversation: number;
  /** Messages waiting or being handled across all conversations; default 1000. */
  maxTotal: number;
}

/** Bounds of the agent loop. */
export interface AgentLoopOptions {
  /** Model rounds (request + tool calls) per question; default 8. */
  maxRounds: number;
  /** Default time allowed for one tool call; default 30 s. */
  toolTimeoutMs: number;
  /** Characters of tool output kept for the model; default 16000. */
  toolOutputLimit: number;
  /**
   * Tool calls with unusable arguments (unreadable, failing the tool's schema, unknown tool) per
   * question before the model is told to answer without tools; default 3. Each one goes back to
   * the model as an error result it can correct.
   */
  maxToolInputErrors?: number;
  /**
   * Context window in tokens assumed for a model that does not state one
   * (`LanguageModel.contextWindow`); default 128 000.
   */
  contextWindowTokens?: number;
  /** Extra instructions appended to the built-in system prompt. */
  instructions?: string;
}

/** The monitor's schedule and flap damping. */
export interface MonitorOptions {
  /** Run checks at all; default true for `run`, false for `chat`. */
  enabled: boolean;
  /** Default interval between checks of a source; default 60 s. */
  intervalMs: number;
  /** Default time allowed for one check; default 20 s. */
  timeoutMs: number;
  /** Consecutive observations before an incident opens; default 2. */
  openAfter: number;
  /** Consecutive clean checks before it resolves; default 2. */
  resolveAfter: number;
  /** Ask the model for a short triage of each incident as it opens or escalates; default true (needs a model). */
  triage?: boolean;
  /**
   * Least severity of incidents diagnosed by the model with the read-only tools (task `diagnosis`)
   * instead of the short triage; default `off`.
   */
  diagnose?: Severity | 'off';
}

/** Where incident notifications go. */
export interface NotificationRoute {
  /** Channel name. */
  channel: string;
  /** Chat (and thread) in that channel. */
  address: Address;
  /** Least severity sent on this route; default `warning`. */
  minSeverity: Severity;
}

/** A rule that decides approvals without a person. The first matching rule wins. */
export interface PolicyRule {
  /** Name, recorded as the decider in the audit log. */
  name: string;
  /** What the rule decides. */
  decision: 'approve' | 'reject';
  /** Remediation names it covers; `*` for any. */
  remediations: string[];
  /** Highest risk it covers; default `low`. */
  maxRisk: Risk;
  /**
   * Who must have asked: `monitor` for monitor proposals, or a role, meaning a principal holding
   * at least that role (directly or through the model). Empty: anyone.
   */
  from: Array<'monitor' | Role>;
}

/** How approvals work. */
export interface ApprovalOptions {
  /** How long a request stays open; default 1 h. */
  expiresInMs: number;
  /** Least role needed to decide a request of each risk; default operator / operator / admin. */
  deciderRoles: Record<Risk, Role>;
  /** Automatic decisions, checked in order before asking a person. */
  policy: PolicyRule[];
  /** Default time allowed for one remediation run; default 5 min. */
  executionTimeoutMs: number;
}
