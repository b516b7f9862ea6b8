import { z } from 'zod';

// The envelope JSON signal-cli emits (signal-cli-rest-api forwards it unchanged). Unknown fields
// are kept out of the way; only what the channel uses is required.

const reactionSchema = z.object({
  emoji: z.string().min(1),
  targetAuthor: z.string().nullish(),
  targetAuthorNumber: z.string().nullish(),
  targetAuthorUuid: z.string().nullish(),
  targetSentTimestamp: z.number().int().positive(),
  isRemove: z.boolean().nullish(),
});

const dataMessageSchema = z.object({
  timestamp: z.number().int().nullish(),
  message: z.string().nullish(),
  groupInfo: z
    .object({
      groupId: z.string().min(1),
      groupName: z.string().nullish(),
      type: z.string().nullish(),
    })
    .nullish(),
  reaction: reactionSchema.nullish(),
  quote: z.object({ id: z.number().int() }).nullish(),
  remoteDelete: z.unknown().optional(),
});

const envelopeSchema = z.object({
  source: z.string().nullish(),
  sourceNumber: z.string().nullish(),
  sourceUuid: z.string().nullish(),
  sourceName: z.string().nullish(),
  timestamp: z.number().int().positive(),
  dataMessage: dataMessageSchema.nullish(),
  syncMessage: z.unknown().optional(),
  editMessage: z.unknown().optional(),
  typingMessage: z.unknown().optional(),
  receiptMessage: z.unknown().optional(),
  callMessage: z.unknown().optional(),
  storyMessage: z.unknown().optional(),
});

const receiveSchema = z.object({ envelope: envelopeSchema, account: z.string().nullish() });

/** One frame (WebSocket) or array item (poll): a received envelope, or an error from the API. */
export const frameSchema = z.union([
  receiveSchema,
  // The JSON-RPC notification form (webhooks, signal-cli directly).
  z
    .object({ jsonrpc: z.literal('2.0'), method: z.literal('receive'), params: receiveSchema })
    .transform((rpc) => rpc.params),
  z.object({ error: z.string() }),
]);

/** Who sent an envelope. */
export interface EnvelopeSender {
  /** Phone number, when Signal shares it. */
  number?: string;
  /** Account uuid. */
  uuid?: string;
  /** Profile name. */
  name?: string;
}

/** What the channel does with one frame. */
export type Classified =
  | {
      kind: 'message';
      sender: EnvelopeSender;
      timestamp: number;
      text: string;
      /** Internal group id (`groupInfo.groupId`), for group messages. */
      groupId?: string;
      /** Timestamp of the message this one quotes (replies to), if any. */
      quotedTimestamp?: number;
    }
  | {
      kind: 'reaction';
      sender: EnvelopeSender;
      timestamp: number;
      emoji: string;
      targetTimestamp: number;
      targetAuthor?: string;
      remove: boolean;
      groupId?: string;
    }
  | { kind: 'ignored'; reason: string; timestamp?: number }
  | { kind: 'error'; message: string }
  | { kind: 'malformed'; problem: string };

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses and classifies one frame: a person's text or reaction, something to ignore (sync and
 * typing messages, receipts, the bot's own messages, other accounts), an API error, or malformed
 * input. Never throws.
 */
export function classifyFrame(raw: unknown, ownNumber: string): Classified {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { kind: 'malformed', problem: 'not JSON' };
    }
  }
  const parsed = frameSchema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', problem: issuesText(parsed.error) };
  const frame = parsed.data;
  if ('error' in frame) return { kind: 'error', message: frame.error };
  const { envelope, account } = frame;
  const timestamp = envelope.timestamp;
  if (account && account !== ownNumber)
    return { kind: 'ignored', reason: 'other account', timestamp };
  const number =
    envelope.sourceNumber ?? (envelope.source?.startsWith('+') ? envelope.source : undefined);
  const uuid =
    envelope.sourceUuid ??
    (envelope.source && !envelope.source.startsWith('+') ? envelope.source : undefined);
  if (!number && !uuid) return { kind: 'malformed', problem: 'envelope has no source' };
  if (number === ownNumber) return { kind: 'ignored', reason: 'own message', timestamp };
  if (envelope.syncMessage !== undefined && envelope.syncMessage !== null) {
    return { kind: 'ignored', reason: 'sync message', timestamp };
  }
  const data = envelope.dataMessage;
  if (!data) {
    const what = envelope.typingMessage
      ? 'typing'
      : envelope.receiptMessage
        ? 'receipt'
        : envelope.editMessage
          ? 'edit'
          : 'no data message';
    return { kind: 'ignored', reason: what, timestamp };
  }
  const sender: EnvelopeSender = {
    ...(number ? { number } : {}),
    ...(uuid ? { uuid } : {}),
    ...(envelope.sourceName ? { name: envelope.sourceName } : {}),
  };
  const groupId = data.groupInfo?.groupId;
  if (data.reaction) {
    const r = data.reaction;
    const author = r.targetAuthorNumber ?? r.targetAuthor ?? r.targetAuthorUuid ?? undefined;
    return {
      kind: 'reaction',
      sender,
      timestamp,
      emoji: r.emoji,
      targetTimestamp: r.targetSentTimestamp,
      ...(author ? { targetAuthor: author } : {}),
      remove: r.isRemove === true,
      ...(groupId ? { groupId } : {}),
    };
  }
  const text = data.message?.trim();
  if (!text) return { kind: 'ignored', reason: 'no text', timestamp };
  return {
    kind: 'message',
    sender,
    timestamp,
    text,
    ...(groupId ? { groupId } : {}),
    ...(data.quote ? { quotedTimestamp: data.quote.id } : {}),
  };
}

/** The `recipients` entry for a group: `group.` + base64 of the internal id. */
export function groupRecipient(internalGroupId: string): string {
  return `group.${Buffer.from(internalGroupId).toString('base64')}`;
}
