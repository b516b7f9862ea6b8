import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  ApprovalRecord,
  AuditRecord,
  ConversationRecord,
  IncidentRecord,
  StoredMessage,
} from '@opsagent/core';

/** A DynamoDB item. */
export type Item = Record<string, AttributeValue>;

/** Attribute values by name; `undefined` means "absent" (REMOVE in an update). */
export type Attributes = Record<string, AttributeValue | undefined>;

/** How one record field maps to one attribute of the same name. */
interface FieldCodec<V> {
  encode(value: V): AttributeValue;
  decode(value: AttributeValue): V;
}

const text: FieldCodec<string> = {
  encode: (value) => ({ S: value }),
  decode: (value) => value.S ?? '',
};

const integer: FieldCodec<number> = {
  encode: (value) => ({ N: String(value) }),
  decode: (value) => Number(value.N),
};

/** Dates are epoch milliseconds. */
const date: FieldCodec<Date> = {
  encode: (value) => ({ N: String(value.getTime()) }),
  decode: (value) => new Date(Number(value.N)),
};

/** Structured fields are JSON text, as in the SQLite store (Dates inside become strings). */
function json<V>(): FieldCodec<V> {
  return {
    encode: (value) => ({ S: JSON.stringify(value) }),
    decode: (value) => JSON.parse(value.S ?? 'null') as V,
  };
}

type Codecs<T> = { [K in keyof T]-?: FieldCodec<Exclude<T[K], undefined>> };

const CONVERSATION: Omit<Codecs<ConversationRecord>, 'key'> = {
  channel: text,
  address: json(),
  status: text as FieldCodec<ConversationRecord['status']>,
  createdAt: date,
  lastActivityAt: date,
};

const INCIDENT: Omit<Codecs<IncidentRecord>, 'id'> = {
  key: text,
  source: text,
  status: text as FieldCodec<IncidentRecord['status']>,
  severity: text as FieldCodec<IncidentRecord['severity']>,
  notifiedSeverity: text as FieldCodec<IncidentRecord['severity']>,
  resource: text,
  title: text,
  evidence: text,
  data: json(),
  observations: integer,
  cleanChecks: integer,
  firstSeenAt: date,
  openedAt: date,
  lastSeenAt: date,
  resolvedAt: date,
  analysis: text,
};

const APPROVAL: Omit<Codecs<ApprovalRecord>, 'id'> = {
  remediation: text,
  input: json(),
  action: text,
  reason: text,
  risk: text as FieldCodec<ApprovalRecord['risk']>,
  requestedBy: json(),
  origin: json(),
  incidentId: text,
  status: text as FieldCodec<ApprovalRecord['status']>,
  createdAt: date,
  expiresAt: date,
  updatedAt: date,
  decidedBy: json(),
  result: json(),
};

const AUDIT: Codecs<AuditRecord> = {
  at: date,
  type: text as FieldCodec<AuditRecord['type']>,
  actor: text,
  subject: text,
  detail: json(),
};

/** The attributes of `record`'s fields listed in `codecs`; absent fields map to undefined. */
function encodeFields<T extends object>(
  record: Partial<T>,
  codecs: Partial<Record<keyof T, FieldCodec<unknown>>>,
  only?: ReadonlyArray<keyof T>,
): Attributes {
  const out: Attributes = {};
  for (const field of only ?? (Object.keys(codecs) as (keyof T)[])) {
    const codec = codecs[field] as FieldCodec<unknown> | undefined;
    if (!codec) continue;
    const value = record[field];
    out[field as string] = value === undefined ? undefined : codec.encode(value);
  }
  return out;
}

/** The fields in `codecs` that `item` has (absent attributes stay absent fields). */
function decodeFields<T>(item: Item, codecs: Partial<Record<keyof T, FieldCodec<unknown>>>): T {
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(codecs)) {
    const value = item[field];
    const codec = codecs[field as keyof T] as FieldCodec<unknown> | undefined;
    if (value !== undefined && codec) out[field] = codec.decode(value);
  }
  return out as T;
}

/** Attributes without the undefined ones: a complete item for PutItem. */
export function defined(attributes: Attributes): Item {
  const out: Item = {};
  for (const [name, value] of Object.entries(attributes))
    if (value !== undefined) out[name] = value;
  return out;
}

export function encodeConversation(c: ConversationRecord): Attributes {
  return encodeFields(c, CONVERSATION);
}

export function decodeConversation(key: string, item: Item): ConversationRecord {
  return { key, ...decodeFields<Omit<ConversationRecord, 'key'>>(item, CONVERSATION) };
}

export function encodeIncident(i: IncidentRecord): Attributes {
  return encodeFields(i, INCIDENT);
}

export function decodeIncident(item: Item): IncidentRecord {
  return { id: item.sk?.S ?? '', ...decodeFields<Omit<IncidentRecord, 'id'>>(item, INCIDENT) };
}

/** Every approval field, or with `only` just those (for a patch). */
export function encodeApproval(
  a: Partial<ApprovalRecord>,
  only?: ReadonlyArray<keyof ApprovalRecord>,
): Attributes {
  return encodeFields(a, APPROVAL, only);
}

export function decodeApproval(item: Item): ApprovalRecord {
  const approval = {
    id: item.sk?.S ?? '',
    ...decodeFields<Omit<ApprovalRecord, 'id'>>(item, APPROVAL),
  };
  // `input` is part of the record even when undefined (the SQLite store returns it that way).
  if (!('input' in approval)) (approval as { input?: unknown }).input = undefined;
  return approval;
}

/** True for the fields an approval patch may set (everything but `id`). */
export function isApprovalField(field: string): field is Exclude<keyof ApprovalRecord, 'id'> {
  return Object.hasOwn(APPROVAL, field);
}

export function encodeAudit(r: AuditRecord): Attributes {
  return encodeFields({ ...r, detail: r.detail ?? {} }, AUDIT);
}

export function decodeAudit(item: Item): AuditRecord {
  return decodeFields<AuditRecord>(item, AUDIT);
}

/** Messages longer than this (bytes of JSON) are stored gzipped, to stay far from 400 KB. */
export const COMPRESS_OVER_BYTES = 32 * 1024;

/** Largest encoded message accepted (DynamoDB's item limit is 400 KB including names and keys). */
export const MAX_MESSAGE_BYTES = 380 * 1024;

/** The `at` and the message body (`m` JSON text, or `mz` gzip of it when large). */
export function encodeMessage(m: StoredMessage): Item {
  const body = JSON.stringify(m.message);
  const bytes = Buffer.byteLength(body);
  const encoded: Item = { at: { N: String(m.at.getTime()) } };
  if (bytes <= COMPRESS_OVER_BYTES) encoded.m = { S: body };
  else encoded.mz = { B: gzipSync(body) };
  return encoded;
}

/** Bytes the message attributes take (roughly what DynamoDB counts). */
export function encodedSize(item: Item): number {
  return (item.m?.S ? Buffer.byteLength(item.m.S) : 0) + (item.mz?.B?.byteLength ?? 0);
}

export function decodeMessage(item: Item): StoredMessage {
  const body = item.mz?.B ? gunzipSync(item.mz.B).toString('utf8') : (item.m?.S ?? 'null');
  return {
    at: new Date(Number(item.at?.N)),
    message: JSON.parse(body) as StoredMessage['message'],
  };
}
