import type { Config } from '../config/schema.js';
import type { Playbook } from '../diagnosis/playbook/schema.js';
import type { Origin } from '../diagnosis/request.js';
import type { TimelineStore } from '../incidents/timeline/timeline-store.js';
import type { PrometheusRegistry } from '../sources/prometheus/registry.js';
import { buildClusterHandoff, linkKey, WHY_SLOW_LISTED, type ClusterHandoffInput } from './build.js';
import { healthNow } from './health.js';
import { fetchActiveSilences, silenceCoverage, silenceSummary, type Silence } from './silences.js';
import type { ClusterHandoff, HandoffSummary } from './summary.js';
import { collectTrends, type TrendResult } from './trends.js';

/** Where an alert group's Slack thread is (the incident store answers this). */
export interface ThreadLookup {
  thread(gid: string, incarnation: number): Promise<{ parentTs?: string }>;
}

export interface HandoffDeps {
  config: Config;
  playbooks: Playbook[];
  prometheus: PrometheusRegistry;
  timeline: TimelineStore;
  threads?: ThreadLookup;
  /** chat.getPermalink; without it (CLI without a Slack token) the summary has no links. */
  permalink?: (channel: string, ts: string) => Promise<string>;
  silences?: (apiUrl: string) => Promise<Silence[]>;
  /** Leave out the quick diagnosis and the trends (Prometheus); for tests of the timeline part. */
  skipPrometheus?: boolean;
}

export interface HandoffRequest {
  clusters: string[];
  sinceMs: number;
  untilMs: number;
  mention?: string;
  origin: Origin;
}

/**
 * Everything a handoff needs, gathered per cluster concurrently: the timeline, the quick diagnosis,
 * the trends and the silences. A source that fails becomes a note in the summary, never a failed handoff.
 */
export async function gatherHandoff(deps: HandoffDeps, req: HandoffRequest): Promise<HandoffSummary> {
  const silencesByUrl = new Map<string, Promise<Silence[]>>();
  const silencesOf = (url: string): Promise<Silence[]> => {
    let p = silencesByUrl.get(url);
    if (p === undefined) {
      p = (deps.silences ?? fetchActiveSilences)(url);
      silencesByUrl.set(url, p);
    }
    return p;
  };
  const clusters = await Promise.all(req.clusters.map((c) => gatherCluster(deps, req, c, silencesOf)));
  return {
    generated_at: new Date(req.untilMs).toISOString(),
    period: {
      since: new Date(req.sinceMs).toISOString(),
      until: new Date(req.untilMs).toISOString(),
      seconds: Math.round((req.untilMs - req.sinceMs) / 1000),
    },
    ...(req.mention === undefined ? {} : { mention: req.mention }),
    clusters,
  };
}

async function gatherCluster(
  deps: HandoffDeps,
  req: HandoffRequest,
  name: string,
  silencesOf: (url: string) => Promise<Silence[]>,
): Promise<ClusterHandoff> {
  const cluster = deps.config.clusters[name];
  if (cluster === undefined) throw new Error(`unknown cluster ${name}`);
  const handoff = deps.config.handoff;
  const period = { sinceMs: req.sinceMs, untilMs: req.untilMs };
  const notes: string[] = [];

  const amUrl = cluster.alertmanagerApiUrl ?? handoff.alertmanagerApiUrl;
  const [read, open, health, trends, silences] = await Promise.all([
    deps.timeline.between(name, req.sinceMs, req.untilMs),
    deps.timeline.open(name),
    deps.skipPrometheus === true
      ? Promise.resolve({ status: 'unknown' as const, reason: 'not checked' })
      : healthNow(deps, name, req.origin),
    deps.skipPrometheus === true
      ? Promise.resolve<TrendResult>({ trends: [], watch: [], notes: [] })
      : collectTrends(deps.prometheus.forCluster(name), cluster, period, handoff.quotaWatchDays).catch(
          (err: unknown): TrendResult => ({ trends: [], watch: [], notes: [`trends: ${String(err)}`] }),
        ),
    amUrl === undefined
      ? Promise.resolve(undefined)
      : silencesOf(amUrl).then(
          (all) => all,
          (err: unknown) => {
            notes.push(`silences unknown: ${err instanceof Error ? err.message : String(err)}`);
            return undefined;
          },
        ),
  ]);
  if (read.unreadable > 0) notes.push(`${read.unreadable} timeline entries could not be read and were skipped`);
  notes.push(...trends.notes);
  if (amUrl === undefined) notes.push('silences not checked: no Alertmanager API URL configured (handoff.alertmanagerApiUrl)');

  // What identifies this cluster's alerts: the labels alerts are matched by, and the cluster label.
  const identity: Record<string, string> = { ...(cluster.alerts?.match ?? cluster.selector) };
  for (const l of deps.config.alertmanager?.clusterLabels ?? ['cluster']) identity[l] ??= name;
  const active = (silences ?? [])
    .filter((s) => {
      const { covers, problems } = silenceCoverage(s, identity);
      for (const p of problems) notes.push(`silence ${s.id}: ${p}; listed, as it may mute this cluster`);
      return covers;
    })
    .map((s) => silenceSummary(s, req.untilMs))
    .sort((a, b) => a.ends_at.localeCompare(b.ends_at));

  const input: ClusterHandoffInput = {
    cluster: name,
    ...period,
    events: read.events,
    open,
    permalinks: new Map(),
    threads: new Map(),
    health,
    trends: trends.trends,
    watch: trends.watch,
    silences: active,
    notes,
    maxIncidents: handoff.maxIncidentsListed,
  };
  // A first pass says which incidents are listed; only those get a thread link (one Slack call each,
  // remembered in Redis), so a storm of groups never turns into a storm of API calls.
  const draft = buildClusterHandoff(input);
  const threads = new Map<string, string>();
  await Promise.all(
    draft.incidents.map(async (i) => {
      const [gid, inc] = splitIncidentId(i.id);
      const t = await deps.threads?.thread(gid, inc).catch(() => undefined);
      if (t?.parentTs !== undefined) threads.set(i.id, t.parentTs);
    }),
  );
  const wanted: Array<{ channel: string; ts: string }> = [];
  for (const i of draft.incidents) {
    const ts = threads.get(i.id);
    if (ts !== undefined) wanted.push({ channel: i.channel, ts });
  }
  const runs = read.events.flatMap((e) => (e.kind === 'why-slow' ? [e] : [])).slice(-WHY_SLOW_LISTED);
  for (const e of runs) if (e.channel !== undefined && e.parentTs !== undefined) wanted.push({ channel: e.channel, ts: e.parentTs });
  const permalinks = await resolvePermalinks(deps, wanted, notes);
  return buildClusterHandoff({ ...input, threads, permalinks });
}

function splitIncidentId(id: string): [string, number] {
  const dot = id.lastIndexOf('.');
  return [id.slice(0, dot), Number(id.slice(dot + 1))];
}

async function resolvePermalinks(
  deps: HandoffDeps,
  wanted: ReadonlyArray<{ channel: string; ts: string }>,
  notes: string[],
): Promise<Map<string, string>> {
  const keys = [...new Set(wanted.map((w) => linkKey(w.channel, w.ts)))];
  const known = await deps.timeline.permalinks(keys);
  const ask = deps.permalink;
  if (ask === undefined) return known;
  const fresh = new Map<string, string>();
  let failed = 0;
  const missing = keys.filter((k) => !known.has(k));
  // Four at a time: permalinks are cheap for Slack but a long shift can list many threads.
  for (let i = 0; i < missing.length; i += 4) {
    await Promise.all(
      missing.slice(i, i + 4).map(async (k) => {
        const slash = k.indexOf('/');
        try {
          fresh.set(k, await ask(k.slice(0, slash), k.slice(slash + 1)));
        } catch {
          failed++;
        }
      }),
    );
  }
  if (failed > 0) notes.push(`${failed} thread link(s) could not be fetched from Slack`);
  await deps.timeline.savePermalinks(fresh).catch(() => undefined);
  return new Map([...known, ...fresh]);
}
