import { describe, expect, it } from 'vitest';
import { classifyFrame, groupRecipient } from './envelope.js';

const BOT = '+15550000001';
const envelope = (extra: Record<string, unknown>) => ({
  envelope: {
    source: '+15550000002',
    sourceNumber: '+15550000002',
    sourceUuid: 'u-2',
    sourceName: 'Owner',
    sourceDevice: 1,
    timestamp: 1700000000000,
    ...extra,
  },
  account: BOT,
});

describe('classifyFrame', () => {
  it('reads a text message, with its group', () => {
    const out = classifyFrame(
      JSON.stringify(
        envelope({
          dataMessage: {
            timestamp: 1700000000000,
            message: ' status ',
            groupInfo: { groupId: 'Z3Jw', groupName: 'ops', revision: 1, type: 'DELIVER' },
          },
        }),
      ),
      BOT,
    );
    expect(out).toEqual({
      kind: 'message',
      sender: { number: '+15550000002', uuid: 'u-2', name: 'Owner' },
      timestamp: 1700000000000,
      text: 'status',
      groupId: 'Z3Jw',
    });
  });

  it('reads the JSON-RPC notification form', () => {
    const out = classifyFrame(
      { jsonrpc: '2.0', method: 'receive', params: envelope({ dataMessage: { message: 'hi' } }) },
      BOT,
    );
    expect(out.kind).toBe('message');
  });

  it('reads a reaction', () => {
    const out = classifyFrame(
      envelope({
        dataMessage: {
          message: null,
          reaction: {
            emoji: '👍',
            targetAuthor: BOT,
            targetAuthorNumber: BOT,
            targetSentTimestamp: 42,
            isRemove: false,
          },
        },
      }),
      BOT,
    );
    expect(out).toMatchObject({
      kind: 'reaction',
      emoji: '👍',
      targetTimestamp: 42,
      remove: false,
    });
  });

  it('ignores sync, typing, receipts, own messages, other accounts and empty text', () => {
    const reasons = [
      envelope({ syncMessage: { sentMessage: { message: 'x' } } }),
      envelope({ typingMessage: { action: 'STARTED', timestamp: 1 } }),
      envelope({ receiptMessage: { isDelivery: true, timestamps: [1] } }),
      { ...envelope({ dataMessage: { message: 'x' } }), account: '+19999999999' },
      envelope({ source: BOT, sourceNumber: BOT, dataMessage: { message: 'x' } }),
      envelope({ dataMessage: { message: '   ' } }),
    ].map((f) => classifyFrame(f, BOT));
    expect(reasons.map((r) => (r.kind === 'ignored' ? r.reason : r.kind))).toEqual([
      'sync message',
      'typing',
      'receipt',
      'other account',
      'own message',
      'no text',
    ]);
  });

  it('reports malformed input without throwing', () => {
    for (const bad of [
      '{',
      '[]',
      'null',
      '{"envelope":{}}',
      '{"envelope":{"timestamp":-1,"source":"+1"}}',
    ]) {
      expect(classifyFrame(bad, BOT).kind).toBe('malformed');
    }
    expect(classifyFrame({ envelope: { timestamp: 1 } }, BOT)).toEqual({
      kind: 'malformed',
      problem: 'envelope has no source',
    });
    expect(classifyFrame({ error: 'boom' }, BOT)).toEqual({ kind: 'error', message: 'boom' });
  });

  it('addresses groups by group. plus base64 of the internal id', () => {
    expect(groupRecipient('abc=')).toBe(`group.${Buffer.from('abc=').toString('base64')}`);
  });
});
