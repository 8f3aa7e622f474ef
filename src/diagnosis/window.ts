import { parseDuration } from '../config/duration.js';
import { boundedQuote } from '../delivery/text-cut.js';

/**
 * Windows as people type them: 30s, 15m, 2h, 1d. Parsed strictly and bounded so that user text never
 * reaches PromQL (the window goes into queries as a number of seconds we computed).
 */
export const MIN_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 24 * 3600;

export type WindowParse = { ok: true; seconds: number } | { ok: false; reason: string };

export function parseWindow(
  text: string,
  min = MIN_WINDOW_SECONDS,
  max = MAX_WINDOW_SECONDS,
): WindowParse {
  const seconds = parseDuration(text);
  // The reason goes back to whoever typed the text (a chat answer, a terminal): it quotes the text
  // bounded, so a 10,000-character "window" gets a short answer.
  if (seconds === undefined) {
    return { ok: false, reason: `${boundedQuote(text, 40, '"')} is not a window: use a number and a unit, e.g. 15m, 2h or 90s` };
  }
  if (seconds < min || seconds > max) {
    return {
      ok: false,
      reason: `window ${text.trim()} is out of range: allowed ${formatDuration(min)} to ${formatDuration(max)}`,
    };
  }
  return { ok: true, seconds };
}

/** The shortest exact form: 900 → "15m", 5400 → "90m", 86400 → "24h". */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
