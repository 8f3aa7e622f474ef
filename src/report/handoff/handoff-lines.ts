import { formatDuration } from '../../diagnosis/window.js';
import type { ClusterHandoff, HandoffSummary, IncidentSummary, OpenItem } from '../../handoff/summary.js';
import { spanText } from '../../handoff/time-text.js';

/**
 * The words of a handoff, shared by Slack, text and markdown so that all three say the same thing.
 * A `Style` decides how emphasis, links, times and people look in each medium.
 */
export interface Style {
  bold(s: string): string;
  /** User text (alert names, headlines, comments): escaped for the medium. */
  esc(s: string): string;
  /** User text shown as code (a command): escaped, and unable to end the code early. */
  code(s: string): string;
  /** A link to a URL we were given (a permalink); the label is ours. */
  link(url: string, label: string): string;
  time(iso: string): string;
  user(id: string): string;
  group(id: string): string;
}

export interface Section {
  title: string;
  lines: string[];
}

export function periodLine(s: HandoffSummary, st: Style): string {
  const mention = s.mention === undefined ? '' : ` · for ${st.group(s.mention)}`;
  return `${st.time(s.period.since)} → ${st.time(s.period.until)} (${spanText(s.period.seconds)})${mention}`;
}

export function healthText(c: ClusterHandoff, st: Style): string {
  const h = c.health;
  switch (h.status) {
    case 'healthy':
      return `✅ healthy now (last ${formatDuration(h.window_seconds)})`;
    case 'unhealthy': {
      const where = h.members.length > 0 ? ` on ${st.esc(h.members.join(', '))}` : '';
      return `${h.severity === 'critical' ? '🔴' : '🟠'} now: ${st.esc(h.headline)}${where}`;
    }
    case 'unknown':
      return `❔ health now unknown: ${st.esc(h.reason)}`;
  }
}

/** One line per cluster for the parent message: counts, health, and whether anything is left open. */
export function clusterHeadline(c: ClusterHandoff, st: Style): string {
  if (c.quiet) return `🌙 ${st.bold(st.esc(c.cluster))}: quiet shift, no alerts and no why-slow runs · ${healthText(c, st)}`;
  const parts = [
    c.counts.open > 0 ? `🔴 ${c.counts.open} open` : undefined,
    `${c.counts.fired} fired`,
    `${c.counts.resolved} resolved`,
    c.counts.why_slow > 0 ? `${c.counts.why_slow} why-slow` : undefined,
  ].filter((x): x is string => x !== undefined);
  return `${st.bold(st.esc(c.cluster))}: ${parts.join(' · ')} · ${healthText(c, st)}`;
}

export function outstandingLine(c: ClusterHandoff): string {
  if (c.nothing_outstanding) return '✅ Nothing outstanding.';
  const n = c.open_items.length;
  return `⚠️ ${n} open item${n === 1 ? '' : 's'}`;
}

function incidentLine(i: IncidentSummary, st: Style): string {
  const names = st.bold(st.esc(i.alertnames.join(', ') || 'alert group'));
  const sev = i.severity === undefined ? '' : ` (${st.esc(i.severity)})`;
  const on = i.members.length > 0 ? ` on ${st.esc(i.members.join(', '))}` : '';
  const when =
    i.status === 'open'
      ? `🔴 open for ${spanText(i.duration_seconds)}, since ${st.time(i.started_at)}`
      : `✅ ${spanText(i.duration_seconds)}, ${st.time(i.started_at)} → ${st.time(i.resolved_at ?? i.started_at)}`;
  const verdict = i.verdict === undefined ? '' : ` — triage: ${st.esc(i.verdict)}`;
  const link = i.permalink === undefined ? '' : ` · ${st.link(i.permalink, 'thread')}`;
  return `${when} · ${names}${sev}${on}${verdict}${link}`;
}

function openItemLine(o: OpenItem, c: ClusterHandoff, st: Style): string {
  switch (o.kind) {
    case 'incident':
      return `🔴 unresolved: ${st.esc(o.text)}`;
    case 'suggestion':
      return `🛠 suggested, not confirmed done: ${st.esc(o.text)}${o.command === undefined ? '' : ` (${st.code(o.command)})`}`;
    case 'silence': {
      // The silence in full where it is listed: what it mutes, until when, who set it and why.
      const s = c.silences.find((x) => x.id === o.silence);
      if (s === undefined) return `🔕 ${st.esc(o.text)}`;
      return `🔕 silence ${st.esc(s.matchers)} until ${st.time(s.ends_at)} (in ${spanText(s.expires_in_seconds)}) by ${st.esc(s.created_by)}: ${st.esc(s.comment)}`;
    }
    case 'watch':
      return `👀 watch: ${st.esc(o.text)}`;
    case 'warning':
      return `⚠️ ${st.esc(o.text)}`;
    case 'health':
      return `🩺 ${st.esc(o.text)}`;
  }
}

/** The details of one cluster, in the order an incoming engineer reads them. */
export function clusterSections(c: ClusterHandoff, st: Style): Section[] {
  const out: Section[] = [];
  if (c.incidents.length > 0) {
    const lines = c.incidents.map((i) => incidentLine(i, st));
    if (c.incidents_not_listed > 0) lines.push(`… and ${c.incidents_not_listed} more`);
    out.push({ title: 'Incidents', lines });
  }
  if (c.why_slow.length > 0) {
    out.push({
      title: 'why-slow runs',
      lines: c.why_slow.map((w) => {
        const who = w.requested_by === undefined ? '' : ` by ${st.user(w.requested_by)}`;
        const link = w.permalink === undefined ? '' : ` · ${st.link(w.permalink, 'thread')}`;
        return `${w.healthy ? '✅' : '🔎'} ${st.time(w.at)}${who} (last ${formatDuration(w.window_seconds)}): ${st.esc(w.headline)}${link}`;
      }),
    });
    if (c.why_slow_not_listed > 0) out.at(-1)!.lines.unshift(`… ${c.why_slow_not_listed} earlier run(s) not listed`);
  }
  if (c.warnings.length > 0) {
    out.push({
      title: 'Early warnings (watch)',
      lines: c.warnings.map((w) => {
        const span = w.recovered_at === undefined ? 'still open' : `recovered at ${st.time(w.recovered_at)}`;
        return `${w.status === 'open' ? '👀' : '✅'} since ${st.time(w.since)}, ${span}: ${st.esc(w.causes.join('; '))}`;
      }),
    });
  }
  out.push({ title: 'Health now', lines: [healthText(c, st)] });
  if (c.trends.length > 0) out.push({ title: 'Trends over the period', lines: c.trends.map((t) => `${t.title}: ${st.esc(t.text)}`) });
  out.push({
    title: 'Open items',
    lines: c.nothing_outstanding ? ['✅ Nothing outstanding.'] : c.open_items.map((o) => openItemLine(o, c, st)),
  });
  if (c.notes.length > 0) out.push({ title: 'Not known', lines: c.notes.map((n) => `⚠️ ${st.esc(n)}`) });
  return out;
}
