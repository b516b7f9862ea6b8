import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import {
  type ApprovalRecord,
  type ApprovalStatus,
  type AuditRecord,
  awsEnvCredentials,
  awsEnvEndpoint,
  type Clock,
  type ConversationRecord,
  errorMessage,
  type IncidentRecord,
  type IncidentStatus,
  type Logger,
  OpsAgentError,
  type Store,
  type StoredMessage,
  silentLogger,
  systemClock,
} from '@opsagent/core';
import {
  type Attributes,
  decodeApproval,
  decodeAudit,
  decodeConversation,
  decodeIncident,
  decodeMessage,
  defined,
  encodeApproval,
  encodeAudit,
  encodeConversation,
  encodedSize,
  encodeIncident,
  encodeMessage,
  type Item,
  isApprovalField,
  MAX_MESSAGE_BYTES,
} from './codec.js';
import {
  type DynamoStoreConfig,
  type DynamoStoreConfigInput,
  dynamoStoreConfigSchema,
} from './config.js';
import { isConditionFailed, type TableLocation, toStoreError } from './errors.js';
import { Expression } from './expression.js';
import {
  activityKey,
  GSI1,
  KEYS,
  OPEN_CONVERSATIONS,
  pad,
  TIME_WIDTH,
  TTL_ATTRIBUTE,
} from './layout.js';
import { ensureTable } from './table.js';
import { decodeGzip, encodeValue, joinParts, MAX_VALUE_BYTES } from './value-parts.js';

/** Options of {@link DynamoStore}: the config-file options plus injected seams. */
export interface DynamoStoreOptions extends DynamoStoreConfigInput {
  /**
   * A client to use instead of one built from `region`/`endpoint` (tests, custom credentials).
   * The store does not destroy a client it was given.
   */
  client?: DynamoDBClient;
  /** Source of time for expiry; default the wall clock. */
  clock?: Clock;
  /** Logger for table creation and retries. */
  logger?: Logger;
  /**
   * Environment for the region (`AWS_REGION`), endpoint (`AWS_ENDPOINT_URL_DYNAMODB`, then
   * `AWS_ENDPOINT_URL`) and credentials (`AWS_ACCESS_KEY_ID`..., else `AWS_PROFILE` and the shared
   * files it names); default `process.env`. The client never reads `process.env` for these when an
   * `env` is given.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** DynamoDB limits per batch request. */
const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;

/** Value parts per BatchGetItem, keeping a response under its 16 MB limit. */
const PARTS_PER_READ = 40;

/** Head reads of a large value while writers keep replacing it, before giving up. */
const VALUE_READ_ATTEMPTS = 5;

/** Attempts for the unprocessed part of a batch (DynamoDB returns it when throttling). */
const BATCH_RETRIES = 8;

/**
 * The {@link Store} on DynamoDB, so several servers or many Lambda invocations share
 * conversations, event dedup and approvals. See `layout.ts` (and docs/store-dynamodb.md) for the
 * single-table layout.
 *
 * - `claim` and `createApproval` are conditional puts, `transitionApproval` a conditional update
 *   (`status IN from`) that returns the new item: exactly one of any number of racing callers,
 *   on any number of hosts, wins.
 * - Every read that decides something (get, claim, approvals, incidents, history) is strongly
 *   consistent. The idle-conversation index is eventually consistent, so its hits are re-read
 *   consistently before they are returned.
 * - Queries follow `LastEvaluatedKey` to the end; batches retry their unprocessed items with
 *   backoff; the SDK retries throttling and 5xx up to `maxAttempts`.
 * - Conversations, messages, approvals, claims and values carry a `ttl` so DynamoDB deletes them
 *   when they are old; incidents and audit records are kept.
 * - Values of up to {@link MAX_VALUE_BYTES} are stored: one item when they fit (gzipped if need
 *   be), else gzipped parts under a version id that one head item names (see `setValue`).
 */
export class DynamoStore implements Store {
  readonly #config: DynamoStoreConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ownsClient: boolean;
  readonly #where: TableLocation;
  readonly #instance = randomBytes(4).toString('hex');
  readonly #env: Readonly<Record<string, string | undefined>>;
  #client: DynamoDBClient | undefined;
  #open = false;
  #opening: Promise<void> | undefined;
  #stamps = 0;

  constructor(options: DynamoStoreOptions) {
    const { client, clock, logger, env, ...config } = options;
    const parsed = dynamoStoreConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
      );
      throw new OpsAgentError('STORE_CONFIG_INVALID', `DynamoDB store: ${issues.join('; ')}`, {
        category: 'user',
        details: { issues },
      });
    }
    this.#config = parsed.data;
    this.#clock = clock ?? systemClock;
    this.#logger = logger ?? silentLogger;
    this.#env = env ?? process.env;
    const endpoint = this.#config.endpoint ?? awsEnvEndpoint(this.#env, 'DYNAMODB');
    const region = this.#config.region ?? (this.#env.AWS_REGION || this.#env.AWS_DEFAULT_REGION);
    this.#where = { table: this.#config.table, region: region || undefined, endpoint };
    this.#ownsClient = client === undefined;
    this.#client = client;
  }

  /** The table name. */
  get table(): string {
    return this.#config.table;
  }

  /** Checks (or creates, with `createTable`) the table. Idempotent. */
  async init(): Promise<void> {
    if (this.#open) return;
    this.#opening ??= this.#init().finally(() => {
      this.#opening = undefined;
    });
    await this.#opening;
  }

  async #init(): Promise<void> {
    const client =
      this.#client ??
      new DynamoDBClient({
        ...(this.#where.region ? { region: this.#where.region } : {}),
        ...(this.#where.endpoint ? { endpoint: this.#where.endpoint } : {}),
        credentials: awsEnvCredentials(this.#env, defaultProvider).credentials,
        // The endpoint comes from config or the injected env, never from process.env.
        ignoreConfiguredEndpointUrls: true,
        maxAttempts: this.#config.maxAttempts,
      });
    this.#where.region ??= await client.config.region().catch(() => undefined);
    if (!this.#where.region) {
      if (this.#ownsClient) client.destroy();
      throw new OpsAgentError(
        'STORE_CONFIG_INVALID',
        `DynamoDB store on table "${this.table}": no AWS region; set store.region, or AWS_REGION ` +
          '(or a region in ~/.aws/config)',
        { category: 'user', details: { ...this.#where } },
      );
    }
    try {
      await ensureTable({
        client,
        where: this.#where,
        create: this.#config.createTable,
        logger: this.#logger,
      });
    } catch (error) {
      if (this.#ownsClient) client.destroy();
      throw error;
    }
    this.#client = client;
    this.#open = true;
  }

  /** Releases the client (when the store built it). Idempotent. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    if (this.#ownsClient) {
      this.#client?.destroy();
      this.#client = undefined;
    }
  }

  // Conversations ----------------------------------------------------------------------------

  async getConversation(key: string): Promise<ConversationRecord | undefined> {
    const item = await this.#get(KEYS.conversation(key));
    return item && decodeConversation(key, item);
  }

  async putConversation(c: ConversationRecord): Promise<void> {
    const item: Item = {
      ...keyOf(KEYS.conversation(c.key)),
      ...defined(encodeConversation(c)),
      [TTL_ATTRIBUTE]: this.#ttl(c.lastActivityAt.getTime() + this.#config.retention.conversations),
    };
    if (c.status === 'open') {
      item.gsi1pk = { S: OPEN_CONVERSATIONS };
      item.gsi1sk = { S: activityKey(c.lastActivityAt.getTime(), c.key) };
    }
    await this.#send('PutItem', new PutItemCommand({ TableName: this.table, Item: item }));
  }

  async listIdleConversations(before: Date): Promise<ConversationRecord[]> {
    const cutoff = before.getTime();
    const e = new Expression();
    const hits = await this.#query({
      IndexName: GSI1,
      KeyConditionExpression: `${e.name('gsi1pk')} = ${e.value({ S: OPEN_CONVERSATIONS })} AND ${e.name('gsi1sk')} < ${e.value({ S: pad(cutoff, TIME_WIDTH) })}`,
      ...e.attributes,
    });
    // The index lags behind the table: re-read each hit and keep those still open and idle.
    const items = await this.#batchGet(hits.map((hit) => ({ pk: hit.pk!, sk: hit.sk! })));
    return items
      .map((item) => decodeConversation(item.pk?.S?.slice('conv#'.length) ?? '', item))
      .filter((c) => c.status === 'open' && c.lastActivityAt.getTime() < cutoff)
      .sort(
        (a, b) => a.lastActivityAt.getTime() - b.lastActivityAt.getTime() || compare(a.key, b.key),
      );
  }

  // Message history --------------------------------------------------------------------------

  async appendMessages(key: string, messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const bodies = messages.map((m) => encodeMessage(m));
    for (const body of bodies) {
      if (encodedSize(body) > MAX_MESSAGE_BYTES) {
        throw new OpsAgentError(
          'STORE_ITEM_TOO_LARGE',
          `DynamoDB store: a message of conversation "${key}" is ${encodedSize(body)} bytes ` +
            `after compression, over the ${MAX_MESSAGE_BYTES} byte limit of one item; ` +
            'lower agent.toolOutputLimit',
          { category: 'user', details: { key, bytes: encodedSize(body) } },
        );
      }
    }
    const latest = Math.max(...messages.map((m) => m.at.getTime()));
    const ttl = this.#ttl(latest + this.#config.retention.conversations);
    // Reserve sequence numbers first: append order then holds across every writer.
    const last = await this.#reserve(KEYS.messageSeq(key), messages.length, ttl);
    const first = last - messages.length + 1;
    const pk = KEYS.messages(key);
    await this.#batchWrite(
      bodies.map((body, index) => ({
        PutRequest: {
          Item: {
            pk: { S: pk },
            sk: { S: KEYS.message(first + index) },
            ...body,
            [TTL_ATTRIBUTE]: ttl,
          },
        },
      })),
    );
  }

  async recentMessages(key: string, limit: number): Promise<StoredMessage[]> {
    const n = Math.floor(limit);
    if (!(n > 0)) return [];
    const e = new Expression();
    const items = await this.#query(
      {
        KeyConditionExpression: `${e.name('pk')} = ${e.value({ S: KEYS.messages(key) })} AND begins_with(${e.name('sk')}, ${e.value({ S: 'm#' })})`,
        ScanIndexForward: false,
        ConsistentRead: true,
        ...e.attributes,
      },
      Number.isFinite(n) ? n : undefined,
    );
    return items.reverse().map(decodeMessage);
  }

  async clearMessages(key: string): Promise<void> {
    const e = new Expression();
    const items = await this.#query({
      KeyConditionExpression: `${e.name('pk')} = ${e.value({ S: KEYS.messages(key) })} AND begins_with(${e.name('sk')}, ${e.value({ S: 'm#' })})`,
      ProjectionExpression: `${e.name('pk')}, ${e.name('sk')}`,
      ConsistentRead: true,
      ...e.attributes,
    });
    // The sequence counter stays, so messages appended concurrently keep their order.
    await this.#batchWrite(
      items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
    );
  }

  // Incidents --------------------------------------------------------------------------------

  async putIncident(incident: IncidentRecord): Promise<void> {
    const e = new Expression();
    // An update, not a put: `ins` (first insertion) survives replacement, for stable ordering.
    const update = e.update(encodeIncident(incident), [
      `${e.name('ins')} = if_not_exists(${e.name('ins')}, ${e.value({ S: this.#stamp() })})`,
    ]);
    await this.#send(
      'UpdateItem',
      new UpdateItemCommand({
        TableName: this.table,
        Key: keyOf({ pk: KEYS.incidents, sk: incident.id }),
        UpdateExpression: update,
        ...e.attributes,
      }),
    );
  }

  async getIncident(id: string): Promise<IncidentRecord | undefined> {
    const item = await this.#get({ pk: KEYS.incidents, sk: id });
    return item && decodeIncident(item);
  }

  async findActiveIncident(key: string): Promise<IncidentRecord | undefined> {
    const e = new Expression();
    const items = await this.#query({
      KeyConditionExpression: `${e.name('pk')} = ${e.value({ S: KEYS.incidents })}`,
      FilterExpression: `${e.name('key')} = ${e.value({ S: key })} AND ${e.name('status')} <> ${e.value({ S: 'resolved' })}`,
      ConsistentRead: true,
      ...e.attributes,
    });
    const [newest] = newestFirst(items, 'firstSeenAt');
    return newest && decodeIncident(newest);
  }

  async listIncidents(filter: { status?: IncidentStatus[] } = {}): Promise<IncidentRecord[]> {
    const items = await this.#listPartition(KEYS.incidents, filter.status);
    return newestFirst(items, 'firstSeenAt').map(decodeIncident);
  }

  // Approvals --------------------------------------------------------------------------------

  async createApproval(approval: ApprovalRecord): Promise<void> {
    const e = new Expression();
    try {
      await this.#send(
        'PutItem',
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...keyOf({ pk: KEYS.approvals, sk: approval.id }),
            ...defined(encodeApproval(approval)),
            ins: { S: this.#stamp() },
            [TTL_ATTRIBUTE]: this.#approvalTtl(approval.expiresAt),
          },
          ConditionExpression: `attribute_not_exists(${e.name('pk')})`,
          ...e.attributes,
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new OpsAgentError('STORE_DUPLICATE', `approval "${approval.id}" already exists`, {
          details: { id: approval.id },
        });
      }
      throw error;
    }
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const item = await this.#get({ pk: KEYS.approvals, sk: id });
    return item && decodeApproval(item);
  }

  async listApprovals(filter: { status?: ApprovalStatus[] } = {}): Promise<ApprovalRecord[]> {
    const items = await this.#listPartition(KEYS.approvals, filter.status);
    return newestFirst(items, 'createdAt').map(decodeApproval);
  }

  async transitionApproval(
    id: string,
    from: readonly ApprovalStatus[],
    patch: Partial<ApprovalRecord> & { status: ApprovalStatus },
  ): Promise<ApprovalRecord | undefined> {
    const allowed = [...new Set(from)];
    if (allowed.length === 0) return undefined;
    const fields = Object.keys(patch).filter(isApprovalField);
    const attributes: Attributes = encodeApproval(patch, fields);
    if (patch.expiresAt !== undefined) {
      attributes[TTL_ATTRIBUTE] = this.#approvalTtl(patch.expiresAt);
    }
    const e = new Expression();
    // One conditional update: the status check and the write are atomic in DynamoDB, so of
    // racing callers on any hosts exactly one sees its condition hold.
    const update = e.update(attributes);
    const condition = `attribute_exists(${e.name('pk')}) AND ${e.in('status', allowed)}`;
    try {
      const out = await this.#send<{ Attributes?: Item }>(
        'UpdateItem',
        new UpdateItemCommand({
          TableName: this.table,
          Key: keyOf({ pk: KEYS.approvals, sk: id }),
          UpdateExpression: update,
          ConditionExpression: condition,
          ReturnValues: 'ALL_NEW',
          ...e.attributes,
        }),
      );
      return out.Attributes && decodeApproval(out.Attributes);
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  // Audit ------------------------------------------------------------------------------------

  async appendAudit(record: AuditRecord): Promise<void> {
    const seq = await this.#reserve(KEYS.auditSeq, 1);
    await this.#send(
      'PutItem',
      new PutItemCommand({
        TableName: this.table,
        Item: {
          ...keyOf({ pk: KEYS.audit, sk: KEYS.auditRecord(seq) }),
          ...defined(encodeAudit(record)),
        },
      }),
    );
  }

  async listAudit(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    const e = new Expression();
    const input: Omit<QueryCommandInput, 'TableName'> = {
      KeyConditionExpression: `${e.name('pk')} = ${e.value({ S: KEYS.audit })} AND begins_with(${e.name('sk')}, ${e.value({ S: 'a#' })})`,
      ConsistentRead: true,
      ...e.attributes,
    };
    if (filter.limit === undefined) return (await this.#query(input)).map(decodeAudit);
    const n = Math.floor(filter.limit);
    if (!(n > 0)) return [];
    const items = await this.#query(
      { ...input, ScanIndexForward: false },
      Number.isFinite(n) ? n : undefined,
    );
    return items.reverse().map(decodeAudit);
  }

  // Claims and values ------------------------------------------------------------------------

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now().getTime();
    const expiresAt = now + ttlMs;
    const e = new Expression();
    try {
      await this.#send(
        'PutItem',
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...keyOf(KEYS.value(key)),
            v: { S: '1' },
            exp: { N: String(expiresAt) },
            [TTL_ATTRIBUTE]: this.#ttl(expiresAt),
          },
          // Absent, or present with an expiry that has passed (a value without `exp` never
          // expires: the comparison is false for a missing attribute).
          ConditionExpression: `attribute_not_exists(${e.name('pk')}) OR ${e.name('exp')} <= ${e.value({ N: String(now) })}`,
          ...e.attributes,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async getValue(key: string): Promise<string | undefined> {
    let missing: string | undefined;
    for (let attempt = 0; attempt < VALUE_READ_ATTEMPTS; attempt += 1) {
      const head = await this.#get(KEYS.value(key));
      if (!head) return undefined;
      const expiresAt = head.exp?.N === undefined ? undefined : Number(head.exp.N);
      if (expiresAt !== undefined && expiresAt <= this.#clock.now().getTime()) return undefined;
      if (head.v?.S !== undefined) return head.v.S;
      if (head.vz?.B !== undefined) return this.#decodeValue(key, () => decodeGzip(head.vz!.B!));
      const version = head.ver?.S;
      if (version === undefined) return undefined;
      const count = Number(head.parts?.N);
      const keys = Array.from({ length: count }, (_, i) => keyOf(KEYS.valuePart(key, version, i)));
      const found = new Map<string, Uint8Array>();
      for (let i = 0; i < keys.length; i += PARTS_PER_READ) {
        for (const item of await this.#batchGet(
          keys.slice(i, i + PARTS_PER_READ).map((k) => ({ pk: k.pk!, sk: k.sk! })),
        )) {
          if (item.sk?.S !== undefined && item.d?.B !== undefined) found.set(item.sk.S, item.d.B);
        }
      }
      const parts = keys.map((k) => found.get(k.sk?.S ?? ''));
      if (parts.every((part) => part !== undefined)) {
        return this.#decodeValue(key, () =>
          joinParts(parts as Uint8Array[], Number(head.size?.N), head.sha?.S ?? ''),
        );
      }
      // A writer replaced this version and deleted its parts after the head was read: read the
      // new head. Parts missing from the version the head still names are a broken value.
      if (missing === version) {
        throw new OpsAgentError(
          'STORE_VALUE_CORRUPT',
          `DynamoDB table "${this.table}": value "${key}" is missing ${parts.filter((p) => !p).length} ` +
            `of its ${count} parts (version ${version}); set it again`,
          { details: { ...this.#where, key, version, parts: count } },
        );
      }
      missing = version;
    }
    throw new OpsAgentError(
      'STORE_UNAVAILABLE',
      `DynamoDB table "${this.table}": value "${key}" was replaced ${VALUE_READ_ATTEMPTS} times ` +
        'while it was being read; try again',
      { category: 'third-party', retryable: true, details: { ...this.#where, key } },
    );
  }

  /**
   * Sets a value of up to {@link MAX_VALUE_BYTES}. A value too large for one item is gzipped and
   * written as parts under a new version id first; then one `PutItem` replaces the head item,
   * which names the version, and returns the old head, whose parts (if any) are deleted after.
   * Readers follow the head, so they get the old value or the new one, never a mix; two writers
   * racing each delete exactly the version they replaced.
   */
  async setValue(key: string, value: string, ttlMs?: number): Promise<void> {
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_VALUE_BYTES) {
      throw new OpsAgentError(
        'STORE_VALUE_TOO_LARGE',
        `DynamoDB store: value "${key}" is ${bytes} bytes, over the ${MAX_VALUE_BYTES} byte ` +
          `(${MAX_VALUE_BYTES / 1024 / 1024} MiB) limit of a value; nothing was written`,
        { category: 'user', details: { key, bytes, limit: MAX_VALUE_BYTES } },
      );
    }
    const head: Item = keyOf(KEYS.value(key));
    let ttl: { N: string } | undefined;
    if (ttlMs !== undefined) {
      const expiresAt = this.#clock.now().getTime() + ttlMs;
      ttl = this.#ttl(expiresAt);
      head.exp = { N: String(expiresAt) };
      head[TTL_ATTRIBUTE] = ttl;
    }
    const encoded = encodeValue(value, bytes);
    let written: { version: string; count: number } | undefined;
    if (encoded.kind === 'text') head.v = { S: encoded.text };
    else if (encoded.kind === 'gzip') head.vz = { B: encoded.data };
    else {
      written = { version: this.#valueVersion(), count: encoded.parts.length };
      const { version } = written;
      head.ver = { S: version };
      head.parts = { N: String(encoded.parts.length) };
      head.size = { N: String(encoded.size) };
      head.sha = { S: encoded.sha256 };
      try {
        await this.#batchWrite(
          encoded.parts.map((data, i) => ({
            PutRequest: {
              Item: {
                ...keyOf(KEYS.valuePart(key, version, i)),
                d: { B: data },
                ...(ttl ? { [TTL_ATTRIBUTE]: ttl } : {}),
              },
            },
          })),
        );
      } catch (error) {
        await this.#dropParts(key, written);
        throw error;
      }
    }
    let old: Item | undefined;
    try {
      const out = await this.#send<{ Attributes?: Item }>(
        'PutItem',
        new PutItemCommand({ TableName: this.table, Item: head, ReturnValues: 'ALL_OLD' }),
      );
      old = out.Attributes;
    } catch (error) {
      if (written) await this.#dropParts(key, written);
      throw error;
    }
    if (old?.ver?.S !== undefined && old.ver.S !== written?.version) {
      await this.#dropParts(key, { version: old.ver.S, count: Number(old.parts?.N) });
    }
  }

  /** Decodes a stored value, turning bad bytes into `STORE_VALUE_CORRUPT`. */
  #decodeValue(key: string, decode: () => string): string {
    try {
      return decode();
    } catch (error) {
      throw new OpsAgentError(
        'STORE_VALUE_CORRUPT',
        `DynamoDB table "${this.table}": value "${key}" cannot be read (${errorMessage(error)}); ` +
          'set it again',
        { cause: error, details: { ...this.#where, key } },
      );
    }
  }

  /**
   * Deletes the parts of a value version no head names any more. Best effort: the value is
   * already right; parts left behind only take space (and expire with the value's TTL).
   */
  async #dropParts(key: string, parts: { version: string; count: number }): Promise<void> {
    const count = Number.isInteger(parts.count) && parts.count > 0 ? parts.count : 0;
    try {
      await this.#batchWrite(
        Array.from({ length: count }, (_, i) => ({
          DeleteRequest: { Key: keyOf(KEYS.valuePart(key, parts.version, i)) },
        })),
      );
    } catch (error) {
      this.#logger.warn(
        { key, version: parts.version, parts: count, err: errorMessage(error) },
        'could not delete the parts of a replaced DynamoDB value; they stay until their TTL',
      );
    }
  }

  /** A version id for a large value's parts: time-ordered and unique across hosts. */
  #valueVersion(): string {
    return `${pad(this.#clock.now().getTime(), TIME_WIDTH)}.${randomBytes(6).toString('hex')}`;
  }

  // Plumbing ---------------------------------------------------------------------------------

  #clientOrThrow(): DynamoDBClient {
    if (this.#open && this.#client) return this.#client;
    throw new OpsAgentError(
      'STORE_CLOSED',
      `DynamoDB store on table "${this.table}" is not open; call init()`,
    );
  }

  /** Sends a command, mapping failures (other than a failed condition) to coded errors. */
  async #send<Output>(operation: string, command: object): Promise<Output> {
    const client = this.#clientOrThrow();
    // The SDK types `send` per command class; the callers here name the output they read.
    const send = client.send.bind(client) as (command: object) => Promise<unknown>;
    try {
      return (await send(command)) as Output;
    } catch (error) {
      if (isConditionFailed(error)) throw error;
      throw toStoreError(error, operation, this.#where);
    }
  }

  async #get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const out = await this.#send<{ Item?: Item }>(
      'GetItem',
      new GetItemCommand({ TableName: this.table, Key: keyOf(key), ConsistentRead: true }),
    );
    return out.Item;
  }

  /** Every item of a query (all pages), or the first `limit`. */
  async #query(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      const out = await this.#send<{ Items?: Item[]; LastEvaluatedKey?: Item }>(
        'Query',
        new QueryCommand({
          ...input,
          TableName: this.table,
          ...(remaining === undefined ? {} : { Limit: Math.min(remaining, 1000) }),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    return limit === undefined ? items : items.slice(0, limit);
  }

  /** The items of a one-partition collection, optionally by status (consistent, all pages). */
  async #listPartition(pk: string, status: readonly string[] | undefined): Promise<Item[]> {
    if (status?.length === 0) return [];
    const e = new Expression();
    const statuses = status ? [...new Set(status)] : undefined;
    return this.#query({
      KeyConditionExpression: `${e.name('pk')} = ${e.value({ S: pk })}`,
      ...(statuses ? { FilterExpression: e.in('status', statuses) } : {}),
      ConsistentRead: true,
      ...e.attributes,
    });
  }

  /** Atomically adds `count` to a counter item; returns its new value (the last number reserved). */
  async #reserve(
    key: { pk: string; sk: string },
    count: number,
    ttl?: { N: string },
  ): Promise<number> {
    const e = new Expression();
    const update = `ADD ${e.name('n')} ${e.value({ N: String(count) })}${
      ttl ? ` SET ${e.name(TTL_ATTRIBUTE)} = ${e.value(ttl)}` : ''
    }`;
    const out = await this.#send<{ Attributes?: Item }>(
      'UpdateItem',
      new UpdateItemCommand({
        TableName: this.table,
        Key: keyOf(key),
        UpdateExpression: update,
        ReturnValues: 'UPDATED_NEW',
        ...e.attributes,
      }),
    );
    return Number(out.Attributes?.n?.N);
  }

  /** Writes (puts and deletes) in batches of 25, retrying unprocessed items with backoff. */
  async #batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
      let pending = requests.slice(i, i + BATCH_WRITE_MAX);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await this.#backoff(attempt, 'BatchWriteItem', pending.length);
        const out = await this.#send<BatchWriteItemCommandOutput>(
          'BatchWriteItem',
          new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }),
        );
        pending = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  /**
   * Consistent reads of many keys, in batches of 100, asking again for unprocessed keys. A
   * response that returned items and left keys over its size limit (16 MB in DynamoDB, less in
   * some emulators) is followed at once; one that returned nothing was throttled, and backs off.
   */
  async #batchGet(keys: { pk: Item[string]; sk: Item[string] }[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let pending: KeysAndAttributes | undefined = {
        Keys: keys.slice(i, i + BATCH_GET_MAX),
        ConsistentRead: true,
      };
      for (let attempt = 0; pending?.Keys?.length; ) {
        if (attempt > 0) await this.#backoff(attempt, 'BatchGetItem', pending.Keys.length);
        const out: BatchGetItemCommandOutput = await this.#send<BatchGetItemCommandOutput>(
          'BatchGetItem',
          new BatchGetItemCommand({ RequestItems: { [this.table]: pending } }),
        );
        const got = out.Responses?.[this.table] ?? [];
        items.push(...got);
        pending = out.UnprocessedKeys?.[this.table];
        attempt = got.length > 0 ? 0 : attempt + 1;
      }
    }
    return items;
  }

  /** Waits before retrying unprocessed batch items; throws `STORE_THROTTLED` after too many. */
  async #backoff(attempt: number, operation: string, left: number): Promise<void> {
    if (attempt >= BATCH_RETRIES) {
      throw new OpsAgentError(
        'STORE_THROTTLED',
        `DynamoDB table "${this.table}": ${operation} left ${left} items unprocessed after ` +
          `${attempt} attempts (throttled); raise the table capacity or use on-demand billing`,
        { category: 'third-party', retryable: true, details: { ...this.#where, operation, left } },
      );
    }
    this.#logger.debug({ operation, attempt, left }, 'retrying unprocessed DynamoDB batch items');
    await delay(Math.min(2_000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
  }

  /** Epoch seconds for the TTL attribute. */
  #ttl(atMs: number): { N: string } {
    return { N: String(Math.ceil(atMs / 1000)) };
  }

  #approvalTtl(expiresAt: Date): { N: string } {
    return this.#ttl(expiresAt.getTime() + this.#config.retention.approvals);
  }

  /** An insertion stamp that sorts in creation order (this instance's order for equal times). */
  #stamp(): string {
    this.#stamps += 1;
    return `${pad(this.#clock.now().getTime(), TIME_WIDTH)}.${pad(this.#stamps, 10)}.${this.#instance}`;
  }
}

/** The key attributes of an item. */
function keyOf(key: { pk: string; sk: string }): Item {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest `field` first; equal times newest insertion (`ins`) first, as the SQLite store does. */
function newestFirst(items: Item[], field: string): Item[] {
  return items.sort(
    (a, b) => Number(b[field]?.N) - Number(a[field]?.N) || compare(b.ins?.S ?? '', a.ins?.S ?? ''),
  );
}
