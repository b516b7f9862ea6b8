import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { errorMessage, type Logger, OpsAgentError } from '@opsagent/core';
import {
  describeLocation,
  isConditionFailed,
  type TableLocation,
  tableMissing,
  toStoreError,
} from './errors.js';
import { GSI1, KEYS, LAYOUT_VERSION, TTL_ATTRIBUTE, tableDefinition } from './layout.js';

/** Options of {@link ensureTable}. */
export interface EnsureTableOptions {
  client: DynamoDBClient;
  where: TableLocation;
  /** Create the table when it is missing. */
  create: boolean;
  logger: Logger;
  /** How long to wait for a table to become ACTIVE; default 5 minutes. */
  timeoutMs?: number;
}

/**
 * Checks that the table exists with the layout this store writes (and waits while it is being
 * created); creates it, with TTL enabled, when asked to. Throws `STORE_TABLE_MISSING` or
 * `STORE_TABLE_INVALID` naming the table and the fix.
 */
export async function ensureTable(options: EnsureTableOptions): Promise<void> {
  const { client, where, logger } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let description = await describe(client, where);
  if (!description) {
    if (!options.create) throw tableMissing(where);
    description = await create(client, where, logger);
  }
  while (description.TableStatus === 'CREATING' || description.TableStatus === 'UPDATING') {
    if (Date.now() > deadline) {
      throw new OpsAgentError(
        'STORE_UNAVAILABLE',
        `${describeLocation(where)} is still ${description.TableStatus} after waiting; try again later`,
        { category: 'third-party', retryable: true, details: { ...where } },
      );
    }
    await delay(250);
    description = await describe(client, where);
    if (!description) throw tableMissing(where);
  }
  verify(description, where);
  await checkLayoutVersion(client, where);
}

/**
 * Records {@link LAYOUT_VERSION} in a new table, and refuses (`STORE_SCHEMA_TOO_NEW`) a table
 * that a newer opsagent has written with a layout this one does not know.
 */
async function checkLayoutVersion(client: DynamoDBClient, where: TableLocation): Promise<void> {
  const key = { pk: { S: KEYS.layout.pk }, sk: { S: KEYS.layout.sk } };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    let stored: string | undefined;
    try {
      const out = await client.send(
        new GetItemCommand({ TableName: where.table, Key: key, ConsistentRead: true }),
      );
      stored = out.Item?.version?.N;
    } catch (error) {
      throw toStoreError(error, 'GetItem', where);
    }
    if (stored !== undefined) {
      const version = Number(stored);
      if (version > LAYOUT_VERSION) {
        throw new OpsAgentError(
          'STORE_SCHEMA_TOO_NEW',
          `${describeLocation(where)} holds layout version ${version}, newer than this opsagent ` +
            `understands (${LAYOUT_VERSION}); upgrade opsagent or use another table`,
          { category: 'user', details: { ...where, version, supported: LAYOUT_VERSION } },
        );
      }
      return;
    }
    try {
      await client.send(
        new PutItemCommand({
          TableName: where.table,
          Item: { ...key, version: { N: String(LAYOUT_VERSION) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    } catch (error) {
      // Another instance recorded it first: read theirs.
      if (!isConditionFailed(error)) throw toStoreError(error, 'PutItem', where);
    }
  }
}

async function describe(
  client: DynamoDBClient,
  where: TableLocation,
): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: where.table }));
    return out.Table;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
    throw toStoreError(error, 'DescribeTable', where);
  }
}

async function create(
  client: DynamoDBClient,
  where: TableLocation,
  logger: Logger,
): Promise<TableDescription> {
  let description: TableDescription | undefined;
  try {
    const out = await client.send(new CreateTableCommand(tableDefinition(where.table)));
    description = out.TableDescription;
    logger.info({ table: where.table }, 'created the DynamoDB table (store.createTable)');
  } catch (error) {
    // Another instance created it first: wait for theirs.
    if ((error as { name?: unknown }).name !== 'ResourceInUseException') {
      throw toStoreError(error, 'CreateTable', where);
    }
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: where.table,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // DynamoDB refuses this while the table is CREATING, and some emulators lack it; expiry is
    // still exact (checked on read), only the automatic deletion of old items is missing.
    logger.warn(
      { table: where.table, err: `${(error as { name?: string }).name}: ${errorMessage(error)}` },
      `could not enable TTL on "${TTL_ATTRIBUTE}"; old items stay until TTL is enabled (aws dynamodb update-time-to-live)`,
    );
  }
  return description ?? (await describe(client, where)) ?? { TableStatus: 'CREATING' };
}

/** Throws `STORE_TABLE_INVALID` unless the keys and the index are the ones this store uses. */
function verify(description: TableDescription, where: TableLocation): void {
  const problems: string[] = [];
  const key = (schema: TableDescription['KeySchema'], type: 'HASH' | 'RANGE') =>
    schema?.find((k) => k.KeyType === type)?.AttributeName;
  const typeOf = (name: string | undefined) =>
    description.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  if (key(description.KeySchema, 'HASH') !== 'pk' || typeOf('pk') !== 'S') {
    problems.push('partition key must be "pk" (string)');
  }
  if (key(description.KeySchema, 'RANGE') !== 'sk' || typeOf('sk') !== 'S') {
    problems.push('sort key must be "sk" (string)');
  }
  const index = description.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI1);
  if (
    !index ||
    key(index.KeySchema, 'HASH') !== 'gsi1pk' ||
    key(index.KeySchema, 'RANGE') !== 'gsi1sk'
  ) {
    problems.push(
      `global secondary index "${GSI1}" on gsi1pk (hash) and gsi1sk (range) is missing`,
    );
  }
  if (problems.length > 0) {
    throw new OpsAgentError(
      'STORE_TABLE_INVALID',
      `${describeLocation(where)} does not have the layout opsagent needs: ${problems.join('; ')}. ` +
        'Use a table created from examples/cloudops-bot/template.yaml (see docs/store-dynamodb.md), ' +
        'or a new table name with store.createTable: true',
      { category: 'user', details: { ...where, problems } },
    );
  }
}
