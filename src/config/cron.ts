import { CronExpressionParser } from 'cron-parser';

/**
 * Why a handoff schedule's cron expression cannot be scheduled, or undefined when it can.
 *
 * Scheduled handoffs are BullMQ job schedulers, and BullMQ reads the pattern with cron-parser (the same
 * version is our direct dependency). Checking with that parser at config load catches what a field count
 * cannot (an hour of 25, a weekday of 8, the 31st of April); otherwise BullMQ would throw when a worker
 * upserts the schedule, or, when the next tick cannot be computed, silently never post.
 */
export function cronProblem(expression: string, now: Date = new Date()): string | undefined {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    return `must be a cron expression with 5 fields (m h dom mon dow) or 6 (with seconds first), e.g. "0 8,20 * * *"; "${expression}" has ${fields}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: now }).next();
    return undefined;
  } catch (err) {
    return `"${expression}" is not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}
