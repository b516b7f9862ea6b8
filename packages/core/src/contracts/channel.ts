import type { Logger } from './logger.js';
import type { OutboundMessage } from './message.js';

/** Where a message goes or came from, within one channel. */
export interface Address {
  /** The chat, room, DM or terminal, e.g. a Slack channel id, a Signal group or number. */
  chat: string;
  /** The thread inside the chat, if the medium has threads. */
  thread?: string;
}

/** Who sent an inbound message, as the channel knows them. Authorisation is not decided here. */
export interface Sender {
  /** The channel's own id for the sender (Slack user id, phone number, OS user). */
  id: string;
  /** Display name, when the channel knows it. */
  name?: string;
}

/** A button press or reaction that decides an approval. */
export interface ApprovalAction {
  /** Always `approval`. */
  type: 'approval';
  /** The approval being decided. */
  approvalId: string;
  /** The decision. */
  decision: 'approve' | 'reject';
}

/** One normalised inbound event, whatever the medium. */
export interface InboundMessage {
  /** Unique per channel; repeated deliveries of the same event carry the same id. */
  id: string;
  /** Name of the channel it came through. */
  channel: string;
  /** Who sent it. */
  sender: Sender;
  /** Where it came from; replies go back here. */
  address: Address;
  /** The text typed, if any. */
  text?: string;
  /** A button or reaction, if this is one. */
  action?: ApprovalAction;
  /**
   * Set when the sender did not address the agent but wrote in a thread it may own (a Slack
   * thread reply without a mention). The runtime handles it only while that thread's conversation
   * is open and within the inactivity timeout; otherwise, or from an unknown sender, it is
   * dropped without a reply, a busy note or an audit record.
   */
  followUp?: boolean;
  /** When the channel received it. */
  receivedAt: Date;
}

/** A reference to a sent message, for in-place updates. */
export interface SentMessage {
  /** The address it was sent to. */
  address: Address;
  /** The channel's id for the message (Slack `ts`, Signal timestamp, a console counter). */
  id: string;
}

/** What a channel needs from the runtime while it runs. */
export interface ChannelRuntime {
  /** Hands one inbound message to the runtime; resolves once it is accepted (not answered). */
  receive(message: InboundMessage): Promise<void>;
  /** Logger bound to the channel. */
  logger: Logger;
}

/** A chat medium: console, Slack, Signal. */
export interface Channel {
  /** Unique name, e.g. `console`, `slack`; used in config and principal identities. */
  readonly name: string;
  /** Starts listening; inbound messages go to `runtime.receive`. */
  start(runtime: ChannelRuntime): Promise<void>;
  /** Stops listening and releases connections. Idempotent. */
  stop(): Promise<void>;
  /** Sends a message, rendered in the channel's medium. */
  send(address: Address, message: OutboundMessage): Promise<SentMessage>;
  /** Replaces a sent message in place, where the medium allows. */
  update?(sent: SentMessage, message: OutboundMessage): Promise<void>;
  /** Shows a typing/thinking indicator until the returned function is called. */
  indicateWorking?(address: Address): Promise<() => Promise<void>>;
  /** True when the channel should receive progress updates (which tool runs). */
  readonly showsProgress?: boolean;
}
