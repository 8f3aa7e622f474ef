import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * Bolt and @slack/web-api log through @slack/logger's interface; this routes them into the bot's pino
 * logger so everything ends up in one structured stream. The SDK passes loosely typed arguments: strings are joined into the
 * message and Error objects are kept as `err`.
 */
export function slackLogger(base: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const log = base.child({ component: 'slack-sdk' });
  const emit = (method: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void => {
    // The SDK logs every request body at debug: skip the formatting when that level is off.
    if (!log.isLevelEnabled(method)) return;
    const err = args.find((a): a is Error => a instanceof Error);
    const msg = args
      .filter((a) => !(a instanceof Error))
      .map((a) => (typeof a === 'string' ? a : safeJson(a)))
      .join(' ');
    if (err === undefined) log[method](msg);
    else log[method]({ err }, msg);
  };
  return {
    debug: (...args: unknown[]) => emit('debug', args),
    info: (...args: unknown[]) => emit('info', args),
    warn: (...args: unknown[]) => emit('warn', args),
    error: (...args: unknown[]) => emit('error', args),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
