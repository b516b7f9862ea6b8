import type { Address, InboundMessage } from './channel.js';
import type { Logger } from './logger.js';
import type { OutboundMessage } from './message.js';
import type { Principal, Role } from './roles.js';

/** What a command handler is given. */
export interface CommandContext {
  /** The words after the command name. */
  args: string[];
  /** The whole inbound message. */
  message: InboundMessage;
  /** Who asked, with roles. */
  principal: Principal;
  /** Where the reply goes. */
  address: Address;
  /** Logger bound to the command. */
  logger: Logger;
  /** Aborted when the agent stops. */
  signal: AbortSignal;
}

/**
 * A deterministic handler for a chat keyword (`status`, `help`, `approve <id>`), answered with
 * no model call. Matched on the first word of the message, case-insensitively.
 */
export interface Command {
  /** The keyword, lower case, e.g. `status`. */
  readonly name: string;
  /** Other keywords that run it. */
  readonly aliases?: readonly string[];
  /** One line for `help`. */
  readonly description: string;
  /** Argument syntax for `help`, e.g. `<id>`. */
  readonly usage?: string;
  /** Least role needed to run it; defaults to `viewer`. */
  readonly role?: Role;
  /** Answers the command. */
  run(ctx: CommandContext): Promise<OutboundMessage | string>;
}

/** Identity helper for type inference. */
export function defineCommand(command: Command): Command {
  return command;
}
