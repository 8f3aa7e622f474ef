import { stringify } from 'node:querystring';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/types.js';
import type { ClusterHandoff, HandoffSummary } from '../../../src/handoff/summary.js';
import type { AlertState, GroupState } from '../../../src/incidents/alerts/group-state.js';
import { alertParentMessage, alertReplyMessage } from '../../../src/report/alerts/alert-thread.js';
import { alertTriageMessage } from '../../../src/report/alerts/alert-triage.js';
import { handoffClusterMessages, handoffParentMessage } from '../../../src/report/handoff/handoff-slack.js';
import { detailsMessage, progressMessage, verdictMessage, type SlackMessage } from '../../../src/report/slack-blocks.js';
import { hasLoneSurrogate, hostileString } from './text-arbitraries.js';

/**
 * Outside text (alert labels and annotations, Alertmanager's URL, member names from Prometheus, user
 * text from the timeline) in every message the bot posts: what a user would see is the text as written,
 * never a mention, a channel ping or a disguised link; every message form-encodes.
 */

/**
 * Every string Slack reads as mrkdwn: the top-level text and each mrkdwn `text` inside the blocks
 * (plain_text, e.g. a button's label, is shown as written and has no markup to inject).
 */
function renderedStrings(m: SlackMessage, withPlain = false): string[] {
  const out = [m.text];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (typeof n === 'object' && n !== null) {
      const plain = (n as { type?: unknown }).type === 'plain_text';
      for (const [k, v] of Object.entries(n)) {
        if (k === 'text' && typeof v === 'string') {
          if (!plain || withPlain) out.push(v);
        } else walk(v);
      }
    }
  };
  walk(m.blocks);
  return out;
}

/**
 * Asserts that nothing in the message is Slack markup except `ours` (links and mentions the bot writes
 * itself), that sections stay within Slack's 3000 characters, and that the message encodes as a form.
 */
function expectSafe(m: SlackMessage, ours: RegExp[] = []): void {
  for (const s of renderedStrings(m)) {
    let rest = s;
    for (const r of ours) rest = rest.replace(new RegExp(r.source, 'g'), '');
    expect(rest, s.slice(0, 300)).not.toMatch(/[<>]/);
    expect(rest).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(hasLoneSurrogate(s)).toBe(false);
    expect(s.length).toBeLessThanOrEqual(40_000);
  }
  for (const b of m.blocks as Array<{ type: string; text?: { text: string } }>) {
    if (b.type === 'section' && b.text !== undefined) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  }
  expect(() => stringify({ text: m.text, blocks: JSON.stringify(m.blocks) })).not.toThrow();
  expect(() => encodeURIComponent(m.text)).not.toThrow();
}

const AM_LINK = /<https?:\/\/[^<>|\s]+\|Alertmanager>/;
const PERMALINK = /<https:\/\/[^<>|\s]+\|thread>/;
const MENTION = /<@[UW][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>/;
/** Slack's date formatting of our own timestamps. */
const DATE = /<!date\^\d+\^[^|<>]*\|[^<>]*>/;

const alert = (o: Partial<AlertState> = {}): AlertState => ({
  fingerprint: 'f1',
  alertname: 'etcdHighFsyncDurations',
  status: 'firing',
  startsAt: '2025-01-01T10:00:00Z',
  ...o,
});
const group = (alerts: AlertState[], o: Partial<GroupState> = {}): GroupState => ({
  gid: 'g1',
  groupKey: '{}:{alertname="x"}',
  cluster: 'lab',
  channel: 'C1',
  incarnation: 1,
  status: 'firing',
  firstFiringAt: '2025-01-01T10:00:00Z',
  reopened: 0,
  lastReceivedAt: 0,
  groupLabels: {},
  externalURL: 'http://alertmanager.example:9093',
  alerts: Object.fromEntries(alerts.map((a) => [a.fingerprint, a])),
  version: 1,
  triageSeq: 0,
  ...o,
});

function diagnosis(x: string): Diagnosis {
  return {
    cluster: 'lab',
    window: { start: '2025-01-01T10:00:00Z', end: '2025-01-01T10:15:00Z', seconds: 900 },
    healthy: false,
    headline: `Slow disk on ${x}`,
    members: [{ name: x, leader: true, up: true, version: '3.5.0' }],
    causes: [
      { playbook: 'disk', cause: 'slow', title: `Slow ${x}`, severity: 'critical', members: [x], confidence: 'high', score: 1, summary: `fsync on ${x}`, signals: [], suggestions: [] },
    ],
    consequences: [
      { playbook: 'disk', cause: 'backlog', title: 't', severity: 'warning', members: [x], confidence: 'low', score: 0, summary: `backlog ${x}`, signals: [], suggestions: [], attributed_to: x },
    ],
    findings: [
      { playbook: 'disk', title: 'Disk', checks: [{ playbook: 'disk', check: 'fsync', title: `fsync ${x}`, unit: 'seconds', severity: 'critical', values: [{ member: x, detail: x, value: 1, formatted: '1 s', severity: 'critical' }] }] },
    ],
    suggestions: [{ playbook: 'disk', id: 's', text: `check ${x}`, command: `ionice -p $(pgrep etcd) # ${x}`, members: [x] }],
    timeline: [{ at: '2025-01-01T10:05:00Z', member: x, text: `leader changed to ${x}` }],
    expensive_requests: [{ prefix: `/registry/${x}`, count: 2, total_ms: 10, max_ms: 5, response_bytes: 0, max_response_count: null, members: [x], dominant_step: x, example: x }],
    missing_evidence: [{ playbook: 'disk', check: x, reason: `absent ${x}` }],
    evidence: { queries: 3, failed_queries: 0, log_events: 1, collected_at: '2025-01-01T10:15:00Z', duration_ms: 10 },
  };
}

function handoff(x: string, o: { permalink?: string; user?: string; group?: string } = {}): HandoffSummary {
  const c: ClusterHandoff = {
    cluster: 'lab',
    quiet: false,
    warnings: [],
    counts: { fired: 1, resolved: 0, open: 1, why_slow: 1 },
    incidents: [
      { id: 'i1', alertnames: [x], members: [x], severity: x, status: 'open', started_at: '2025-01-01T10:00:00Z', duration_seconds: 60, started_in_period: true, verdict: x, channel: 'C1', permalink: o.permalink ?? 'https://standin.slack.com/archives/C1/p1' },
    ],
    incidents_not_listed: 0,
    why_slow: [{ at: '2025-01-01T10:00:00Z', requested_by: o.user ?? 'U0ALICE', window_seconds: 900, healthy: false, headline: x, members: [x], permalink: 'https://standin.slack.com/archives/C1/p2' }],
    why_slow_not_listed: 0,
    health: { status: 'unhealthy', headline: x, window_seconds: 900, members: [x], severity: 'critical' },
    trends: [{ id: 'fsync_p99', title: 'WAL fsync p99', text: x }],
    silences: [{ id: 's1', matchers: x, ends_at: '2025-01-01T12:00:00Z', expires_in_seconds: 60, created_by: x, comment: x } as ClusterHandoff['silences'][number]],
    open_items: [
      { kind: 'incident', id: 'o1', text: x },
      { kind: 'suggestion', id: 'o2', text: x, command: `etcdctl ${x}` },
      { kind: 'silence', id: 'o3', text: x, silence: 's1' },
    ] as ClusterHandoff['open_items'],
    nothing_outstanding: false,
    notes: [x],
  };
  return {
    generated_at: '2025-01-01T12:00:00Z',
    period: { since: '2025-01-01T00:00:00Z', until: '2025-01-01T12:00:00Z', seconds: 43200 },
    mention: o.group ?? 'S0ONCALL',
    clusters: [c, { ...c, cluster: x }],
  };
}

const hostileTexts = [
  '<!channel>',
  '<!here> <@U0EVIL> <#C0GENERAL> <!subteam^S0ALL>',
  'see <http://evil.example|the runbook>',
  'a & b &lt; c',
  `${'x'.repeat(2999)}😀`,
  `${'x'.repeat(2989)}😀`,
  'half \uD83D emoji',
];
/** [short name for the test title, the text]. */
const hostile = hostileTexts.map((x) => [x.length > 40 ? `${x.slice(0, 4)}… (${x.length} chars)` : x, x] as const);

describe('alert threads', () => {
  it('the parent shows labels, annotations and a javascript: URL as text, and a sane severity for "constructor"', () => {
    const g = group(
      [alert({ alertname: '<!channel> etcdHighFsyncDurations', severity: 'constructor', member: '<@U0EVIL>', summary: 'see <http://evil.example|click>' })],
      { externalURL: 'javascript:alert(1)' },
    );
    const m = alertParentMessage(g);
    expectSafe(m);
    const shown = renderedStrings(m).join('\n');
    expect(shown).toContain('&lt;!channel&gt; etcdHighFsyncDurations');
    expect(shown).toContain('severity *constructor*');
    expect(shown).not.toMatch(/function|native code|\[object/);
    expect(m.text.startsWith('🟠')).toBe(true);
    expect(shown).not.toContain('javascript:');
    expect(shown).toContain('details in thread · Alertmanager');
  });

  it('a severity named like an object property ranks as unknown, not as a JavaScript value', () => {
    for (const sev of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const m = alertParentMessage(group([alert({ severity: sev })]));
      expect(m.text).toMatch(/^🟠 FIRING/);
      expect(m.text).toContain(`severity ${sev}`);
    }
    expect(alertParentMessage(group([alert({ severity: 'CRITICAL' })])).text).toMatch(/^🔴/);
  });

  it('an http(s) externalURL stays a link', () => {
    const m = alertParentMessage(group([alert()], { externalURL: 'http://am.example:9093/?a=1&b=2' }));
    expect(JSON.stringify(m.blocks)).toContain('<http://am.example:9093/?a=1&amp;b=2|Alertmanager>');
  });

  it.each(hostile)('parent, replies and triage stay text for %j', (_, x) => {
    const a = alert({ alertname: x, severity: x, member: x, summary: x });
    const g = group([a], { cluster: x, externalURL: x, triage: { id: 1, state: 'done', alertnames: [x], members: [x], requestedAt: 0, headline: x } });
    expectSafe(alertParentMessage(g), [AM_LINK]);
    expectSafe(alertParentMessage({ ...g, status: 'resolved', resolvedAt: '2025-01-01T11:00:00Z' }), [AM_LINK]);
    expectSafe(alertReplyMessage({ kind: 'changed', added: [a, a], resolved: [a] }, g));
    expectSafe(alertReplyMessage({ kind: 'reopened', added: [a] }, g));
    expectSafe(alertTriageMessage(diagnosis(x), { alertnames: [x, x], members: [x], playbooks: [x] }));
  });

  it('for any label and annotation values: no markup but our Alertmanager link; every message encodes', () => {
    fc.assert(
      fc.property(hostileString(), hostileString(), hostileString(), hostileString(), hostileString(), (name, sev, member, summary, url) => {
        const a = alert({ alertname: name, severity: sev, member, summary });
        const g = group([a, alert({ fingerprint: 'f2', alertname: summary })], { externalURL: url, cluster: member });
        expectSafe(alertParentMessage(g), [AM_LINK]);
        expectSafe(alertReplyMessage({ kind: 'changed', added: [a], resolved: [a] }, g));
        expectSafe(alertTriageMessage(diagnosis(name), { alertnames: [name], members: [member], playbooks: ['disk'] }));
      }),
      { numRuns: 200 },
    );
  });
});

describe('why-slow messages', () => {
  it.each(hostile)('progress, verdict and details stay text for %j', (_, x) => {
    const d = { ...diagnosis(x), cluster: x };
    expectSafe(progressMessage({ cluster: x, windowSeconds: 900, requestedBy: 'U0ALICE' }, { stage: 'failed', reason: x, willRetry: false }), [MENTION]);
    expectSafe(progressMessage({ cluster: x, windowSeconds: 900, requestedBy: x }, { stage: 'queued' }));
    expectSafe(verdictMessage(d, { cluster: x, windowSeconds: 900, requestedBy: 'U0ALICE' }), [MENTION]);
    expectSafe(detailsMessage(d));
  });

  it('a diagnosis read back with an unknown severity gets a plain warning icon, not JavaScript internals', () => {
    const d = diagnosis('etcd-1');
    const odd = { ...d, causes: d.causes.map((c) => ({ ...c, severity: 'constructor' as unknown as 'critical' })) };
    const m = verdictMessage(odd, { cluster: 'lab', windowSeconds: 900 });
    expect(m.text).not.toMatch(/function|native code/);
    expect(JSON.stringify(m.blocks)).toContain('⚠️ *lab*');
  });

    it('a suggested command shows outside text inside it as text', () => {
    const shown = JSON.stringify(detailsMessage(diagnosis('<!here>')).blocks);
    expect(shown).toContain('# &lt;!here&gt;');
  });
});

describe('handoff messages', () => {
  it.each(hostile)('parent and details stay text for %j', (_, x) => {
    const s = handoff(x);
    expectSafe(handoffParentMessage(s), [MENTION, DATE]);
    for (const m of handoffClusterMessages(s.clusters[0]!)) expectSafe(m, [MENTION, PERMALINK, DATE]);
    for (const m of handoffClusterMessages(s.clusters[1]!)) expectSafe(m, [MENTION, PERMALINK, DATE]);
  });

  it('a permalink that is not http(s), a user id or group id that is not an id, are not markup', () => {
    const s = handoff('ok', { permalink: 'javascript:alert(1)', user: 'U1><!channel', group: 'S1>|<!here' });
    expectSafe(handoffParentMessage(s), [DATE]);
    const details = handoffClusterMessages(s.clusters[0]!);
    for (const m of details) expectSafe(m, [DATE, PERMALINK]);
    const shown = details.flatMap((m) => renderedStrings(m)).join('\n');
    expect(shown).not.toContain('javascript:');
    expect(shown).toContain('by U1&gt;&lt;!channel');
  });

  it('"done" buttons cut the suggestion without splitting an emoji', () => {
    const text = `${'x'.repeat(58)}😀 and more`;
    const [msg] = handoffClusterMessages({ ...handoff('x').clusters[0]!, open_items: [{ kind: 'suggestion', id: 'o2', text }] as ClusterHandoff['open_items'] });
    const button = JSON.stringify(msg!.blocks.at(-1));
    expect(button).toContain('✔ Done: ');
    for (const s of renderedStrings(msg!, true)) expect(hasLoneSurrogate(s)).toBe(false);
  });
});
