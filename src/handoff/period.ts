import { parseDuration } from '../config/duration.js';
import { boundedQuote } from '../delivery/text-cut.js';
import { formatDuration } from '../diagnosis/window.js';

const daysOrDuration = (s: number): string => (s % 86400 === 0 ? `${s / 86400}d` : formatDuration(s));

/**
 * The `since` of a handoff as typed ("12h", "90m", "2d"): strictly parsed, at least a minute, and no
 * further back than the timeline keeps events, since an older start would silently miss incidents.
 */
export type SinceParse =
  | { ok: true; seconds: number }
  | { ok: false; reason: 'bad-since'; message: string }
  | { ok: false; reason: 'beyond-retention'; message: string };

export const MIN_SINCE_SECONDS = 60;

export function parseSince(text: string, retentionSeconds: number): SinceParse {
  const seconds = parseDuration(text);
  // Echoed text is quoted short, on one line: it goes back into a chat message or a terminal.
  if (seconds === undefined || seconds < MIN_SINCE_SECONDS) {
    return { ok: false, reason: 'bad-since', message: `${boundedQuote(text, 20, '"')} is not a period: use a number and a unit of at least a minute, e.g. 12h, 90m or 2d` };
  }
  if (seconds > retentionSeconds) {
    return {
      ok: false,
      reason: 'beyond-retention',
      message: `${text.trim()} reaches past the ${daysOrDuration(retentionSeconds)} the timeline keeps (handoff.retentionDays): use at most ${daysOrDuration(retentionSeconds)}`,
    };
  }
  return { ok: true, seconds };
}
