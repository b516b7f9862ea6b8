import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRecord, IncidentRecord } from '../contracts/store.js';
import { isOpsAgentError } from '../errors.js';
import { createManualClock } from '../util/clock.js';
import { defaultDataDir } from './data-dir.js';
import { conversationKey } from './keys.js';
import { SQLITE_SCHEMA_VERSION, SqliteStore } from './sqlite-store.js';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/sqlite-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/store/sqlite-store.js', import.meta.url));
const T0 = new Date('2026-03-01T12:00:00.000Z');

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsagent-sqlite-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh database path in a folder that does not exist yet. */
function freshPath(): string {
  files += 1;
  return join(dir, `case-${files}`, 'state', 'opsagent.db');
}

/** Reads a pragma through a separate, raw connection. */
function pragma(path: string, name: string): unknown {
  const db = new DatabaseSync(path);
  try {
    const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
    return row?.[name];
  } finally {
    db.close();
  }
}

function approval(id: string, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id,
    remediation: 'restart_container',
    input: { container: 'web' },
    action: 'restart container web',
    reason: 'web is unhealthy',
    risk: 'medium',
    requestedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
    status: 'pending',
    createdAt: T0,
    expiresAt: new Date(T0.getTime() + 30 * 60_000),
    updatedAt: T0,
    ...overrides,
  };
}

function incident(id: string): IncidentRecord {
  return {
    id,
    key: 'lab:web:unhealthy',
    source: 'lab',
    status: 'open',
    severity: 'critical',
    resource: 'container:web',
    title: 'web is unhealthy',
    evidence: 'health=unhealthy',
    observations: 2,
    cleanChecks: 0,
    firstSeenAt: T0,
    openedAt: T0,
    lastSeenAt: T0,
  };
}

/** A running fixture process with its stdout as a queue of lines. */
interface Child {
  process: ChildProcess;
  /** Resolves with the next stdout line (rejects if the process exits first). */
  nextLine(): Promise<string>;
  /** Resolves with the exit code (or signal). */
  exited: Promise<number | NodeJS.Signals | null>;
  stderr(): string;
}

function startChild(...args: string[]): Child {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let stderr = '';
  let closed = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  reader.on('close', () => {
    closed = true;
    for (const waiter of waiting.splice(0)) waiter(undefined);
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? code));
  });
  return {
    process: child,
    exited,
    stderr: () => stderr,
    nextLine() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (closed) return Promise.reject(new Error(`child ended early; stderr:\n${stderr}`));
      return new Promise((resolve, reject) =>
        waiting.push((next) =>
          next === undefined
            ? reject(new Error(`child ended early; stderr:\n${stderr}`))
            : resolve(next),
        ),
      );
    },
  };
}

/** Starts the children, waits until all are ready, then releases them at once. */
async function raceChildren(args: string[][]): Promise<unknown[]> {
  const children = args.map((a) => startChild(...a));
  try {
    for (const child of children) expect(await child.nextLine()).toBe('ready');
    for (const child of children) child.process.stdin?.end('go\n');
    const outputs = await Promise.all(
      children.map(async (child) => JSON.parse(await child.nextLine()) as unknown),
    );
    const codes = await Promise.all(children.map((child) => child.exited));
    expect(codes, children.map((c) => c.stderr()).join('\n')).toEqual(children.map(() => 0));
    return outputs;
  } finally {
    for (const child of children) if (child.process.exitCode === null) child.process.kill();
  }
}

describe('SqliteStore on a file', () => {
  it('creates the parent folder and migrates a new file to the current schema version', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.init();
    await store.close();
    expect(existsSync(path)).toBe(true);
    expect(SQLITE_SCHEMA_VERSION).toBeGreaterThan(0);
    expect(pragma(path, 'user_version')).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('runs migrations once: re-opening a migrated file keeps user_version and data', async () => {
    const path = freshPath();
    const first = new SqliteStore({ path });
    await first.init();
    await first.createApproval(approval('a1'));
    await first.close();

    // A second run of the first migration would fail on CREATE TABLE of an existing table.
    for (let round = 0; round < 2; round += 1) {
      const again = new SqliteStore({ path });
      await Promise.all([again.init(), again.init()]);
      await again.init();
      expect(await again.getApproval('a1')).toEqual(approval('a1'));
      await again.close();
      expect(pragma(path, 'user_version')).toBe(SQLITE_SCHEMA_VERSION);
    }
  });

  it('refuses a file whose schema is newer than this build knows', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.init();
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    raw.close();

    const newer = new SqliteStore({ path });
    const error = await newer.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOpsAgentError(error, 'STORE_SCHEMA_TOO_NEW')).toBe(true);
  });

  it('runs in WAL journal mode', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.init();
    try {
      expect(pragma(path, 'journal_mode')).toBe('wal');
    } finally {
      await store.close();
    }
  });

  it('keeps every kind of record across close and reopen', async () => {
    const path = freshPath();
    const clock = createManualClock(T0);
    const store = new SqliteStore({ path, clock });
    await store.init();
    const conversation = {
      key: 'slack|C1|171.2',
      channel: 'slack',
      address: { chat: 'C1', thread: '171.2' },
      status: 'open' as const,
      createdAt: T0,
      lastActivityAt: T0,
    };
    await store.putConversation(conversation);
    await store.appendMessages(conversation.key, [
      { at: T0, message: { role: 'user', content: 'is web up?' } },
    ]);
    await store.putIncident(incident('inc1'));
    await store.createApproval(approval('a1'));
    await store.appendAudit({
      at: T0,
      type: 'proposal',
      actor: 'model',
      subject: 'a1',
      detail: {},
    });
    expect(await store.claim('dedup', 60_000)).toBe(true);
    await store.setValue('cursor', '42');
    await store.close();

    const reopened = new SqliteStore({ path, clock });
    await reopened.init();
    try {
      expect(await reopened.getConversation(conversation.key)).toEqual(conversation);
      expect(await reopened.recentMessages(conversation.key, 10)).toHaveLength(1);
      expect(await reopened.getIncident('inc1')).toEqual(incident('inc1'));
      expect(await reopened.getApproval('a1')).toEqual(approval('a1'));
      expect(await reopened.listAudit()).toHaveLength(1);
      expect(await reopened.claim('dedup', 60_000)).toBe(false);
      expect(await reopened.getValue('cursor')).toBe('42');
    } finally {
      await reopened.close();
    }
  });

  it('throws a coded error when used before init or after close', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await expect(store.getApproval('a1')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await store.init();
    await store.close();
    await store.close();
    await expect(store.listAudit()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

describe('SqliteStore across processes', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) {
      throw new Error(
        `${BUILT} is missing: run \`npx turbo run build --filter=@opsagent/core\` first`,
      );
    }
  });

  it('lets exactly one of two processes approve the same pending approval', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.init();
    const ids = ['r1', 'r2', 'r3'];
    for (const id of ids) await store.createApproval(approval(id));
    await store.close();

    for (const id of ids) {
      const outputs = (await raceChildren([
        ['race', path, id],
        ['race', path, id],
      ])) as { won: boolean; pid: number }[];
      expect(outputs.filter((o) => o.won)).toHaveLength(1);
      const winner = outputs.find((o) => o.won);

      const check = new SqliteStore({ path });
      await check.init();
      const stored = await check.getApproval(id);
      await check.close();
      expect(stored?.status).toBe('approved');
      expect(stored?.decidedBy?.id).toBe(`pid-${winner?.pid}`);
    }
  });

  it('lets two processes open and migrate a new file at the same time', async () => {
    const path = freshPath();
    const outputs = await raceChildren([
      ['create', path, 'p1'],
      ['create', path, 'p2'],
    ]);
    expect(outputs).toEqual(expect.arrayContaining([{ created: 'p1' }, { created: 'p2' }]));

    const store = new SqliteStore({ path });
    await store.init();
    try {
      expect((await store.listApprovals()).map((a) => a.id).sort()).toEqual(['p1', 'p2']);
    } finally {
      await store.close();
    }
    expect(pragma(path, 'user_version')).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('keeps a pending approval and an open incident when the writer is killed with SIGKILL', async () => {
    const path = freshPath();
    const child = startChild('crash', path);
    try {
      expect(await child.nextLine()).toBe('ready');
    } finally {
      child.process.kill('SIGKILL');
    }
    expect(await child.exited).toBe('SIGKILL');

    const store = new SqliteStore({ path });
    await store.init();
    try {
      const pending = await store.getApproval('crash1');
      expect(pending?.status).toBe('pending');
      expect(pending?.createdAt).toBeInstanceOf(Date);
      expect(pending?.input).toEqual({ container: 'web' });
      const open = await store.listIncidents({ status: ['open'] });
      expect(open.map((i) => i.id)).toEqual(['inc1']);
      expect((await store.findActiveIncident('lab:web:unhealthy'))?.id).toBe('inc1');
    } finally {
      await store.close();
    }
  });
});

describe('store helpers', () => {
  it('builds conversation keys as channel|chat|thread with an empty thread when absent', () => {
    expect(conversationKey('slack', { chat: 'C1', thread: '171.2' })).toBe('slack|C1|171.2');
    expect(conversationKey('signal', { chat: '+4912345' })).toBe('signal|+4912345|');
  });

  it('uses OPSAGENT_DATA_DIR for the data folder whenever it is set', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(
        defaultDataDir({ OPSAGENT_DATA_DIR: '/srv/opsagent', HOME: '/home/o' }, platform),
      ).toBe('/srv/opsagent');
    }
  });

  it('puts the data folder in the XDG state folder on Linux', () => {
    expect(defaultDataDir({ HOME: '/home/o', XDG_STATE_HOME: '/var/state' }, 'linux')).toBe(
      '/var/state/opsagent',
    );
    expect(defaultDataDir({ HOME: '/home/o' }, 'linux')).toBe('/home/o/.local/state/opsagent');
    expect(defaultDataDir({ HOME: '/home/o', XDG_STATE_HOME: 'relative' }, 'linux')).toBe(
      '/home/o/.local/state/opsagent',
    );
  });

  it('puts the data folder in Application Support on macOS', () => {
    expect(defaultDataDir({ HOME: '/Users/o' }, 'darwin')).toBe(
      '/Users/o/Library/Application Support/opsagent',
    );
  });

  it('puts the data folder in LOCALAPPDATA on Windows', () => {
    expect(defaultDataDir({ LOCALAPPDATA: 'C:\\Users\\o\\AppData\\Local' }, 'win32')).toBe(
      'C:\\Users\\o\\AppData\\Local\\opsagent',
    );
    expect(defaultDataDir({ USERPROFILE: 'C:\\Users\\o' }, 'win32')).toBe(
      'C:\\Users\\o\\AppData\\Local\\opsagent',
    );
  });
});
