import type { Logger } from '@opsagent/core';
import type { SocketModeReceiver } from '@slack/bolt';

// @slack/socket-mode reads each frame in an async listener nobody awaits: a frame that is JSON
// but not an envelope (`null`, an events_api envelope without `payload.event`) threw there, so the
// envelope was never acked (Slack redelivers it) and the unhandled rejection can end the process.
// It also re-emits `type` (and an event's inner type) on its own emitter, so a frame of type
// `slack_event`, `error` or `connected` reached the client's own listeners. Frames are checked here
// first.

/** The envelope types Slack sends over Socket Mode, each acknowledged by its envelope_id. */
const ENVELOPE_TYPES = new Set(['events_api', 'interactive', 'slash_commands']);
/** Frames without an envelope. */
const CONTROL_TYPES = new Set(['hello', 'disconnect']);
/** Names the Socket Mode client emits for itself (errors, lifecycle, frames). */
const CLIENT_EVENTS = new Set([
  'error',
  'close',
  'ws_message',
  'slack_event',
  'outgoing_message',
  'connecting',
  'connected',
  'authenticated',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'newListener',
  'removeListener',
]);

/** What to do with one Socket Mode frame. */
export interface SocketFrameVerdict {
  /** Why the frame cannot go to the client; undefined when it can. */
  problem?: string;
  /** The envelope to acknowledge although its payload is dropped (Slack would redeliver it). */
  ack?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a frame the way the Socket Mode client and Bolt read it: a JSON object with a known
 * `type`; envelopes with a non-empty `envelope_id`; an `events_api` payload with an `event`
 * object whose `type` is a string that is not one of the client's own event names.
 */
export function socketFrameVerdict(data: unknown, isBinary: boolean): SocketFrameVerdict {
  if (isBinary || typeof data !== 'string') return { problem: 'a binary frame' };
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isRecord(frame)) return { problem: 'not a JSON object' };
  const { type } = frame;
  if (typeof type !== 'string') return { problem: 'type is not a string' };
  if (CONTROL_TYPES.has(type)) return {};
  if (!ENVELOPE_TYPES.has(type)) return { problem: `unknown type "${type.slice(0, 40)}"` };
  const id = frame.envelope_id;
  if (typeof id !== 'string' || id === '') return { problem: 'no envelope_id' };
  if (type === 'events_api') {
    const event = isRecord(frame.payload) ? frame.payload.event : undefined;
    if (!isRecord(event)) return { problem: 'events_api payload without an event', ack: id };
    if (typeof event.type !== 'string' || CLIENT_EVENTS.has(event.type)) {
      return { problem: 'events_api event type is not an event name', ack: id };
    }
  }
  return {};
}

type SocketClient = SocketModeReceiver['client'];

/** Puts {@link socketFrameVerdict} in front of the Socket Mode client's frame handler. */
export function guardSocketFrames(client: SocketClient, log: () => Logger): void {
  // Both are the client's own (protected / private in its types): the frame handler it binds
  // in its constructor, and the ack it sends.
  const inner = client as unknown as {
    onWebSocketMessage(data: unknown, isBinary: boolean): Promise<void>;
    send(id: string, body?: Record<string, unknown>): Promise<void>;
  };
  const handle = inner.onWebSocketMessage.bind(client);
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const verdict = socketFrameVerdict(data, isBinary);
    if (verdict.problem) {
      const size = typeof data === 'string' ? data.length : undefined;
      if (verdict.ack) {
        log().warn(
          { problem: verdict.problem, envelope: verdict.ack },
          'malformed Socket Mode envelope acknowledged and dropped',
        );
        inner
          .send(verdict.ack)
          .catch((error: unknown) =>
            log().warn({ err: error }, 'could not acknowledge a Socket Mode envelope'),
          );
      } else {
        log().warn({ problem: verdict.problem, size }, 'malformed Socket Mode frame dropped');
      }
      return;
    }
    handle(data, isBinary).catch((error: unknown) =>
      log().warn({ err: error }, 'Socket Mode frame failed'),
    );
  });
}
