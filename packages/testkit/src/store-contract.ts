import type {
  Actor,
  ApprovalRecord,
  AuditRecord,
  ConversationRecord,
  IncidentRecord,
  ManualClock,
  Store,
  StoredMessage,
} from '@opsagent/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /**
   * The clock the stores from `makeStore` read. With it, the expiry tests move time by hand;
   * without it they are skipped.
   */
  clock?: ManualClock;
}

const T0 = new Date('2026-03-01T12:00:00.000Z');

/** `T0` plus `minutes`. */
function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

function conversation(
  key: string,
  overrides: Partial<ConversationRecord> = {},
): ConversationRecord {
  const [channel = 'test', chat = 'general', thread = ''] = key.split('|');
  return {
    key,
    channel,
    address: thread ? { chat, thread } : { chat },
    status: 'open',
    createdAt: at(0),
    lastActivityAt: at(0),
    ...overrides,
  };
}

function userMessage(text: string, minutes: number): StoredMessage {
  return { at: at(minutes), message: { role: 'user', content: text } };
}

function incident(id: string, overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id,
    key: `lab:${id}:unhealthy`,
    source: 'lab',
    status: 'open',
    severity: 'warning',
    resource: `container:${id}`,
    title: `${id} is unhealthy`,
    evidence: 'health=unhealthy',
    data: { container: id, restarts: 3, labels: ['a', 'b'] },
    observations: 2,
    cleanChecks: 0,
    firstSeenAt: at(0),
    openedAt: at(1),
    lastSeenAt: at(2),
    ...overrides,
  };
}

function approval(id: string, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id,
    remediation: 'restart_container',
    input: { container: 'web', options: { timeout: 10 } },
    action: 'restart container web on lab-1',
    reason: 'web is unhealthy',
    risk: 'medium',
    requestedBy: { kind: 'model', id: 'model', name: 'the model for olga' },
    origin: { channel: 'slack', address: { chat: 'C1', thread: '171.2' } },
    incidentId: 'inc1',
    status: 'pending',
    createdAt: at(0),
    expiresAt: at(30),
    updatedAt: at(0),
    ...overrides,
  };
}

function audit(subject: string, minutes: number): AuditRecord {
  return {
    at: at(minutes),
    type: 'tool_call',
    actor: 'olga',
    subject,
    detail: { input: { host: 'lab-1' }, ok: true },
  };
}

const OLGA: Actor = { kind: 'principal', id: 'olga', name: 'Olga' };
const PIOTR: Actor = { kind: 'principal', id: 'piotr', name: 'Piotr' };

/**
 * `length` characters of text that gzip cannot shrink much, with 1- to 4-byte UTF-8 characters
 * (a 4-byte one is a surrogate pair in JavaScript), the same for the same `seed`.
 */
function noise(length: number, seed: number): string {
  const alphabet = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}":,éßжλ✓€漢😀',
  ];
  const out = new Array<string>(length);
  let x = seed * 2_654_435_761 || 1;
  for (let i = 0; i < length; i += 1) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = alphabet[(x >>> 0) % alphabet.length]!;
  }
  return out.join('');
}

/** Expects `actual` to be `expected`, reporting sizes and the first difference, not megabytes. */
function expectSameText(actual: string | undefined, expected: string): void {
  if (actual === expected) return;
  let at = 0;
  while (actual !== undefined && at < expected.length && actual[at] === expected[at]) at += 1;
  expect.fail(
    actual === undefined
      ? `expected a value of ${expected.length} characters, got undefined`
      : `expected ${expected.length} characters, got ${actual.length}; first difference at ${at}`,
  );
}

/**
 * Registers the behaviour every {@link Store} must have, as vitest `describe`/`it` blocks, so each
 * implementation (memory, SQLite, DynamoDB, yours) runs the same suite:
 *
 * ```ts
 * const clock = createManualClock();
 * describeStoreContract('SqliteStore', () => new SqliteStore({ path: ':memory:', clock }), { clock });
 * ```
 *
 * `makeStore` is called once per test and must return a fresh, empty store that is not yet
 * initialised; the suite calls `init()` before and `close()` after each test.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store> | Store,
  options: StoreContractOptions = {},
): void {
  const { clock } = options;

  describe(`${name} (store contract)`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('conversations', () => {
      it('returns a stored conversation as it was put, with Dates', async () => {
        const threaded = conversation('slack|C1|171.2', { lastActivityAt: at(5) });
        const plain = conversation('signal|+4912345|');
        await store.putConversation(threaded);
        await store.putConversation(plain);

        const got = await store.getConversation(threaded.key);
        expect(got).toEqual(threaded);
        expect(got?.createdAt).toBeInstanceOf(Date);
        expect(got?.lastActivityAt).toBeInstanceOf(Date);
        expect(await store.getConversation(plain.key)).toEqual(plain);
      });

      it('returns undefined for an unknown conversation', async () => {
        expect(await store.getConversation('slack|nope|')).toBeUndefined();
      });

      it('replaces a conversation put again under the same key', async () => {
        const original = conversation('slack|C1|');
        await store.putConversation(original);
        const closed = { ...original, status: 'closed' as const, lastActivityAt: at(9) };
        await store.putConversation(closed);
        expect(await store.getConversation(original.key)).toEqual(closed);
      });

      it('lists only open conversations idle since before the cutoff', async () => {
        await store.putConversation(conversation('t|old|', { lastActivityAt: at(1) }));
        await store.putConversation(conversation('t|older|', { lastActivityAt: at(0) }));
        await store.putConversation(conversation('t|recent|', { lastActivityAt: at(20) }));
        await store.putConversation(conversation('t|at-cutoff|', { lastActivityAt: at(10) }));
        await store.putConversation(
          conversation('t|closed|', { status: 'closed', lastActivityAt: at(0) }),
        );

        const idle = await store.listIdleConversations(at(10));
        expect(idle.map((c) => c.key).sort()).toEqual(['t|older|', 't|old|'].sort());
        expect(idle.every((c) => c.lastActivityAt instanceof Date)).toBe(true);
      });
    });

    describe('message history', () => {
      it('returns the last N messages, oldest first', async () => {
        const key = 'slack|C1|';
        await store.appendMessages(key, [userMessage('one', 1), userMessage('two', 2)]);
        await store.appendMessages(key, [
          userMessage('three', 3),
          {
            at: at(4),
            message: {
              role: 'assistant',
              content: 'checking',
              toolCalls: [{ id: 'c1', name: 'docker_ps', input: { all: true } }],
            },
          },
          {
            at: at(5),
            message: {
              role: 'tool',
              results: [{ callId: 'c1', name: 'docker_ps', output: 'web up', isError: false }],
            },
          },
        ]);

        const last3 = await store.recentMessages(key, 3);
        expect(last3.map((m) => m.at)).toEqual([at(3), at(4), at(5)]);
        expect(last3[0]?.message).toEqual({ role: 'user', content: 'three' });
        expect(last3[1]?.message).toEqual({
          role: 'assistant',
          content: 'checking',
          toolCalls: [{ id: 'c1', name: 'docker_ps', input: { all: true } }],
        });
        expect(last3[2]?.at).toBeInstanceOf(Date);

        const all = await store.recentMessages(key, 100);
        expect(all.map((m) => m.at.getTime())).toEqual([1, 2, 3, 4, 5].map((m) => at(m).getTime()));
      });

      it('keeps append order even when timestamps tie', async () => {
        const key = 'slack|C1|';
        await store.appendMessages(key, [userMessage('a', 1), userMessage('b', 1)]);
        await store.appendMessages(key, [userMessage('c', 1)]);
        const texts = (await store.recentMessages(key, 10)).map((m) =>
          m.message.role === 'user' ? m.message.content : '',
        );
        expect(texts).toEqual(['a', 'b', 'c']);
      });

      it('returns no messages for a limit of 0 or an unknown conversation', async () => {
        await store.appendMessages('slack|C1|', [userMessage('one', 1)]);
        expect(await store.recentMessages('slack|C1|', 0)).toEqual([]);
        expect(await store.recentMessages('slack|C2|', 10)).toEqual([]);
      });

      it('keeps histories of different conversations apart', async () => {
        await store.appendMessages('slack|C1|', [userMessage('for C1', 1)]);
        await store.appendMessages('slack|C1|t1', [userMessage('for the thread', 2)]);
        expect(await store.recentMessages('slack|C1|', 10)).toEqual([userMessage('for C1', 1)]);
        expect(await store.recentMessages('slack|C1|t1', 10)).toEqual([
          userMessage('for the thread', 2),
        ]);
      });

      it('clears one conversation history and leaves the others', async () => {
        await store.appendMessages('slack|C1|', [userMessage('one', 1), userMessage('two', 2)]);
        await store.appendMessages('slack|C2|', [userMessage('other', 1)]);
        await store.clearMessages('slack|C1|');
        expect(await store.recentMessages('slack|C1|', 10)).toEqual([]);
        expect(await store.recentMessages('slack|C2|', 10)).toHaveLength(1);

        await store.appendMessages('slack|C1|', [userMessage('fresh', 3)]);
        expect(await store.recentMessages('slack|C1|', 10)).toEqual([userMessage('fresh', 3)]);
      });
    });

    describe('incidents', () => {
      it('returns a stored incident as it was put, with Dates and structured data', async () => {
        const full = incident('inc1', {
          notifiedSeverity: 'warning',
          analysis: 'the container runs out of memory',
        });
        await store.putIncident(full);
        const got = await store.getIncident('inc1');
        expect(got).toEqual(full);
        expect(got?.firstSeenAt).toBeInstanceOf(Date);
        expect(got?.openedAt).toBeInstanceOf(Date);
        expect(got?.lastSeenAt).toBeInstanceOf(Date);
        expect(await store.getIncident('nope')).toBeUndefined();
      });

      it('keeps optional incident fields absent when they were not set', async () => {
        const { openedAt: _o, data: _d, ...bare } = incident('inc1', { status: 'pending' });
        await store.putIncident(bare);
        const got = await store.getIncident('inc1');
        expect(got).toEqual(bare);
        expect(got?.openedAt).toBeUndefined();
        expect(got?.resolvedAt).toBeUndefined();
        expect(got?.data).toBeUndefined();
      });

      it('replaces an incident put again under the same id', async () => {
        await store.putIncident(incident('inc1'));
        const resolved = incident('inc1', {
          status: 'resolved',
          cleanChecks: 3,
          resolvedAt: at(10),
          severity: 'critical',
        });
        await store.putIncident(resolved);
        expect(await store.getIncident('inc1')).toEqual(resolved);
        expect(await store.listIncidents()).toHaveLength(1);
      });

      it('finds the active incident for a finding key and never a resolved one', async () => {
        await store.putIncident(
          incident('old', { key: 'lab:web', status: 'resolved', resolvedAt: at(3) }),
        );
        expect(await store.findActiveIncident('lab:web')).toBeUndefined();

        await store.putIncident(
          incident('new', { key: 'lab:web', status: 'pending', firstSeenAt: at(5) }),
        );
        await store.putIncident(incident('other', { key: 'lab:db' }));
        expect((await store.findActiveIncident('lab:web'))?.id).toBe('new');

        await store.putIncident(
          incident('new', { key: 'lab:web', status: 'open', firstSeenAt: at(5) }),
        );
        expect((await store.findActiveIncident('lab:web'))?.status).toBe('open');
        expect(await store.findActiveIncident('lab:none')).toBeUndefined();
      });

      it('lists incidents newest first, optionally by status', async () => {
        await store.putIncident(incident('a', { firstSeenAt: at(1), status: 'open' }));
        await store.putIncident(incident('b', { firstSeenAt: at(3), status: 'resolved' }));
        await store.putIncident(incident('c', { firstSeenAt: at(2), status: 'pending' }));
        await store.putIncident(incident('d', { firstSeenAt: at(4), status: 'open' }));

        expect((await store.listIncidents()).map((i) => i.id)).toEqual(['d', 'b', 'c', 'a']);
        expect((await store.listIncidents({ status: ['open'] })).map((i) => i.id)).toEqual([
          'd',
          'a',
        ]);
        expect(
          (await store.listIncidents({ status: ['open', 'pending'] })).map((i) => i.id),
        ).toEqual(['d', 'c', 'a']);
        expect(await store.listIncidents({ status: [] })).toEqual([]);
      });
    });

    describe('approvals', () => {
      it('returns a created approval as it was, with Dates and structured fields', async () => {
        const record = approval('k7m2qd');
        await store.createApproval(record);
        const got = await store.getApproval('k7m2qd');
        expect(got).toEqual(record);
        expect(got?.createdAt).toBeInstanceOf(Date);
        expect(got?.expiresAt).toBeInstanceOf(Date);
        expect(got?.updatedAt).toBeInstanceOf(Date);
        expect(await store.getApproval('nope')).toBeUndefined();
      });

      it('keeps optional approval fields absent when they were not set', async () => {
        const { origin: _o, incidentId: _i, ...bare } = approval('k7m2qd');
        await store.createApproval(bare);
        const got = await store.getApproval('k7m2qd');
        expect(got).toEqual(bare);
        expect(got?.origin).toBeUndefined();
        expect(got?.decidedBy).toBeUndefined();
        expect(got?.result).toBeUndefined();
      });

      it('rejects creating an approval whose id exists, and keeps the first', async () => {
        const first = approval('k7m2qd');
        await store.createApproval(first);
        await expect(
          store.createApproval(approval('k7m2qd', { action: 'something else' })),
        ).rejects.toThrow();
        expect(await store.getApproval('k7m2qd')).toEqual(first);
      });

      it('lists approvals newest first, optionally by status', async () => {
        await store.createApproval(approval('a', { createdAt: at(1) }));
        await store.createApproval(approval('b', { createdAt: at(3), status: 'succeeded' }));
        await store.createApproval(approval('c', { createdAt: at(2), status: 'expired' }));
        await store.createApproval(approval('d', { createdAt: at(4) }));

        expect((await store.listApprovals()).map((a) => a.id)).toEqual(['d', 'b', 'c', 'a']);
        expect((await store.listApprovals({ status: ['pending'] })).map((a) => a.id)).toEqual([
          'd',
          'a',
        ]);
        expect(
          (await store.listApprovals({ status: ['expired', 'succeeded'] })).map((a) => a.id),
        ).toEqual(['b', 'c']);
        expect(await store.listApprovals({ status: [] })).toEqual([]);
      });

      it('moves an approval from a listed status and applies the patch', async () => {
        await store.createApproval(approval('k7m2qd'));
        const updated = await store.transitionApproval('k7m2qd', ['pending'], {
          status: 'approved',
          decidedBy: OLGA,
          updatedAt: at(5),
        });
        const expected = {
          ...approval('k7m2qd'),
          status: 'approved',
          decidedBy: OLGA,
          updatedAt: at(5),
        };
        expect(updated).toEqual(expected);
        expect(updated?.updatedAt).toBeInstanceOf(Date);
        expect(updated?.createdAt).toBeInstanceOf(Date);
        expect(updated?.expiresAt).toBeInstanceOf(Date);
        expect(await store.getApproval('k7m2qd')).toEqual(expected);
        const stored = await store.getApproval('k7m2qd');
        expect(stored?.updatedAt).toBeInstanceOf(Date);

        const done = await store.transitionApproval('k7m2qd', ['approved', 'executing'], {
          status: 'succeeded',
          result: { ok: true, detail: 'restarted' },
          updatedAt: at(6),
        });
        expect(done?.status).toBe('succeeded');
        expect(done?.result).toEqual({ ok: true, detail: 'restarted' });
        expect(done?.decidedBy).toEqual(OLGA);
        expect(done?.updatedAt).toEqual(at(6));
      });

      it('returns undefined and changes nothing when the status is not in from', async () => {
        await store.createApproval(approval('k7m2qd', { status: 'rejected', decidedBy: PIOTR }));
        const before = await store.getApproval('k7m2qd');
        const result = await store.transitionApproval('k7m2qd', ['pending', 'approved'], {
          status: 'executing',
          decidedBy: OLGA,
          updatedAt: at(9),
        });
        expect(result).toBeUndefined();
        expect(await store.getApproval('k7m2qd')).toEqual(before);
      });

      it('returns undefined when transitioning an unknown approval', async () => {
        expect(
          await store.transitionApproval('nope', ['pending'], { status: 'approved' }),
        ).toBeUndefined();
        expect(await store.listApprovals()).toEqual([]);
      });

      it('lets only the first of two concurrent pending->approved transitions win', async () => {
        await store.createApproval(approval('k7m2qd'));
        const results = await Promise.all([
          store.transitionApproval('k7m2qd', ['pending'], {
            status: 'approved',
            decidedBy: OLGA,
            updatedAt: at(1),
          }),
          store.transitionApproval('k7m2qd', ['pending'], {
            status: 'approved',
            decidedBy: PIOTR,
            updatedAt: at(2),
          }),
        ]);
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        const stored = await store.getApproval('k7m2qd');
        expect(stored).toEqual(winners[0]);
        expect(stored?.status).toBe('approved');
      });

      it('lets exactly one of an approve and a reject racing on a pending approval win', async () => {
        await store.createApproval(approval('k7m2qd'));
        const results = await Promise.all([
          store.transitionApproval('k7m2qd', ['pending'], { status: 'approved', decidedBy: OLGA }),
          store.transitionApproval('k7m2qd', ['pending'], { status: 'rejected', decidedBy: PIOTR }),
          store.transitionApproval('k7m2qd', ['pending'], { status: 'expired' }),
        ]);
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect((await store.getApproval('k7m2qd'))?.status).toBe(winners[0]?.status);
      });

      it('never changes the id through a patch', async () => {
        await store.createApproval(approval('k7m2qd'));
        const updated = await store.transitionApproval('k7m2qd', ['pending'], {
          status: 'approved',
          id: 'other',
        });
        expect(updated?.id).toBe('k7m2qd');
        expect((await store.getApproval('k7m2qd'))?.status).toBe('approved');
        expect(await store.getApproval('other')).toBeUndefined();
      });
    });

    describe('audit', () => {
      it('lists audit records in append order, with Dates and details', async () => {
        await store.appendAudit(audit('first', 5));
        await store.appendAudit(audit('second', 1));
        await store.appendAudit(audit('third', 9));
        const records = await store.listAudit();
        expect(records.map((r) => r.subject)).toEqual(['first', 'second', 'third']);
        expect(records[0]).toEqual(audit('first', 5));
        expect(records[0]?.at).toBeInstanceOf(Date);
      });

      it('lists only the last N audit records, oldest first, when given a limit', async () => {
        for (const [i, subject] of ['a', 'b', 'c', 'd'].entries()) {
          await store.appendAudit(audit(subject, i));
        }
        expect((await store.listAudit({ limit: 2 })).map((r) => r.subject)).toEqual(['c', 'd']);
        expect((await store.listAudit({ limit: 10 })).map((r) => r.subject)).toEqual([
          'a',
          'b',
          'c',
          'd',
        ]);
        expect(await store.listAudit({ limit: 0 })).toEqual([]);
      });
    });

    describe('claims and values', () => {
      it('grants a claim once: the second claim of the same key is refused', async () => {
        expect(await store.claim('inbound:slack:1', 60_000)).toBe(true);
        expect(await store.claim('inbound:slack:1', 60_000)).toBe(false);
        expect(await store.claim('inbound:slack:2', 60_000)).toBe(true);
      });

      it('grants exactly one of many concurrent claims of a key', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, () => store.claim('inbound:slack:1', 60_000)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it.skipIf(!clock)('grants a claim again once its TTL has passed', async () => {
        expect(await store.claim('dedup', 60_000)).toBe(true);
        clock!.advance(59_000);
        expect(await store.claim('dedup', 60_000)).toBe(false);
        clock!.advance(2_000);
        expect(await store.claim('dedup', 60_000)).toBe(true);
        expect(await store.claim('dedup', 60_000)).toBe(false);
      });

      it('returns a set value, the latest one, and undefined for unknown keys', async () => {
        expect(await store.getValue('cursor')).toBeUndefined();
        await store.setValue('cursor', 'v1');
        expect(await store.getValue('cursor')).toBe('v1');
        await store.setValue('cursor', 'v2');
        expect(await store.getValue('cursor')).toBe('v2');
      });

      it.skipIf(!clock)('forgets a value after its TTL and keeps one without TTL', async () => {
        await store.setValue('short', 'x', 1_000);
        await store.setValue('forever', 'y');
        clock!.advance(500);
        expect(await store.getValue('short')).toBe('x');
        clock!.advance(1_000);
        expect(await store.getValue('short')).toBeUndefined();
        expect(await store.getValue('forever')).toBe('y');

        await store.setValue('short', 'again', 1_000);
        expect(await store.getValue('short')).toBe('again');
        await store.setValue('short', 'kept');
        clock!.advance(5_000);
        expect(await store.getValue('short')).toBe('kept');
      });
    });

    describe('large values', () => {
      it('returns values of several MB exactly as they were set', async () => {
        // Text (350 KB+), compressible text (1 MB) and text that gzip cannot shrink (about 4 MB
        // of UTF-8, with 2-, 3- and 4-byte characters): one item, one gzipped item, many parts.
        const values = {
          text: noise(300_000, 1),
          repetitive: 'GET /health 200 0.3ms\n'.repeat(48_000),
          noise: noise(3_200_000, 2),
        };
        for (const [key, value] of Object.entries(values)) await store.setValue(key, value);
        for (const [key, value] of Object.entries(values)) {
          expectSameText(await store.getValue(key), value);
        }
      });

      it('replaces a large value with a small one, and a small one with a large one', async () => {
        const large = noise(1_000_000, 3);
        await store.setValue('state', large);
        await store.setValue('state', 'small');
        expect(await store.getValue('state')).toBe('small');
        await store.setValue('state', large);
        expectSameText(await store.getValue('state'), large);
        const other = noise(1_200_000, 4);
        await store.setValue('state', other);
        expectSameText(await store.getValue('state'), other);
      });

      it.skipIf(!clock)(
        'forgets a large value after its TTL and keeps one without TTL',
        async () => {
          const large = noise(1_000_000, 5);
          await store.setValue('short', large, 1_000);
          await store.setValue('forever', large);
          clock!.advance(500);
          expectSameText(await store.getValue('short'), large);
          clock!.advance(1_000);
          expect(await store.getValue('short')).toBeUndefined();
          expectSameText(await store.getValue('forever'), large);
        },
      );

      it('returns one whole version while large values are rewritten concurrently', async () => {
        const versions = [noise(1_000_000, 6), noise(1_000_000, 7), noise(1_000_000, 8)];
        await store.setValue('state', versions[0]!);
        const writes: Promise<void>[] = [];
        const reads: Promise<string | undefined>[] = [];
        for (let round = 1; round <= 6; round += 1) {
          writes.push(store.setValue('state', versions[round % 3]!));
          reads.push(store.getValue('state'), store.getValue('state'));
        }
        await Promise.all(writes);
        const seen = [...(await Promise.all(reads)), await store.getValue('state')];
        for (const value of seen) {
          expect(
            value !== undefined && versions.includes(value),
            'a read returned no whole version',
          ).toBe(true);
        }
      });
    });

    describe('isolation', () => {
      it('returns copies: mutating a returned record changes nothing stored', async () => {
        await store.putConversation(conversation('slack|C1|'));
        await store.appendMessages('slack|C1|', [userMessage('one', 1)]);
        await store.putIncident(incident('inc1'));
        await store.createApproval(approval('k7m2qd'));
        await store.appendAudit(audit('first', 1));

        const c = await store.getConversation('slack|C1|');
        c!.status = 'closed';
        c!.address.chat = 'mutated';
        c!.lastActivityAt.setTime(0);
        const [m] = await store.recentMessages('slack|C1|', 1);
        m!.message = { role: 'user', content: 'mutated' };
        const i = await store.getIncident('inc1');
        i!.status = 'resolved';
        i!.data!.container = 'mutated';
        const [listed] = await store.listIncidents();
        listed!.title = 'mutated';
        const a = await store.getApproval('k7m2qd');
        a!.status = 'approved';
        (a!.input as { container: string }).container = 'mutated';
        a!.requestedBy.name = 'mutated';
        const [listedApproval] = await store.listApprovals();
        listedApproval!.expiresAt.setTime(0);
        const [r] = await store.listAudit();
        r!.detail.ok = false;

        expect(await store.getConversation('slack|C1|')).toEqual(conversation('slack|C1|'));
        expect(await store.recentMessages('slack|C1|', 1)).toEqual([userMessage('one', 1)]);
        expect(await store.getIncident('inc1')).toEqual(incident('inc1'));
        expect(await store.getApproval('k7m2qd')).toEqual(approval('k7m2qd'));
        expect(await store.listAudit()).toEqual([audit('first', 1)]);
      });

      it('stores copies: mutating a record after storing it changes nothing stored', async () => {
        const c = conversation('slack|C1|');
        const m = userMessage('one', 1);
        const i = incident('inc1');
        const a = approval('k7m2qd');
        const r = audit('first', 1);
        await store.putConversation(c);
        await store.appendMessages('slack|C1|', [m]);
        await store.putIncident(i);
        await store.createApproval(a);
        await store.appendAudit(r);

        c.address.chat = 'mutated';
        m.at.setTime(0);
        i.data!.container = 'mutated';
        a.requestedBy.name = 'mutated';
        r.detail.ok = false;

        expect(await store.getConversation('slack|C1|')).toEqual(conversation('slack|C1|'));
        expect(await store.recentMessages('slack|C1|', 1)).toEqual([userMessage('one', 1)]);
        expect(await store.getIncident('inc1')).toEqual(incident('inc1'));
        expect(await store.getApproval('k7m2qd')).toEqual(approval('k7m2qd'));
        expect(await store.listAudit()).toEqual([audit('first', 1)]);
      });

      it('returns a transitioned approval that is a copy of what is stored', async () => {
        const patch = { status: 'approved' as const, decidedBy: { ...OLGA } };
        await store.createApproval(approval('k7m2qd'));
        const updated = await store.transitionApproval('k7m2qd', ['pending'], patch);
        updated!.decidedBy!.name = 'mutated';
        patch.decidedBy.name = 'mutated too';
        expect((await store.getApproval('k7m2qd'))?.decidedBy).toEqual(OLGA);
      });
    });
  });
}
