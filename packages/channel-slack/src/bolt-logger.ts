import type { Logger } from '@opsagent/core';
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';

/**
 * Bolt's logger interface over ours. `current` is read on each call, so the runtime's logger is
 * used once the channel starts. Bolt's info chatter goes to debug; its warnings and errors stay.
 */
export function boltLogger(current: () => Logger): SlackLogger {
  let level: LogLevel = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    debug: (...msg: unknown[]) => current().debug({ component: 'bolt' }, text(msg)),
    info: (...msg: unknown[]) => current().debug({ component: 'bolt' }, text(msg)),
    warn: (...msg: unknown[]) => current().warn({ component: 'bolt' }, text(msg)),
    error: (...msg: unknown[]) => current().error({ component: 'bolt' }, text(msg)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
