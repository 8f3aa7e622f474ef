/** Durations and times as a person reads them on a phone: "2h 10m", "3d 4h", "14:32 UTC". */

export function spanText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** "2025-03-01 14:32 UTC": unambiguous in a terminal and in a pasted text. */
export function utcText(iso: string | number): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is for clients that cannot. */
export function slackTime(iso: string | number, format = '{date_short_pretty} {time}'): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  return `<!date^${Math.floor(ms / 1000)}^${format}|${utcText(ms)}>`;
}
