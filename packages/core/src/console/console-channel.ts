import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Address, Channel, ChannelRuntime, SentMessage } from '../contracts/channel.js';
import type { OutboundMessage } from '../contracts/message.js';
import { renderPlainText } from '../runtime/render.js';

/** Options of {@link createConsoleChannel}. */
export interface ConsoleChannelOptions {
  /** Where lines are read; default standard input. */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where replies are written; default standard output. */
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Sender id of whoever types; default the OS user name. Principals list it under `console`. */
  user?: string;
  /** Show a `> ` prompt and a thinking indicator; default when input and output are TTYs. */
  interactive?: boolean;
  /** First line printed on start, when interactive. */
  greeting?: string;
}

/** A terminal chat. */
export interface ConsoleChannel extends Channel {
  /** Resolves when the input ends (Ctrl-D, or the end of piped input). */
  readonly closed: Promise<void>;
}

/** The address every console message uses. */
export const CONSOLE_ADDRESS: Address = { chat: 'console' };

/** Chat in the terminal: each line is a message; replies are rendered as plain text. */
export function createConsoleChannel(options: ConsoleChannelOptions = {}): ConsoleChannel {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const interactive = options.interactive ?? Boolean(input.isTTY && output.isTTY);
  const user = options.user ?? safeUserName();
  let counter = 0;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let rl: ReturnType<typeof createInterface> | undefined;

  const write = (text: string) => {
    output.write(`${text}\n`);
  };
  const prompt = () => {
    if (interactive && rl) rl.prompt();
  };

  return {
    name: 'console',
    showsProgress: true,
    closed,
    async start(runtime: ChannelRuntime) {
      rl = createInterface({
        input,
        output: interactive ? output : undefined,
        terminal: interactive,
      });
      rl.setPrompt('> ');
      if (interactive && options.greeting) write(options.greeting);
      rl.on('line', (line) => {
        const text = line.trim();
        if (!text) {
          prompt();
          return;
        }
        if (interactive && (text === 'exit' || text === 'quit')) {
          rl?.close();
          return;
        }
        void runtime
          .receive({
            id: randomUUID(),
            channel: 'console',
            sender: { id: user, name: user },
            address: CONSOLE_ADDRESS,
            text,
            receivedAt: new Date(),
          })
          .catch((error: unknown) =>
            runtime.logger.error({ err: error }, 'could not accept a console line'),
          );
      });
      rl.on('SIGINT', () => rl?.close());
      rl.on('close', () => resolveClosed());
      prompt();
    },
    async stop() {
      rl?.close();
      resolveClosed();
    },
    async send(address: Address, message: OutboundMessage): Promise<SentMessage> {
      const text = renderPlainText(message);
      if (message.kind === 'progress') write(interactive ? `\x1b[2m… ${text}\x1b[0m` : `… ${text}`);
      else {
        write(`${text}\n`);
      }
      if (message.kind !== 'progress') prompt();
      counter += 1;
      return { address, id: String(counter) };
    },
    async indicateWorking() {
      if (!interactive) return async () => {};
      output.write('\x1b[2mthinking…\x1b[0m\r');
      return async () => {
        output.write('\x1b[2K\r');
      };
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'local';
  }
}
