import type { Address } from '../contracts/channel.js';

/**
 * The key of the conversation held at `address` on `channel`: `channel|chat|thread`, with the
 * thread part empty when the medium has no thread (`slack|C123|` for a channel-level chat).
 */
export function conversationKey(
  channel: string,
  address: Pick<Address, 'chat' | 'thread'>,
): string {
  return `${channel}|${address.chat}|${address.thread ?? ''}`;
}
