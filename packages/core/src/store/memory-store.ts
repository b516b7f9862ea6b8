import type {
  ApprovalRecord,
  ApprovalStatus,
  AuditRecord,
  ConversationRecord,
  IncidentRecord,
  IncidentStatus,
  Store,
  StoredMessage,
} from '../contracts/store.js';
import { OpsAgentError } from '../errors.js';
import { type Clock, systemClock } from '../util/clock.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Source of time for key/value expiry; default the wall clock. */
  clock?: Clock;
}

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; undefined for never. */
  expiresAt: number | undefined;
}

/** Sweep expired key/values every this many writes, so dedup keys do not pile up. */
const SWEEP_EVERY = 256;

/**
 * A {@link Store} in process memory, for tests and for agents that need no persistence.
 *
 * Records are deep-copied on the way in and on the way out, so callers can never change what is
 * stored by mutating an object. Every method runs in one JavaScript turn, which makes
 * `transitionApproval` and `claim` atomic within the process.
 */
export class MemoryStore implements Store {
  readonly #clock: Clock;
  readonly #conversations = new Map<string, ConversationRecord>();
  readonly #messages = new Map<string, StoredMessage[]>();
  readonly #incidents = new Map<string, IncidentRecord>();
  readonly #approvals = new Map<string, ApprovalRecord>();
  readonly #audit: AuditRecord[] = [];
  readonly #values = new Map<string, Entry>();
  #writes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Nothing to open. */
  async init(): Promise<void> {}

  /** Nothing to flush; the data stays readable until the object is dropped. */
  async close(): Promise<void> {}

  async getConversation(key: string): Promise<ConversationRecord | undefined> {
    return copy(this.#conversations.get(key));
  }

  async putConversation(conversation: ConversationRecord): Promise<void> {
    this.#conversations.set(conversation.key, copy(conversation));
  }

  async listIdleConversations(before: Date): Promise<ConversationRecord[]> {
    const cutoff = before.getTime();
    return [...this.#conversations.values()]
      .filter((c) => c.status === 'open' && c.lastActivityAt.getTime() < cutoff)
      .sort((a, b) => a.lastActivityAt.getTime() - b.lastActivityAt.getTime())
      .map(copy);
  }

  async appendMessages(key: string, messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const history = this.#messages.get(key) ?? [];
    history.push(...messages.map(copy));
    this.#messages.set(key, history);
  }

  async recentMessages(key: string, limit: number): Promise<StoredMessage[]> {
    return lastN(this.#messages.get(key) ?? [], limit).map(copy);
  }

  async clearMessages(key: string): Promise<void> {
    this.#messages.delete(key);
  }

  async putIncident(incident: IncidentRecord): Promise<void> {
    this.#incidents.set(incident.id, copy(incident));
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    return copy(this.#incidents.get(id));
  }

  async findActiveIncident(key: string): Promise<IncidentRecord | undefined> {
    const [active] = newestFirst(
      [...this.#incidents.values()].filter((i) => i.key === key && i.status !== 'resolved'),
      (i) => i.firstSeenAt,
    );
    return copy(active);
  }

  async listIncidents(filter: { status?: IncidentStatus[] } = {}): Promise<IncidentRecord[]> {
    const { status } = filter;
    const matching = [...this.#incidents.values()].filter(
      (i) => status === undefined || status.includes(i.status),
    );
    return newestFirst(matching, (i) => i.firstSeenAt).map(copy);
  }

  async createApproval(approval: ApprovalRecord): Promise<void> {
    if (this.#approvals.has(approval.id)) throw duplicateApproval(approval.id);
    this.#approvals.set(approval.id, copy(approval));
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return copy(this.#approvals.get(id));
  }

  async listApprovals(filter: { status?: ApprovalStatus[] } = {}): Promise<ApprovalRecord[]> {
    const { status } = filter;
    const matching = [...this.#approvals.values()].filter(
      (a) => status === undefined || status.includes(a.status),
    );
    return newestFirst(matching, (a) => a.createdAt).map(copy);
  }

  async transitionApproval(
    id: string,
    from: readonly ApprovalStatus[],
    patch: Partial<ApprovalRecord> & { status: ApprovalStatus },
  ): Promise<ApprovalRecord | undefined> {
    const current = this.#approvals.get(id);
    if (!current || !from.includes(current.status)) return undefined;
    const updated: ApprovalRecord = { ...current, ...copy(patch), id: current.id };
    this.#approvals.set(id, updated);
    return copy(updated);
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    this.#audit.push(copy(record));
  }

  async listAudit(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    const records = filter.limit === undefined ? this.#audit : lastN(this.#audit, filter.limit);
    return records.map(copy);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    this.#maybeSweep();
    if (this.#live(key) !== undefined) return false;
    this.#values.set(key, { value: '1', expiresAt: this.#clock.now().getTime() + ttlMs });
    return true;
  }

  async getValue(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async setValue(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#maybeSweep();
    const expiresAt = ttlMs === undefined ? undefined : this.#clock.now().getTime() + ttlMs;
    this.#values.set(key, { value, expiresAt });
  }

  /** The entry for `key` unless it has expired (expired entries are dropped). */
  #live(key: string): Entry | undefined {
    const entry = this.#values.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#clock.now().getTime()) {
      this.#values.delete(key);
      return undefined;
    }
    return entry;
  }

  #maybeSweep(): void {
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY !== 0) return;
    for (const key of [...this.#values.keys()]) this.#live(key);
  }
}

/** The error both built-in stores throw when `createApproval` is given an id that exists. */
export function duplicateApproval(id: string): OpsAgentError {
  return new OpsAgentError('STORE_DUPLICATE', `approval "${id}" already exists`, {
    details: { id },
  });
}

/** A deep copy (Dates stay Dates); undefined passes through. */
function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** The last `limit` items (none for a limit of 0 or less), oldest first. */
function lastN<T>(items: readonly T[], limit: number): T[] {
  const n = Math.floor(limit);
  return n > 0 ? items.slice(-n) : [];
}

/**
 * Sorted by `at` descending; equal times keep the newest insertion first (the Maps iterate in
 * insertion order), matching the SQLite store's `ORDER BY at DESC, rowid DESC`.
 */
function newestFirst<T>(items: T[], at: (item: T) => Date): T[] {
  return items.reverse().sort((a, b) => at(b).getTime() - at(a).getTime());
}
