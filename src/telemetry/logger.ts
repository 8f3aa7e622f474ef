import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stderr (stdout belongs to the CLI's output). Secrets never reach a log line: tokens are
 * redacted by path wherever they could appear.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { app: 'etcd-triage' },
      redact: { paths: ['*.token', '*.authorization', 'headers.authorization', '*.botToken', '*.signingSecret'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
