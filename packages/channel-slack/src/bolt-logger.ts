import type { Logger } from '@opsagent/core';
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';

/** True when the logger would write debug records (pino's `isLevelEnabled`; otherwise no). */
function debugEnabled(logger: Logger): boolean {
  const check = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return typeof check === 'function' && check.call(logger, 'debug');
}

function text(msg: unknown[]): string {
  return msg
    .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
    .join(' ');
}

/**
 * Bolt's logger interface over ours. `current` is read on each call, so the runtime's logger is
 * used once the channel starts. Bolt's debug and info chatter goes to debug, and is not even
 * formatted unless debug is on (Bolt logs on every request); its warnings and errors stay.
 */
export function boltLogger(current: () => Logger): SlackLogger {
  let level: LogLevel = LogLevel.INFO;
  const chatter = (...msg: unknown[]) => {
    const logger = current();
    if (debugEnabled(logger)) logger.debug({ component: 'bolt' }, text(msg));
  };
  return {
    debug: chatter,
    info: chatter,
    warn: (...msg: unknown[]) => current().warn({ component: 'bolt' }, text(msg)),
    error: (...msg: unknown[]) => current().error({ component: 'bolt' }, text(msg)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
