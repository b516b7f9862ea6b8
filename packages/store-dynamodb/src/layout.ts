import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single-table layout. Every record is one item keyed by `pk` (partition) and `sk` (sort);
 * `gsi1` is a sparse, keys-only index holding open conversations by last activity.
 *
 * | record            | pk                 | sk              | also                                        |
 * |-------------------|--------------------|-----------------|---------------------------------------------|
 * | conversation      | `conv#<key>`       | `conv`          | `gsi1pk`=`conv#open` while open, `gsi1sk`=`<activity ms>#<key>`, `ttl` |
 * | message sequence  | `msgs#<key>`       | `seq`           | `n` (atomic counter), `ttl`                 |
 * | message           | `msgs#<key>`       | `m#<seq>`       | `at`, `m` (JSON) or `mz` (gzip), `ttl`      |
 * | incident          | `incidents`        | `<id>`          | fields; `ins` (insertion stamp)             |
 * | approval          | `approvals`        | `<id>`          | fields; `ins`; `ttl` (expiry + retention)   |
 * | audit sequence    | `audit`            | `seq`           | `n` (atomic counter)                        |
 * | audit record      | `audit`            | `a#<seq>`       | fields                                      |
 * | claim / value     | `kv#<key>`         | `kv`            | `v` (text) or `vz` (gzip) or `ver`, `parts`, `size`, `sha` (a large value's parts); `exp` (ms, exact expiry), `ttl` |
 * | value part        | `kv#<key>`         | `p#<ver>#<i>`   | `d` (gzip bytes), `ttl` (the value's)       |
 * | layout version    | `meta`             | `layout`        | `version`                                   |
 *
 * Incidents and approvals are few, so each lives in one partition that a strongly consistent
 * Query reads whole; conversations, histories and claims, which grow with traffic, spread over
 * one partition each. Message and audit order come from atomic counters, so append order holds
 * across every writer. `ttl` is epoch seconds for DynamoDB's TTL deletion, which runs late (up to
 * days), so exact expiry of claims and values is checked against `exp` on every read and claim.
 *
 * A value too large for one item is gzipped and split over part items under a fresh version id
 * `ver`; the head item (`kv`) names the version, so a reader never joins parts of two versions.
 * Large values came after layout version 1 without a version bump: an older opsagent reads such
 * a value as absent (it has no `v`), which the values' users treat as "nothing saved".
 */
export const KEYS = {
  conversation: (key: string) => ({ pk: `conv#${key}`, sk: 'conv' }),
  messageSeq: (key: string) => ({ pk: `msgs#${key}`, sk: 'seq' }),
  messages: (key: string) => `msgs#${key}`,
  message: (seq: number) => `m#${pad(seq, SEQ_WIDTH)}`,
  incidents: 'incidents',
  approvals: 'approvals',
  audit: 'audit',
  auditSeq: { pk: 'audit', sk: 'seq' },
  auditRecord: (seq: number) => `a#${pad(seq, SEQ_WIDTH)}`,
  value: (key: string) => ({ pk: `kv#${key}`, sk: 'kv' }),
  valuePart: (key: string, version: string, index: number) => ({
    pk: `kv#${key}`,
    sk: `p#${version}#${pad(index, PART_WIDTH)}`,
  }),
  layout: { pk: 'meta', sk: 'layout' },
} as const;

/**
 * The version of this layout, stored in the table on first use. A table written by a newer
 * opsagent (a higher version) is refused rather than misread; bump it with any layout change.
 */
export const LAYOUT_VERSION = 1;

/** The partition of `gsi1` that lists open conversations. */
export const OPEN_CONVERSATIONS = 'conv#open';

/** The sparse index of open conversations. */
export const GSI1 = 'gsi1';

/** The TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = 'ttl';

/** Digits of a sequence number in a sort key (counters stay below 10^15). */
const SEQ_WIDTH = 15;

/** Digits of a value part's index (a value has at most a few dozen parts). */
const PART_WIDTH = 4;

/** Digits of an epoch-ms time in a sort key (good until the year 318857). */
export const TIME_WIDTH = 16;

/** `n` as decimal digits, zero-padded to `width` (negative numbers clamp to 0). */
export function pad(n: number, width: number): string {
  return String(Math.max(0, Math.floor(n))).padStart(width, '0');
}

/** The `gsi1sk` of an open conversation. */
export function activityKey(lastActivityMs: number, key: string): string {
  return `${pad(lastActivityMs, TIME_WIDTH)}#${key}`;
}

/** The table this store needs: on-demand, string keys, the keys-only `gsi1`. */
export function tableDefinition(table: string): CreateTableCommandInput {
  return {
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
