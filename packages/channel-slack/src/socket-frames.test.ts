import { describe, expect, it } from 'vitest';
import { socketFrameVerdict } from './socket-frames.js';

const envelope = (fields: Record<string, unknown>) =>
  JSON.stringify({ type: 'events_api', envelope_id: 'e1', ...fields });

describe('socketFrameVerdict', () => {
  it('passes hello, disconnect and well-formed envelopes', () => {
    expect(socketFrameVerdict('{"type":"hello"}', false)).toEqual({});
    expect(socketFrameVerdict('{"type":"disconnect","reason":5}', false)).toEqual({});
    expect(
      socketFrameVerdict(envelope({ payload: { event: { type: 'app_mention' } } }), false),
    ).toEqual({});
    expect(
      socketFrameVerdict(
        JSON.stringify({ type: 'slash_commands', envelope_id: 'e2', payload: null }),
        false,
      ),
    ).toEqual({});
  });

  it('drops frames that are not envelopes, without an ack', () => {
    for (const [frame, problem] of [
      ['{', 'not JSON'],
      ['null', 'not a JSON object'],
      ['[]', 'not a JSON object'],
      ['{"type":5}', 'type is not a string'],
      ['{"type":"slack_event","envelope_id":"e"}', 'unknown type "slack_event"'],
      ['{"type":"events_api"}', 'no envelope_id'],
      ['{"type":"interactive","envelope_id":""}', 'no envelope_id'],
    ] as const) {
      expect(socketFrameVerdict(frame, false), frame).toEqual({ problem });
    }
    expect(socketFrameVerdict(Buffer.from('{}'), true)).toEqual({ problem: 'a binary frame' });
  });

  it('acks and drops an event envelope whose payload the client cannot dispatch', () => {
    for (const payload of [
      null,
      {},
      { event: null },
      { event: { type: 5 } },
      { event: { type: 'error' } },
    ]) {
      expect(socketFrameVerdict(envelope({ payload }), false).ack).toBe('e1');
    }
  });
});
