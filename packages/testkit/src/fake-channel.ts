import { randomUUID } from 'node:crypto';
import {
  type Address,
  type Channel,
  type ChannelRuntime,
  type InboundMessage,
  type OutboundMessage,
  renderPlainText,
  type SentMessage,
} from '@opsagent/core';

/** A message the fake channel sent (or updated in place). */
export interface FakeSent {
  /** Id given to the sent message. */
  id: string;
  /** Where it went. */
  address: Address;
  /** The latest content (after updates). */
  message: OutboundMessage;
  /** The content rendered as plain text. */
  text: string;
  /** How many times it was updated in place. */
  updates: number;
}

/** A channel for tests: inject inbound messages, read what was sent. */
export interface FakeChannel extends Channel {
  /** Everything sent, in order. */
  readonly sent: FakeSent[];
  /** Working-indicator calls. */
  readonly working: Address[];
  /** True between start and stop. */
  readonly running: boolean;
  /** Delivers a text message as if a person typed it; resolves once the runtime accepted it. */
  inject(text: string, from?: Partial<InjectOptions>): Promise<InboundMessage>;
  /** Delivers a button press deciding an approval. */
  press(
    approvalId: string,
    decision: 'approve' | 'reject',
    from?: Partial<InjectOptions>,
  ): Promise<InboundMessage>;
  /** Sent texts (rendered), optionally only to one chat. */
  texts(chat?: string): string[];
  /** Makes the next `send` calls fail (to test delivery failures). */
  failNextSends(count: number): void;
}

/** Who sends an injected message, and where. */
export interface InjectOptions {
  /** Sender id; default `alice`. */
  sender: string;
  /** Chat; default `general`. */
  chat: string;
  /** Thread, if any. */
  thread?: string;
  /** Message id; default a random UUID (the same id twice is a duplicate delivery). */
  id: string;
}

/** Options of {@link createFakeChannel}. */
export interface FakeChannelOptions {
  /** Channel name; default `fake`. */
  name?: string;
  /** Whether it supports in-place updates; default true. */
  updates?: boolean;
  /** Whether it shows progress; default true. */
  showsProgress?: boolean;
}

/** A channel double that records what the agent sends and lets a test speak as any sender. */
export function createFakeChannel(options: FakeChannelOptions = {}): FakeChannel {
  const name = options.name ?? 'fake';
  const sent: FakeSent[] = [];
  const working: Address[] = [];
  let runtime: ChannelRuntime | undefined;
  let failures = 0;
  let counter = 0;

  const deliver = async (message: InboundMessage) => {
    if (!runtime) throw new Error(`fake channel "${name}" is not started`);
    await runtime.receive(message);
    return message;
  };
  const base = (from: Partial<InjectOptions> = {}) => ({
    id: from.id ?? randomUUID(),
    channel: name,
    sender: { id: from.sender ?? 'alice' },
    address: { chat: from.chat ?? 'general', ...(from.thread ? { thread: from.thread } : {}) },
    receivedAt: new Date(),
  });

  const channel: FakeChannel = {
    name,
    sent,
    working,
    showsProgress: options.showsProgress ?? true,
    get running() {
      return runtime !== undefined;
    },
    async start(rt) {
      runtime = rt;
    },
    async stop() {
      runtime = undefined;
    },
    async send(address, message) {
      if (failures > 0) {
        failures -= 1;
        throw new Error('fake send failure');
      }
      counter += 1;
      const record: FakeSent = {
        id: String(counter),
        address,
        message,
        text: renderPlainText(message),
        updates: 0,
      };
      sent.push(record);
      return { address, id: record.id };
    },
    async indicateWorking(address) {
      working.push(address);
      return async () => {};
    },
    inject: (text, from) => deliver({ ...base(from), text }),
    press: (approvalId, decision, from) =>
      deliver({ ...base(from), action: { type: 'approval', approvalId, decision } }),
    texts: (chat) =>
      sent.filter((s) => chat === undefined || s.address.chat === chat).map((s) => s.text),
    failNextSends(count) {
      failures = count;
    },
  };
  if (options.updates !== false) {
    channel.update = async (ref: SentMessage, message: OutboundMessage) => {
      const record = sent.find((s) => s.id === ref.id);
      if (!record) throw new Error(`no sent message ${ref.id}`);
      record.message = message;
      record.text = renderPlainText(message);
      record.updates += 1;
    };
  }
  return channel;
}
