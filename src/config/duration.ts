/**
 * Durations as people write them in config and commands: 30s, 15m, 2h, 1d. Strict: a number (at most six
 * digits) and one unit, nothing else, so what a user typed never reaches a query as text.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Exactly a number of at most six digits and one unit: what parseDuration reads and the config admits. */
export const DURATION_PATTERN = /^(\d{1,6})([smhd])$/;

/** Seconds, or undefined when `text` is not exactly a number and a unit. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT_SECONDS[m[2]!];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
