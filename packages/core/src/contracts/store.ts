import type { Address } from './channel.js';
import type { ModelMessage } from './language-model.js';
import type { Risk } from './remediation.js';
import type { Severity } from './source.js';

/** One chat thread the agent takes part in (channel + chat + thread). */
export interface ConversationRecord {
  /** `channel|chat|thread`, see `conversationKey()`. */
  key: string;
  /** Channel name. */
  channel: string;
  /** Where replies go. */
  address: Address;
  /** Closed conversations start afresh on the next message. */
  status: 'open' | 'closed';
  /** First message. */
  createdAt: Date;
  /** Last inbound or outbound message. */
  lastActivityAt: Date;
}

/** One message of a conversation's history. */
export interface StoredMessage {
  /** When it was added. */
  at: Date;
  /** The message as the model sees it. */
  message: ModelMessage;
}

/** `pending` until seen K times in a row, `open` while it lasts, `resolved` after M clean checks. */
export type IncidentStatus = 'pending' | 'open' | 'resolved';

/** A problem the monitor tracks, keyed by finding key. */
export interface IncidentRecord {
  /** Short unique id, shown to people. */
  id: string;
  /** The finding key it tracks. */
  key: string;
  /** Source that reported it. */
  source: string;
  /** Lifecycle state. */
  status: IncidentStatus;
  /** Current severity. */
  severity: Severity;
  /** Highest severity people were notified of while open. */
  notifiedSeverity?: Severity;
  /** Affected resource. */
  resource: string;
  /** One line for people. */
  title: string;
  /** Latest evidence. */
  evidence: string;
  /** Structured facts from the finding. */
  data?: Record<string, unknown>;
  /** Consecutive checks that reported it. */
  observations: number;
  /** Consecutive clean checks since it was last reported. */
  cleanChecks: number;
  /** First observed. */
  firstSeenAt: Date;
  /** When it became `open`. */
  openedAt?: Date;
  /** Last observed. */
  lastSeenAt: Date;
  /** When it was resolved. */
  resolvedAt?: Date;
  /** Model triage or diagnosis, when one was made. */
  analysis?: string;
}

/** Lifecycle of an approval request. Terminal: rejected, expired, succeeded, failed, interrupted. */
export type ApprovalStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'interrupted';

/** Who or what acted: a principal, the model on someone's behalf, the monitor or a policy rule. */
export interface Actor {
  /** Kind of actor. */
  kind: 'principal' | 'model' | 'monitor' | 'policy';
  /** Principal id, rule name, or `monitor`. */
  id: string;
  /** Display name. */
  name: string;
}

/** A proposed change waiting for, or past, a decision. */
export interface ApprovalRecord {
  /** Short unique id people type in `approve <id>`. */
  id: string;
  /** Remediation name. */
  remediation: string;
  /** The exact, validated input it will run with. */
  input: unknown;
  /** Exactly what will run and where (from `describe`). */
  action: string;
  /** Why it was proposed. */
  reason: string;
  /** Risk of the remediation. */
  risk: Risk;
  /** Who proposed it. */
  requestedBy: Actor;
  /** Where to report the outcome (channel + address), when asked from a chat. */
  origin?: { channel: string; address: Address };
  /** Incident it would fix, if any. */
  incidentId?: string;
  /** Lifecycle state. */
  status: ApprovalStatus;
  /** Created. */
  createdAt: Date;
  /** After this it can no longer be approved. */
  expiresAt: Date;
  /** Last change. */
  updatedAt: Date;
  /** Who approved or rejected it. */
  decidedBy?: Actor;
  /** Outcome of the run, once there is one. */
  result?: { ok: boolean; detail: string };
}

/** One append-only audit entry. */
export interface AuditRecord {
  /** When it happened. */
  at: Date;
  /** What happened. */
  type: 'tool_call' | 'command' | 'proposal' | 'decision' | 'execution' | 'refusal' | 'incident';
  /** Who did it (principal id, `model`, `monitor`, a policy rule). */
  actor: string;
  /** What it concerned (tool name, approval id, incident id). */
  subject: string;
  /** Facts, secrets redacted. */
  detail: Record<string, unknown>;
}

/**
 * Everything the agent persists. Implementations: memory (tests), SQLite (default), DynamoDB.
 * All methods are safe to call concurrently; `transitionApproval` and `claim` are atomic.
 */
export interface Store {
  /** Opens and migrates. Called once before use. */
  init(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;

  /** A conversation by key. */
  getConversation(key: string): Promise<ConversationRecord | undefined>;
  /** Creates or replaces a conversation. */
  putConversation(conversation: ConversationRecord): Promise<void>;
  /** Open conversations whose last activity is before `before`, for the inactivity sweep. */
  listIdleConversations(before: Date): Promise<ConversationRecord[]>;
  /** Appends messages to a conversation's history, in order. */
  appendMessages(key: string, messages: StoredMessage[]): Promise<void>;
  /** The last `limit` messages, oldest first. */
  recentMessages(key: string, limit: number): Promise<StoredMessage[]>;
  /** Drops a conversation's history (on close). */
  clearMessages(key: string): Promise<void>;

  /** Creates or replaces an incident. */
  putIncident(incident: IncidentRecord): Promise<void>;
  /** An incident by id. */
  getIncident(id: string): Promise<IncidentRecord | undefined>;
  /** The incident for a finding key that is not resolved, if any. */
  findActiveIncident(key: string): Promise<IncidentRecord | undefined>;
  /** Incidents, newest first, optionally by status. */
  listIncidents(filter?: { status?: IncidentStatus[] }): Promise<IncidentRecord[]>;

  /** Stores a new approval; rejects if the id exists. */
  createApproval(approval: ApprovalRecord): Promise<void>;
  /** An approval by id. */
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  /** Approvals, newest first, optionally by status. */
  listApprovals(filter?: { status?: ApprovalStatus[] }): Promise<ApprovalRecord[]>;
  /**
   * Atomically moves an approval from one of `from` to `patch.status`, applying `patch`.
   * Returns the updated record, or undefined when its status was not in `from` (someone else won).
   */
  transitionApproval(
    id: string,
    from: readonly ApprovalStatus[],
    patch: Partial<ApprovalRecord> & { status: ApprovalStatus },
  ): Promise<ApprovalRecord | undefined>;

  /** Appends an audit record. */
  appendAudit(record: AuditRecord): Promise<void>;
  /** Audit records, oldest first, optionally the last `limit`. */
  listAudit(filter?: { limit?: number }): Promise<AuditRecord[]>;

  /** Sets `key` if absent (or expired); true when this call set it. For dedup. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** A value by key, undefined when absent or expired. */
  getValue(key: string): Promise<string | undefined>;
  /**
   * Sets a value, optionally expiring. Values of several MB must work (the contract suite stores
   * about 4 MB); a store may refuse larger ones with a coded error (DynamoDB: over 8 MiB).
   * A reader sees the old value or the new one whole, never a mix.
   */
  setValue(key: string, value: string, ttlMs?: number): Promise<void>;
}
