import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type ApprovalRecord,
  createManualClock,
  isOpsAgentError,
  type OpsAgentError,
  type StoredMessage,
  silentLogger,
} from '@opsagent/core';
import { describeStoreContract } from '@opsagent/testkit/store-contract';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Dynalite,
  type DynamoProxy,
  localClient,
  type ProxyAnswer,
  startDynalite,
  startDynamoProxy,
} from './__fixtures__/dynamodb.js';
import { DynamoStore, type DynamoStoreOptions } from './dynamo-store.js';
import { tableDefinition } from './layout.js';

type Item = Record<string, AttributeValue>;

const T0 = new Date('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;

let server: Dynalite;
let client: DynamoDBClient;
let tables = 0;
beforeAll(async () => {
  server = await startDynalite();
  client = localClient(server.endpoint);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

/** A table name never used before in this run. */
function freshTable(prefix = 'opsagent'): string {
  tables += 1;
  return `${prefix}-${tables}`;
}

/** A store on a new table (created by the store), sharing the test client. */
function newStore(options: Partial<DynamoStoreOptions> = {}): DynamoStore {
  return new DynamoStore({ table: freshTable(), createTable: true, client, ...options });
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<OpsAgentError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, 'expected a rejection').toBeInstanceOf(Error);
  return outcome as OpsAgentError;
}

function approval(id: string, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id,
    remediation: 'reboot_instance',
    input: { instanceId: 'i-0abc' },
    action: 'reboot i-0abc in eu-west-1',
    reason: 'instance status check failed',
    risk: 'high',
    requestedBy: { kind: 'model', id: 'model', name: 'the model for olga' },
    status: 'pending',
    createdAt: T0,
    expiresAt: new Date(T0.getTime() + 3_600_000),
    updatedAt: T0,
    ...overrides,
  };
}

/** `kb` KiB of random bytes as base64: text gzip shrinks only to about 3/4. */
function bigText(kb: number): string {
  return randomBytes(kb * 1024).toString('base64');
}

/** The part items of the value `key`, read straight from the table (every 1 MB page). */
async function partsOf(table: string, key: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: `kv#${key}` }, ':p': { S: 'p#' } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

async function rawItem(table: string, pk: string, sk: string) {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }),
  );
  return out.Item;
}

const contractClock = createManualClock();
describeStoreContract('DynamoStore on dynalite', () => newStore({ clock: contractClock }), {
  clock: contractClock,
});

describe('DynamoStore across instances', () => {
  let table: string;
  let clientA: DynamoDBClient;
  let clientB: DynamoDBClient;
  let a: DynamoStore;
  let b: DynamoStore;

  beforeAll(async () => {
    table = freshTable('shared');
    clientA = localClient(server.endpoint);
    clientB = localClient(server.endpoint);
    a = new DynamoStore({ table, createTable: true, client: clientA });
    b = new DynamoStore({ table, createTable: true, client: clientB });
    // Both create the same new table at once: one creates it, the other finds it.
    await Promise.all([a.init(), b.init()]);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    clientA.destroy();
    clientB.destroy();
  });

  it('lets exactly one of two instances approve each pending approval', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `race${i}`);
    for (const id of ids) await a.createApproval(approval(id));

    for (const id of ids) {
      const [byA, byB] = await Promise.all([
        a.transitionApproval(id, ['pending'], {
          status: 'approved',
          decidedBy: { kind: 'principal', id: 'olga', name: 'Olga' },
        }),
        b.transitionApproval(id, ['pending'], {
          status: 'approved',
          decidedBy: { kind: 'principal', id: 'piotr', name: 'Piotr' },
        }),
      ]);
      const winners = [byA, byB].filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      // Both instances read what the winner wrote.
      expect(await b.getApproval(id)).toEqual(winners[0]);
      expect(await a.getApproval(id)).toEqual(winners[0]);
    }
  });

  it('runs an approved approval once when two instances race to execute it', async () => {
    await a.createApproval(approval('exec1'));
    await a.transitionApproval('exec1', ['pending'], { status: 'approved' });
    const results = await Promise.all(
      [a, b, a, b].map((store) =>
        store.transitionApproval('exec1', ['approved'], { status: 'executing' }),
      ),
    );
    expect(results.filter((r) => r?.status === 'executing')).toHaveLength(1);
    // Executing cannot go back to executing, and a late approve finds nothing pending.
    expect(
      await b.transitionApproval('exec1', ['pending'], { status: 'approved' }),
    ).toBeUndefined();
    const done = await b.transitionApproval('exec1', ['executing'], {
      status: 'succeeded',
      result: { ok: true, detail: 'rebooted' },
    });
    expect(done?.status).toBe('succeeded');
    expect(
      await a.transitionApproval('exec1', ['executing'], { status: 'failed' }),
    ).toBeUndefined();
  });

  it('grants each dedup claim to exactly one instance', async () => {
    for (let i = 0; i < 20; i += 1) {
      const key = `inbound:slack:Ev${i}`;
      const results = await Promise.all([
        a.claim(key, 60_000),
        b.claim(key, 60_000),
        a.claim(key, 60_000),
        b.claim(key, 60_000),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('refuses a duplicate approval id created by another instance with STORE_DUPLICATE', async () => {
    await a.createApproval(approval('dup1'));
    const error = await rejection(b.createApproval(approval('dup1', { action: 'other' })));
    expect(isOpsAgentError(error, 'STORE_DUPLICATE')).toBe(true);
    expect((await b.getApproval('dup1'))?.action).toBe(approval('dup1').action);
  });

  it('keeps message order across instances appending to one conversation', async () => {
    const key = 'slack|C9|171.9';
    const text = (m: StoredMessage) => (m.message.role === 'user' ? m.message.content : '');
    await a.appendMessages(key, [{ at: T0, message: { role: 'user', content: 'a1' } }]);
    await b.appendMessages(key, [{ at: T0, message: { role: 'user', content: 'b1' } }]);
    await a.appendMessages(key, [{ at: T0, message: { role: 'user', content: 'a2' } }]);
    expect((await b.recentMessages(key, 10)).map(text)).toEqual(['a1', 'b1', 'a2']);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).appendMessages(key, [
          { at: T0, message: { role: 'user', content: `p${i}` } },
        ]),
      ),
    );
    const all = await a.recentMessages(key, 100);
    expect(all).toHaveLength(13);
    expect(new Set(all.map(text)).size).toBe(13);
  });
});

describe('DynamoStore table checks', () => {
  it('fails init with STORE_TABLE_MISSING naming the table and how to create it', async () => {
    const store = new DynamoStore({ table: 'no-such-table', client });
    const error = await rejection(store.init());
    expect(isOpsAgentError(error, 'STORE_TABLE_MISSING')).toBe(true);
    expect(error.message).toContain('"no-such-table"');
    expect(error.message).toContain('aws dynamodb create-table --table-name no-such-table');
    expect(error.message).toContain('store.createTable: true');
    expect(error.category).toBe('user');
    await expect(store.getValue('x')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('creates the table with its index when createTable is set, and reuses it afterwards', async () => {
    const table = freshTable();
    const first = new DynamoStore({ table, createTable: true, client });
    await first.init();
    await first.setValue('k', 'v');
    await first.close();
    const second = new DynamoStore({ table, client });
    await second.init();
    expect(await second.getValue('k')).toBe('v');
    await second.close();
  });

  it('refuses a table with another key layout with STORE_TABLE_INVALID', async () => {
    const table = freshTable('foreign');
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const error = await rejection(new DynamoStore({ table, client }).init());
    expect(isOpsAgentError(error, 'STORE_TABLE_INVALID')).toBe(true);
    expect(error.message).toContain('partition key must be "pk"');
    expect(error.message).toContain('gsi1');
  });

  it('records its layout version and refuses a table written by a newer layout', async () => {
    const table = freshTable();
    const store = new DynamoStore({ table, createTable: true, client });
    await store.init();
    await store.close();
    expect((await rawItem(table, 'meta', 'layout'))?.version?.N).toBe('1');

    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'meta' }, sk: { S: 'layout' }, version: { N: '2' } },
      }),
    );
    const error = await rejection(new DynamoStore({ table, client }).init());
    expect(isOpsAgentError(error, 'STORE_SCHEMA_TOO_NEW')).toBe(true);
    expect(error.message).toContain('layout version 2');
  });

  it('reports STORE_TABLE_MISSING when the table is deleted while the store runs', async () => {
    const table = freshTable();
    const store = new DynamoStore({ table, createTable: true, client });
    await store.init();
    await client.send(new DeleteTableCommand({ TableName: table }));
    const error = await rejection(store.claim('k', 1000));
    expect(isOpsAgentError(error, 'STORE_TABLE_MISSING')).toBe(true);
    await store.close();
  });

  it('rejects invalid options with STORE_CONFIG_INVALID naming the field', () => {
    expect(() => new DynamoStore({ table: 'a b' })).toThrow(
      /table: expected a DynamoDB table name/,
    );
    expect(() => new DynamoStore({ table: 'ok-table', endpoint: 'ftp://x' })).toThrow(
      /endpoint: expected an http\(s\) URL/,
    );
    expect(() => new DynamoStore({ table: 'ok-table', retention: { approvals: '1s' } })).toThrow(
      /retention\.approvals/,
    );
    try {
      new DynamoStore({ table: '' });
    } catch (error) {
      expect(isOpsAgentError(error, 'STORE_CONFIG_INVALID')).toBe(true);
    }
  });

  it('fails init with STORE_CONFIG_INVALID when no region is configured anywhere', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
    vi.stubEnv('AWS_PROFILE', undefined);
    try {
      const store = new DynamoStore({
        table: 'no-region',
        env: { AWS_ENDPOINT_URL_DYNAMODB: server.endpoint },
      });
      const error = await rejection(store.init());
      expect(isOpsAgentError(error, 'STORE_CONFIG_INVALID')).toBe(true);
      expect(error.message).toContain('set store.region, or AWS_REGION');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('builds its own client from the env it is given (endpoint, keys), not from process.env', async () => {
    // process.env names other keys and an endpoint where nothing listens: neither may be used.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDPROCESS');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'process');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', 'http://127.0.0.1:9');
    try {
      const store = new DynamoStore({
        table: freshTable(),
        region: 'eu-west-1',
        createTable: true,
        env: {
          AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      });
      await store.init();
      expect(await store.claim('first', 60_000)).toBe(true);
      await store.close();
      await store.close();
      await expect(store.claim('again', 60_000)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('DynamoStore under errors from DynamoDB', () => {
  let proxy: DynamoProxy | undefined;
  let proxyClient: DynamoDBClient | undefined;
  afterEach(async () => {
    proxyClient?.destroy();
    await proxy?.close();
    proxy = undefined;
    proxyClient = undefined;
  });

  /** A store on a new table behind a proxy that answers with `decide`. */
  async function storeBehindProxy(
    decide: (operation: string, index: number, body: unknown) => ProxyAnswer | Promise<ProxyAnswer>,
    maxAttempts = 3,
    options: Partial<DynamoStoreOptions> = {},
  ): Promise<{ store: DynamoStore; table: string }> {
    const table = freshTable('proxied');
    await client.send(new CreateTableCommand(tableDefinition(table)));
    // `decide` sees only the requests after init, numbered from 0 per operation.
    let ready = false;
    const counts = new Map<string, number>();
    proxy = await startDynamoProxy(server.endpoint, (operation, _index, body) => {
      if (!ready) return { kind: 'forward' };
      const index = counts.get(operation) ?? 0;
      counts.set(operation, index + 1);
      return decide(operation, index, body);
    });
    proxyClient = localClient(proxy.endpoint, maxAttempts);
    const store = new DynamoStore({ table, client: proxyClient, ...options });
    await store.init();
    ready = true;
    proxy.operations.length = 0;
    return { store, table };
  }

  const throttled: ProxyAnswer = {
    kind: 'error',
    status: 400,
    type: 'ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  };

  it('retries a claim throttled once and then succeeds, still exactly once', async () => {
    const { store } = await storeBehindProxy((op, index) =>
      op === 'PutItem' && index === 0 ? throttled : { kind: 'forward' },
    );
    expect(await store.claim('inbound:slack:Ev1', 60_000)).toBe(true);
    expect(proxy?.operations.filter((op) => op === 'PutItem')).toHaveLength(2);
    expect(await store.claim('inbound:slack:Ev1', 60_000)).toBe(false);
    await store.close();
  });

  it('retries a throttled approval transition and applies it once', async () => {
    const { store } = await storeBehindProxy((op, index) =>
      op === 'UpdateItem' && index === 0 ? throttled : { kind: 'forward' },
    );
    await store.createApproval(approval('t1'));
    const approved = await store.transitionApproval('t1', ['pending'], { status: 'approved' });
    expect(approved?.status).toBe('approved');
    expect(
      await store.transitionApproval('t1', ['pending'], { status: 'approved' }),
    ).toBeUndefined();
    await store.close();
  });

  it('gives up with a retryable STORE_THROTTLED after maxAttempts and writes nothing', async () => {
    const { store } = await storeBehindProxy((op) =>
      op === 'PutItem' ? throttled : { kind: 'forward' },
    );
    const error = await rejection(store.setValue('k', 'v'));
    expect(isOpsAgentError(error, 'STORE_THROTTLED')).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ProvisionedThroughputExceededException');
    expect(proxy?.operations.filter((op) => op === 'PutItem')).toHaveLength(3);
    expect(await store.getValue('k')).toBeUndefined();
    await store.close();
  });

  it('reports STORE_ACCESS_DENIED naming the action that was refused', async () => {
    const { store } = await storeBehindProxy((op) =>
      op === 'Query'
        ? {
            kind: 'error',
            status: 400,
            type: 'AccessDeniedException',
            message:
              'User: arn:aws:sts::123:assumed-role/bot is not authorized to perform: dynamodb:Query',
          }
        : { kind: 'forward' },
    );
    const error = await rejection(store.listApprovals());
    expect(isOpsAgentError(error, 'STORE_ACCESS_DENIED')).toBe(true);
    expect(error.message).toContain('dynamodb:Query');
    expect(error.message).toContain('proxied-');
    expect(error.category).toBe('user');
    await store.close();
  });

  it('pages through histories and collections larger than one 1 MB query page', async () => {
    const { store } = await storeBehindProxy(() => ({ kind: 'forward' }));
    const filler = 'x'.repeat(3_000);
    const messages: StoredMessage[] = Array.from({ length: 450 }, (_, i) => ({
      at: new Date(T0.getTime() + i),
      message: { role: 'user', content: `${i}:${filler}` },
    }));
    await store.appendMessages('slack|big|', messages);
    const all = await store.recentMessages('slack|big|', 1_000);
    expect(all).toHaveLength(450);
    // More than 1 MB: DynamoDB (and dynalite) return it in pages.
    expect(proxy?.operations.filter((op) => op === 'Query').length).toBeGreaterThan(1);
    expect(all[0]).toEqual(messages[0]);
    expect(all[449]).toEqual(messages[449]);
    expect(await store.recentMessages('slack|big|', Number.POSITIVE_INFINITY)).toHaveLength(450);
    expect((await store.recentMessages('slack|big|', 2)).map((m) => m.at)).toEqual([
      messages[448]?.at,
      messages[449]?.at,
    ]);

    for (let i = 0; i < 400; i += 1) {
      await store.putIncident({
        id: `inc${i}`,
        key: `aws:ec2:i-${i}`,
        source: 'aws',
        status: i === 7 ? 'open' : 'resolved',
        severity: 'warning',
        resource: `i-${i}`,
        title: 'status check failed',
        evidence: filler,
        observations: 1,
        cleanChecks: 0,
        firstSeenAt: new Date(T0.getTime() + i),
        lastSeenAt: new Date(T0.getTime() + i),
      });
    }
    expect(await store.listIncidents()).toHaveLength(400);
    expect((await store.findActiveIncident('aws:ec2:i-7'))?.id).toBe('inc7');
    expect(await store.findActiveIncident('aws:ec2:i-399')).toBeUndefined();

    await store.clearMessages('slack|big|');
    expect(await store.recentMessages('slack|big|', 10)).toEqual([]);
    await store.close();
  });

  it('retries the items a batch write leaves unprocessed', async () => {
    const { store } = await storeBehindProxy((op, index, body) => {
      if (op !== 'BatchWriteItem' || index !== 0) return { kind: 'forward' };
      // Answer the first batch as DynamoDB does under load: nothing written, all unprocessed.
      return {
        kind: 'reply',
        body: { UnprocessedItems: (body as { RequestItems: unknown }).RequestItems },
      };
    });
    const messages = Array.from({ length: 30 }, (_, i) => ({
      at: new Date(T0.getTime() + i),
      message: { role: 'user' as const, content: `m${i}` },
    }));
    await store.appendMessages('slack|C1|', messages);
    expect(await store.recentMessages('slack|C1|', 100)).toEqual(messages);
    expect(proxy?.operations.filter((op) => op === 'BatchWriteItem').length).toBeGreaterThan(2);
    await store.close();
  });

  it('deletes the new parts when the head write of a large value fails, keeping the old value', async () => {
    let failHead = false;
    const { store, table } = await storeBehindProxy((op, _index, body) =>
      failHead && op === 'PutItem' && (body as { Item: Item }).Item.sk?.S === 'kv'
        ? { kind: 'error', status: 500, type: 'InternalServerError', message: 'boom' }
        : { kind: 'forward' },
    );
    const old = bigText(900);
    await store.setValue('state', old);
    const before = await partsOf(table, 'state');
    failHead = true;
    const error = await rejection(store.setValue('state', bigText(1_000)));
    expect(isOpsAgentError(error, 'STORE_UNAVAILABLE')).toBe(true);
    failHead = false;
    expect(await store.getValue('state')).toBe(old);
    expect(await partsOf(table, 'state')).toEqual(before);
    await store.close();
  });

  it('reads the new value when a writer replaces it between the head and the parts', async () => {
    const replacement = bigText(1_100);
    let other: DynamoStore | undefined;
    const { store, table } = await storeBehindProxy(async (op, index) => {
      // Before the first parts read is answered, another instance replaces the value (and so
      // deletes the parts this read is about to ask for).
      if (op === 'BatchGetItem' && index === 0) await other?.setValue('state', replacement);
      return { kind: 'forward' };
    });
    other = new DynamoStore({ table, client });
    await other.init();
    await store.setValue('state', bigText(900));
    expect(await store.getValue('state')).toBe(replacement);
    expect(proxy?.operations.filter((op) => op === 'GetItem')).toHaveLength(2);
    await store.close();
    await other.close();
  });

  it('keeps the new value and logs a warning when the replaced parts cannot be deleted', async () => {
    const warn = vi.fn();
    const { store, table } = await storeBehindProxy(
      (op, _index, body) =>
        op === 'BatchWriteItem' && JSON.stringify(body).includes('DeleteRequest')
          ? { kind: 'error', status: 400, type: 'AccessDeniedException', message: 'denied' }
          : { kind: 'forward' },
      3,
      { logger: { ...silentLogger, warn } },
    );
    await store.setValue('state', bigText(900));
    await store.setValue('state', 'small now');
    expect(await store.getValue('state')).toBe('small now');
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ key: 'state' }),
      expect.stringContaining('parts of a replaced DynamoDB value'),
    );
    // The orphaned parts are the old version's, named by no head.
    expect((await partsOf(table, 'state')).length).toBeGreaterThan(0);
    await store.close();
  });
});

describe('DynamoStore large values', () => {
  it('splits a value too large for one item into gzipped parts that all carry its TTL', async () => {
    const clock = createManualClock(T0);
    const store = newStore({ clock });
    await store.init();
    const value = bigText(1_000);
    await store.setValue('plugin:aws:logs:miner', value, 60_000);
    const head = await rawItem(store.table, 'kv#plugin:aws:logs:miner', 'kv');
    expect(head?.v).toBeUndefined();
    expect(head?.exp?.N).toBe(String(T0.getTime() + 60_000));
    const ttl = String(Math.ceil((T0.getTime() + 60_000) / 1000));
    expect(head?.ttl?.N).toBe(ttl);
    const parts = await partsOf(store.table, 'plugin:aws:logs:miner');
    expect(parts.length).toBe(Number(head?.parts?.N));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.sk?.S).toMatch(new RegExp(`^p#${head?.ver?.S}#\\d{4}$`));
      expect(part.ttl?.N).toBe(ttl);
      expect(part.d?.B?.byteLength).toBeLessThanOrEqual(350 * 1024);
    }
    expect(await store.getValue('plugin:aws:logs:miner')).toBe(value);
    await store.close();
  });

  it('follows a parts read the server answered in pieces at once, without a throttling backoff', async () => {
    // dynalite answers a BatchGetItem with about 1 MB and leaves the rest unprocessed.
    const debug = vi.fn();
    const store = newStore({ logger: { ...silentLogger, debug } });
    await store.init();
    const value = bigText(4 * 1024);
    await store.setValue('state', value);
    expect(await store.getValue('state')).toBe(value);
    expect(debug).not.toHaveBeenCalledWith(
      expect.anything(),
      'retrying unprocessed DynamoDB batch items',
    );
    await store.close();
  });

  it('keeps a compressible large value gzipped in one item, and deletes replaced parts', async () => {
    const store = newStore();
    await store.init();
    await store.setValue('state', bigText(1_000));
    const repetitive = 'template 17: ERROR <*> timed out after <*> ms\n'.repeat(20_000);
    await store.setValue('state', repetitive);
    const head = await rawItem(store.table, 'kv#state', 'kv');
    expect(head?.vz?.B).toBeDefined();
    expect(head?.ver).toBeUndefined();
    expect(await partsOf(store.table, 'state')).toEqual([]);
    expect(await store.getValue('state')).toBe(repetitive);

    await store.setValue('state', bigText(1_000));
    const first = (await rawItem(store.table, 'kv#state', 'kv'))?.ver?.S;
    await store.setValue('state', bigText(1_200));
    const second = (await rawItem(store.table, 'kv#state', 'kv'))?.ver?.S;
    expect(second).not.toBe(first);
    const parts = await partsOf(store.table, 'state');
    expect(parts.every((part) => part.sk?.S?.startsWith(`p#${second}#`))).toBe(true);
    await store.setValue('state', 'small');
    expect(await partsOf(store.table, 'state')).toEqual([]);
    await store.close();
  });

  it('refuses a value over 8 MiB with STORE_VALUE_TOO_LARGE, writing nothing', async () => {
    const store = newStore();
    await store.init();
    await store.setValue('state', 'old');
    const error = await rejection(store.setValue('state', 'x'.repeat(8 * 1024 * 1024 + 1)));
    expect(isOpsAgentError(error, 'STORE_VALUE_TOO_LARGE')).toBe(true);
    expect(error.message).toContain('8388608 byte (8 MiB) limit');
    expect(error.message).toContain('"state"');
    expect(await store.getValue('state')).toBe('old');
    expect(await partsOf(store.table, 'state')).toEqual([]);
    // Exactly at the limit is taken.
    const limit = 'y'.repeat(8 * 1024 * 1024);
    await store.setValue('state', limit);
    expect(await store.getValue('state')).toBe(limit);
    await store.close();
  });

  it('reports STORE_VALUE_CORRUPT when a part is missing or altered', async () => {
    const store = newStore();
    await store.init();
    await store.setValue('gone', bigText(900));
    const [first] = await partsOf(store.table, 'gone');
    await client.send(
      new DeleteItemCommand({ TableName: store.table, Key: { pk: first!.pk!, sk: first!.sk! } }),
    );
    const missing = await rejection(store.getValue('gone'));
    expect(isOpsAgentError(missing, 'STORE_VALUE_CORRUPT')).toBe(true);
    expect(missing.message).toContain('missing 1 of its');

    await store.setValue('altered', bigText(900));
    const [part] = await partsOf(store.table, 'altered');
    await client.send(
      new PutItemCommand({
        TableName: store.table,
        Item: { ...part!, d: { B: randomBytes(part!.d!.B!.byteLength) } },
      }),
    );
    const altered = await rejection(store.getValue('altered'));
    expect(isOpsAgentError(altered, 'STORE_VALUE_CORRUPT')).toBe(true);
    expect(altered.message).toContain('SHA-256');
    await store.close();
  });
});

describe('DynamoStore items', () => {
  it('stores TTLs: conversations after retention, claims at their expiry, approvals after expiry', async () => {
    const clock = createManualClock(T0);
    const store = newStore({ clock, retention: { conversations: '7d' } });
    await store.init();
    const activity = new Date(T0.getTime() + 5_000);
    await store.putConversation({
      key: 'slack|C1|1.2',
      channel: 'slack',
      address: { chat: 'C1', thread: '1.2' },
      status: 'open',
      createdAt: T0,
      lastActivityAt: activity,
    });
    await store.claim('inbound:slack:Ev1', 1_500);
    await store.createApproval(approval('ttl1'));

    const conversation = await rawItem(store.table, 'conv#slack|C1|1.2', 'conv');
    expect(conversation?.ttl?.N).toBe(String(Math.ceil((activity.getTime() + 7 * DAY) / 1000)));
    expect(conversation?.gsi1pk?.S).toBe('conv#open');
    const claim = await rawItem(store.table, 'kv#inbound:slack:Ev1', 'kv');
    expect(claim?.exp?.N).toBe(String(T0.getTime() + 1_500));
    expect(claim?.ttl?.N).toBe(String(Math.ceil((T0.getTime() + 1_500) / 1000)));
    const stored = await rawItem(store.table, 'approvals', 'ttl1');
    expect(stored?.ttl?.N).toBe(String((T0.getTime() + 3_600_000 + 90 * DAY) / 1000));

    // A closed conversation leaves the idle index (no gsi1 keys) but keeps its TTL.
    await store.putConversation({
      key: 'slack|C1|1.2',
      channel: 'slack',
      address: { chat: 'C1', thread: '1.2' },
      status: 'closed',
      createdAt: T0,
      lastActivityAt: activity,
    });
    const closed = await rawItem(store.table, 'conv#slack|C1|1.2', 'conv');
    expect(closed?.gsi1pk).toBeUndefined();
    expect(closed?.ttl).toBeDefined();
    await store.close();
  });

  it('does not list a conversation the index still shows as open once it is closed', async () => {
    const store = newStore();
    await store.init();
    // An index entry that lags behind its item: the item is closed, the index keys remain.
    await client.send(
      new PutItemCommand({
        TableName: store.table,
        Item: {
          pk: { S: 'conv#t|stale|' },
          sk: { S: 'conv' },
          channel: { S: 't' },
          address: { S: '{"chat":"stale"}' },
          status: { S: 'closed' },
          createdAt: { N: String(T0.getTime()) },
          lastActivityAt: { N: String(T0.getTime()) },
          gsi1pk: { S: 'conv#open' },
          gsi1sk: { S: `${String(T0.getTime()).padStart(16, '0')}#t|stale|` },
        },
      }),
    );
    await store.putConversation({
      key: 't|idle|',
      channel: 't',
      address: { chat: 'idle' },
      status: 'open',
      createdAt: T0,
      lastActivityAt: T0,
    });
    const idle = await store.listIdleConversations(new Date(T0.getTime() + 60_000));
    expect(idle.map((c) => c.key)).toEqual(['t|idle|']);
    await store.close();
  });

  it('compresses a large message and refuses one too large for an item, writing nothing', async () => {
    const store = newStore();
    await store.init();
    const large: StoredMessage = {
      at: T0,
      message: {
        role: 'tool',
        results: [
          {
            callId: 'c1',
            name: 'logs_tail',
            output: 'ERROR timeout\n'.repeat(20_000),
            isError: false,
          },
        ],
      },
    };
    await store.appendMessages('slack|C1|', [large]);
    expect(await store.recentMessages('slack|C1|', 1)).toEqual([large]);
    const stored = await rawItem(store.table, 'msgs#slack|C1|', `m#${'1'.padStart(15, '0')}`);
    expect(stored?.mz?.B).toBeDefined();
    expect(stored?.m).toBeUndefined();

    const noise = randomBytes(400 * 1024).toString('base64');
    const huge: StoredMessage = { at: T0, message: { role: 'user', content: noise } };
    const error = await rejection(
      store.appendMessages('slack|C1|', [
        { at: T0, message: { role: 'user', content: 'ok' } },
        huge,
      ]),
    );
    expect(isOpsAgentError(error, 'STORE_ITEM_TOO_LARGE')).toBe(true);
    expect(error.message).toContain('agent.toolOutputLimit');
    expect(await store.recentMessages('slack|C1|', 10)).toEqual([large]);
    await store.close();
  });

  it('keeps empty strings and optional fields as they were', async () => {
    const store = newStore();
    await store.init();
    await store.putIncident({
      id: 'e1',
      key: 'k',
      source: 's',
      status: 'pending',
      severity: 'info',
      resource: '',
      title: 't',
      evidence: '',
      observations: 0,
      cleanChecks: 0,
      firstSeenAt: T0,
      lastSeenAt: T0,
      analysis: '',
    });
    expect(await store.getIncident('e1')).toMatchObject({
      resource: '',
      evidence: '',
      analysis: '',
    });
    await store.createApproval(approval('u1', { input: undefined }));
    expect(await store.getApproval('u1')).toEqual(approval('u1', { input: undefined }));
    // A patch that sets a field to undefined removes it.
    await store.transitionApproval('u1', ['pending'], {
      status: 'approved',
      decidedBy: { kind: 'policy', id: 'auto', name: 'auto' },
    });
    const cleared = await store.transitionApproval('u1', ['approved'], {
      status: 'failed',
      decidedBy: undefined,
      expiresAt: new Date(T0.getTime() + DAY),
    });
    expect(cleared?.decidedBy).toBeUndefined();
    const raw = await rawItem(store.table, 'approvals', 'u1');
    expect(raw?.ttl?.N).toBe(String((T0.getTime() + DAY + 90 * DAY) / 1000));
    await store.close();
  });
});
