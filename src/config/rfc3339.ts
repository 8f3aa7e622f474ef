import { z } from 'zod';

export const RFC3339_EXAMPLE = '2024-05-01T10:00:00Z';

/**
 * A time as RFC 3339 writes it (and Go's time.RFC3339Nano, hence Alertmanager): full date, time,
 * optional fraction, and a zone, Z or ±hh:mm; impossible dates (Feb 30) are refused. Date.parse alone
 * also takes "May 1 2024", "2024-05-01" or a time without a zone, read in the bot's own time zone:
 * a window or an alert quietly hours off. Every time that enters the program goes through this.
 */
export const rfc3339Time = z.iso.datetime({ offset: true, error: `must be an RFC 3339 time such as ${RFC3339_EXAMPLE}` });

/** Unix ms of an RFC 3339 time; undefined for anything else. */
export function parseRfc3339(text: string): number | undefined {
  if (!rfc3339Time.safeParse(text).success) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
