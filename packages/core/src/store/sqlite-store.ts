import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { setTimeout as delay } from 'node:timers/promises';
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
import { duplicateApproval } from './memory-store.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (its folder is created), or `:memory:` for a private in-memory database. */
  path: string;
  /** Source of time for key/value expiry; default the wall clock. */
  clock?: Clock;
  /** How long to wait for another process's write lock before failing, in ms; default 5000. */
  busyTimeoutMs?: number;
}

/** One schema step. `PRAGMA user_version` counts the steps applied; never edit a shipped step. */
interface Migration {
  /** What it does, for error messages. */
  description: string;
  /** Applies the step; runs inside a transaction. */
  up(db: DatabaseSync): void;
}

// Times are INTEGER epoch milliseconds; structured fields are JSON text.
const MIGRATIONS: readonly Migration[] = [
  {
    description: 'initial schema',
    up: (db) =>
      db.exec(`
        CREATE TABLE conversations (
          key TEXT PRIMARY KEY,
          channel TEXT NOT NULL,
          address TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          last_activity_at INTEGER NOT NULL
        );
        CREATE INDEX conversations_idle ON conversations (status, last_activity_at);

        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          conversation_key TEXT NOT NULL,
          at INTEGER NOT NULL,
          message TEXT NOT NULL
        );
        CREATE INDEX messages_by_conversation ON messages (conversation_key, seq);

        CREATE TABLE incidents (
          id TEXT PRIMARY KEY,
          key TEXT NOT NULL,
          source TEXT NOT NULL,
          status TEXT NOT NULL,
          severity TEXT NOT NULL,
          notified_severity TEXT,
          resource TEXT NOT NULL,
          title TEXT NOT NULL,
          evidence TEXT NOT NULL,
          data TEXT,
          observations INTEGER NOT NULL,
          clean_checks INTEGER NOT NULL,
          first_seen_at INTEGER NOT NULL,
          opened_at INTEGER,
          last_seen_at INTEGER NOT NULL,
          resolved_at INTEGER,
          analysis TEXT
        );
        CREATE INDEX incidents_by_key ON incidents (key, status);
        CREATE INDEX incidents_by_status ON incidents (status, first_seen_at);

        CREATE TABLE approvals (
          id TEXT PRIMARY KEY,
          remediation TEXT NOT NULL,
          input TEXT,
          action TEXT NOT NULL,
          reason TEXT NOT NULL,
          risk TEXT NOT NULL,
          requested_by TEXT NOT NULL,
          origin TEXT,
          incident_id TEXT,
          status TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          decided_by TEXT,
          result TEXT
        );
        CREATE INDEX approvals_by_status ON approvals (status, created_at);

        CREATE TABLE audit (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          type TEXT NOT NULL,
          actor TEXT NOT NULL,
          subject TEXT NOT NULL,
          detail TEXT NOT NULL
        );

        CREATE TABLE kv (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          expires_at INTEGER
        );
        CREATE INDEX kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
      `),
  },
];

/** The schema version this build writes (`PRAGMA user_version` after `init`). */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** Sweep expired key/values every this many writes, so dedup keys do not pile up. */
const SWEEP_EVERY = 256;

type Row = Record<string, unknown>;

/**
 * The embedded default {@link Store}: one SQLite file through `node:sqlite` (Node 22.13+).
 *
 * Several processes may share the file: it runs in WAL mode with a busy timeout, and every
 * read-modify-write happens inside `BEGIN IMMEDIATE`, so `transitionApproval` and `claim` are
 * atomic across processes, not only within one. `synchronous=NORMAL` keeps every committed write
 * across a process crash (a power loss may drop the last transactions, never corrupt the file).
 *
 * The schema migrates forward on `init`, one transaction per step, keyed on `PRAGMA user_version`;
 * a file written by a newer version is refused rather than guessed at.
 */
export class SqliteStore implements Store {
  readonly #path: string;
  readonly #clock: Clock;
  readonly #busyTimeoutMs: number;
  #db: DatabaseSync | undefined;
  #opening: Promise<void> | undefined;
  readonly #statements = new Map<string, StatementSync>();
  #writes = 0;

  constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    this.#clock = options.clock ?? systemClock;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  /** Opens the file (creating its folder), sets WAL mode and migrates. Idempotent. */
  async init(): Promise<void> {
    if (this.#db) return;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    await this.#opening;
  }

  async #open(): Promise<void> {
    // Loaded here, not at the top of the module, so importing @opsagent/core never touches
    // node:sqlite (still experimental on some Node versions) unless a SqliteStore is opened.
    const { DatabaseSync } = await import('node:sqlite');
    const inMemory = this.#path === ':memory:' || this.#path === '';
    if (!inMemory) mkdirSync(dirname(this.#path), { recursive: true });
    const db = new DatabaseSync(this.#path);
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(this.#busyTimeoutMs))}`);
      if (!inMemory) await enableWal(db, this.#busyTimeoutMs);
      db.exec('PRAGMA synchronous = NORMAL');
      migrate(db, this.#path);
      db.prepare('DELETE FROM kv WHERE expires_at <= ?').run(this.#clock.now().getTime());
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
  }

  /** Closes the database. Idempotent; the store cannot be used afterwards (until `init`). */
  async close(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    this.#statements.clear();
    try {
      db.exec('PRAGMA optimize');
    } finally {
      db.close();
    }
  }

  async getConversation(key: string): Promise<ConversationRecord | undefined> {
    const row = this.#get('SELECT * FROM conversations WHERE key = ?', key);
    return row && toConversation(row);
  }

  async putConversation(c: ConversationRecord): Promise<void> {
    this.#run(
      `INSERT INTO conversations (key, channel, address, status, created_at, last_activity_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, address = excluded.address,
         status = excluded.status, created_at = excluded.created_at,
         last_activity_at = excluded.last_activity_at`,
      c.key,
      c.channel,
      json(c.address),
      c.status,
      ms(c.createdAt),
      ms(c.lastActivityAt),
    );
  }

  async listIdleConversations(before: Date): Promise<ConversationRecord[]> {
    return this.#all(
      `SELECT * FROM conversations WHERE status = 'open' AND last_activity_at < ?
       ORDER BY last_activity_at, rowid`,
      ms(before),
    ).map(toConversation);
  }

  async appendMessages(key: string, messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.#transaction(() => {
      for (const m of messages) {
        this.#run(
          'INSERT INTO messages (conversation_key, at, message) VALUES (?, ?, ?)',
          key,
          ms(m.at),
          json(m.message),
        );
      }
    });
  }

  async recentMessages(key: string, limit: number): Promise<StoredMessage[]> {
    const n = Math.floor(limit);
    if (!(n > 0)) return [];
    return this.#all(
      'SELECT at, message FROM messages WHERE conversation_key = ? ORDER BY seq DESC LIMIT ?',
      key,
      Number.isFinite(n) ? n : -1,
    )
      .reverse()
      .map((row) => ({
        at: date(row.at),
        message: parse(row.message) as StoredMessage['message'],
      }));
  }

  async clearMessages(key: string): Promise<void> {
    this.#run('DELETE FROM messages WHERE conversation_key = ?', key);
  }

  async putIncident(i: IncidentRecord): Promise<void> {
    this.#run(
      `INSERT INTO incidents (id, key, source, status, severity, notified_severity, resource, title,
         evidence, data, observations, clean_checks, first_seen_at, opened_at, last_seen_at,
         resolved_at, analysis)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET key = excluded.key, source = excluded.source,
         status = excluded.status, severity = excluded.severity,
         notified_severity = excluded.notified_severity, resource = excluded.resource,
         title = excluded.title, evidence = excluded.evidence, data = excluded.data,
         observations = excluded.observations, clean_checks = excluded.clean_checks,
         first_seen_at = excluded.first_seen_at, opened_at = excluded.opened_at,
         last_seen_at = excluded.last_seen_at, resolved_at = excluded.resolved_at,
         analysis = excluded.analysis`,
      i.id,
      i.key,
      i.source,
      i.status,
      i.severity,
      i.notifiedSeverity ?? null,
      i.resource,
      i.title,
      i.evidence,
      json(i.data),
      i.observations,
      i.cleanChecks,
      ms(i.firstSeenAt),
      ms(i.openedAt),
      ms(i.lastSeenAt),
      ms(i.resolvedAt),
      i.analysis ?? null,
    );
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    const row = this.#get('SELECT * FROM incidents WHERE id = ?', id);
    return row && toIncident(row);
  }

  async findActiveIncident(key: string): Promise<IncidentRecord | undefined> {
    const row = this.#get(
      `SELECT * FROM incidents WHERE key = ? AND status != 'resolved'
       ORDER BY first_seen_at DESC, rowid DESC LIMIT 1`,
      key,
    );
    return row && toIncident(row);
  }

  async listIncidents(filter: { status?: IncidentStatus[] } = {}): Promise<IncidentRecord[]> {
    const { status } = filter;
    if (status?.length === 0) return [];
    const where = status ? `WHERE status IN (${placeholders(status)})` : '';
    return this.#all(
      `SELECT * FROM incidents ${where} ORDER BY first_seen_at DESC, rowid DESC`,
      ...(status ?? []),
    ).map(toIncident);
  }

  async createApproval(a: ApprovalRecord): Promise<void> {
    const changes = this.#run(
      `INSERT INTO approvals (id, remediation, input, action, reason, risk, requested_by, origin,
         incident_id, status, created_at, expires_at, updated_at, decided_by, result)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      ...approvalValues(a),
    );
    if (changes === 0) throw duplicateApproval(a.id);
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const row = this.#get('SELECT * FROM approvals WHERE id = ?', id);
    return row && toApproval(row);
  }

  async listApprovals(filter: { status?: ApprovalStatus[] } = {}): Promise<ApprovalRecord[]> {
    const { status } = filter;
    if (status?.length === 0) return [];
    const where = status ? `WHERE status IN (${placeholders(status)})` : '';
    return this.#all(
      `SELECT * FROM approvals ${where} ORDER BY created_at DESC, rowid DESC`,
      ...(status ?? []),
    ).map(toApproval);
  }

  async transitionApproval(
    id: string,
    from: readonly ApprovalStatus[],
    patch: Partial<ApprovalRecord> & { status: ApprovalStatus },
  ): Promise<ApprovalRecord | undefined> {
    if (from.length === 0) return undefined;
    // BEGIN IMMEDIATE takes the write lock before the read, so no other process can change the
    // row between the status check and the update; the status guard in the UPDATE is a second
    // line of defence and the re-read returns exactly what was committed.
    return this.#transaction(() => {
      const row = this.#get('SELECT * FROM approvals WHERE id = ?', id);
      if (!row) return undefined;
      const current = toApproval(row);
      if (!from.includes(current.status)) return undefined;
      const next: ApprovalRecord = { ...current, ...patch, id: current.id };
      const [, ...values] = approvalValues(next);
      const changes = this.#run(
        `UPDATE approvals SET remediation = ?, input = ?, action = ?, reason = ?, risk = ?,
           requested_by = ?, origin = ?, incident_id = ?, status = ?, created_at = ?,
           expires_at = ?, updated_at = ?, decided_by = ?, result = ?
         WHERE id = ? AND status IN (${placeholders(from)})`,
        ...values,
        id,
        ...from,
      );
      if (changes !== 1) return undefined;
      const updated = this.#get('SELECT * FROM approvals WHERE id = ?', id);
      return updated && toApproval(updated);
    });
  }

  async appendAudit(r: AuditRecord): Promise<void> {
    this.#run(
      'INSERT INTO audit (at, type, actor, subject, detail) VALUES (?, ?, ?, ?, ?)',
      ms(r.at),
      r.type,
      r.actor,
      r.subject,
      json(r.detail ?? {}),
    );
  }

  async listAudit(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    if (filter.limit === undefined) {
      return this.#all('SELECT * FROM audit ORDER BY seq').map(toAudit);
    }
    const n = Math.floor(filter.limit);
    if (!(n > 0)) return [];
    return this.#all('SELECT * FROM audit ORDER BY seq DESC LIMIT ?', Number.isFinite(n) ? n : -1)
      .reverse()
      .map(toAudit);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    this.#maybeSweep();
    const now = this.#clock.now().getTime();
    // One statement, so one implicit transaction: inserts when absent, replaces when expired,
    // and changes nothing (0 rows) when a live claim exists.
    const changes = this.#run(
      `INSERT INTO kv (key, value, expires_at) VALUES (?, '1', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`,
      key,
      now + ttlMs,
      now,
    );
    return changes === 1;
  }

  async getValue(key: string): Promise<string | undefined> {
    const row = this.#get(
      'SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
      key,
      this.#clock.now().getTime(),
    );
    return row === undefined ? undefined : String(row.value);
  }

  async setValue(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#maybeSweep();
    const expiresAt = ttlMs === undefined ? null : this.#clock.now().getTime() + ttlMs;
    this.#run(
      `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      key,
      value,
      expiresAt,
    );
  }

  #database(): DatabaseSync {
    if (this.#db) return this.#db;
    throw new OpsAgentError('STORE_CLOSED', `SQLite store ${this.#path} is not open; call init()`);
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#database().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(sql: string, ...values: SQLInputValue[]): Row | undefined {
    return this.#statement(sql).get(...values) as Row | undefined;
  }

  #all(sql: string, ...values: SQLInputValue[]): Row[] {
    return this.#statement(sql).all(...values) as Row[];
  }

  /** Runs a write; returns the number of rows changed. */
  #run(sql: string, ...values: SQLInputValue[]): number {
    return Number(this.#statement(sql).run(...values).changes);
  }

  /** Runs `fn` inside `BEGIN IMMEDIATE ... COMMIT` (rolled back if it throws). */
  #transaction<T>(fn: () => T): T {
    return immediate(this.#database(), fn);
  }

  #maybeSweep(): void {
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY !== 0) return;
    this.#run('DELETE FROM kv WHERE expires_at <= ?', this.#clock.now().getTime());
  }
}

/**
 * Switches the file to WAL mode. When several processes open a new file at once, the switch can
 * fail with SQLITE_BUSY without SQLite's busy handler ever waiting, so it is retried here, with
 * jitter, for up to the busy timeout.
 */
async function enableWal(db: DatabaseSync, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || performance.now() >= deadline) throw error;
      await delay(5 + Math.random() * 20);
    }
  }
}

/** True for SQLITE_BUSY and SQLITE_LOCKED (and their extended codes). */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | undefined)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

/** Applies the migrations this file lacks, each in its own write transaction. */
function migrate(db: DatabaseSync, path: string): void {
  for (;;) {
    const applied = immediate(db, () => {
      // Read inside the write lock: another process may have migrated since we last looked.
      const version = userVersion(db);
      if (version > MIGRATIONS.length) {
        throw new OpsAgentError(
          'STORE_SCHEMA_TOO_NEW',
          `SQLite store ${path} has schema version ${version}, newer than this opsagent ` +
            `understands (${MIGRATIONS.length}); upgrade opsagent or use another file`,
          { category: 'user', details: { path, version, supported: MIGRATIONS.length } },
        );
      }
      const step = MIGRATIONS[version];
      if (!step) return false;
      try {
        step.up(db);
      } catch (error) {
        throw new OpsAgentError(
          'STORE_MIGRATION_FAILED',
          `SQLite store ${path}: migration ${version + 1} (${step.description}) failed`,
          { cause: error, details: { path, version: version + 1 } },
        );
      }
      db.exec(`PRAGMA user_version = ${version + 1}`);
      return true;
    });
    if (!applied) return;
  }
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as Row | undefined;
  return Number(row?.user_version ?? 0);
}

function immediate<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

function ms(value: Date): number;
function ms(value: Date | undefined): number | null;
function ms(value: Date | undefined): number | null {
  return value === undefined ? null : value.getTime();
}

function date(value: unknown): Date {
  return new Date(Number(value));
}

/** JSON text, or NULL for undefined. */
function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse(value: unknown): unknown {
  return JSON.parse(String(value));
}

/** Adds `key: value` to `target` unless the column was NULL, so absent fields stay absent. */
function optional<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: unknown,
  revive: (value: unknown) => T[K],
): void {
  if (value !== null && value !== undefined) target[key] = revive(value);
}

function approvalValues(a: ApprovalRecord): SQLInputValue[] {
  return [
    a.id,
    a.remediation,
    json(a.input),
    a.action,
    a.reason,
    a.risk,
    json(a.requestedBy),
    json(a.origin),
    a.incidentId ?? null,
    a.status,
    ms(a.createdAt),
    ms(a.expiresAt),
    ms(a.updatedAt),
    json(a.decidedBy),
    json(a.result),
  ];
}

function toConversation(row: Row): ConversationRecord {
  return {
    key: String(row.key),
    channel: String(row.channel),
    address: parse(row.address) as ConversationRecord['address'],
    status: row.status as ConversationRecord['status'],
    createdAt: date(row.created_at),
    lastActivityAt: date(row.last_activity_at),
  };
}

function toIncident(row: Row): IncidentRecord {
  const incident: IncidentRecord = {
    id: String(row.id),
    key: String(row.key),
    source: String(row.source),
    status: row.status as IncidentRecord['status'],
    severity: row.severity as IncidentRecord['severity'],
    resource: String(row.resource),
    title: String(row.title),
    evidence: String(row.evidence),
    observations: Number(row.observations),
    cleanChecks: Number(row.clean_checks),
    firstSeenAt: date(row.first_seen_at),
    lastSeenAt: date(row.last_seen_at),
  };
  optional(
    incident,
    'notifiedSeverity',
    row.notified_severity,
    (v) => v as IncidentRecord['severity'],
  );
  optional(incident, 'data', row.data, (v) => parse(v) as Record<string, unknown>);
  optional(incident, 'openedAt', row.opened_at, date);
  optional(incident, 'resolvedAt', row.resolved_at, date);
  optional(incident, 'analysis', row.analysis, String);
  return incident;
}

function toApproval(row: Row): ApprovalRecord {
  const approval: ApprovalRecord = {
    id: String(row.id),
    remediation: String(row.remediation),
    input: row.input === null ? undefined : parse(row.input),
    action: String(row.action),
    reason: String(row.reason),
    risk: row.risk as ApprovalRecord['risk'],
    requestedBy: parse(row.requested_by) as ApprovalRecord['requestedBy'],
    status: row.status as ApprovalStatus,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    updatedAt: date(row.updated_at),
  };
  optional(approval, 'origin', row.origin, (v) => parse(v) as ApprovalRecord['origin']);
  optional(approval, 'incidentId', row.incident_id, String);
  optional(approval, 'decidedBy', row.decided_by, (v) => parse(v) as ApprovalRecord['decidedBy']);
  optional(approval, 'result', row.result, (v) => parse(v) as ApprovalRecord['result']);
  return approval;
}

function toAudit(row: Row): AuditRecord {
  return {
    at: date(row.at),
    type: row.type as AuditRecord['type'],
    actor: String(row.actor),
    subject: String(row.subject),
    detail: parse(row.detail) as Record<string, unknown>,
  };
}
