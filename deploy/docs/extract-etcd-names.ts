/**
 * Builds deploy/docs/etcd-name-table.ts from etcd's own source: every Prometheus metric etcd
 * defines (prometheus.New{Counter,Gauge,Histogram,Summary}[Vec|Func] with literal Namespace, Subsystem and
 * Name) in every release of 3.4, 3.5 and 3.6, with its type, labels and buckets and the line its name is
 * written on; and the log messages the log parsers recognise, found at the newest release of each minor
 * (the zap message literal, or the capnslog format string for 3.4's default logger).
 *
 * 3.6 takes raft from its own module (go.etcd.io/raft/v3, pinned in go.mod): its lines are read from
 * etcd-io/raft at the pinned tag.
 *
 *   git clone --bare https://github.com/etcd-io/etcd etcd.git; git clone --bare https://github.com/etcd-io/raft raft.git
 *   npx tsx deploy/docs/extract-etcd-names.ts etcd.git raft.git > deploy/docs/etcd-name-table.ts
 */
import { callArgs, etcdGit, lineAt, MINORS, type Minor } from './etcd-git.js';

const [gitDir, raftDir] = process.argv.slice(2);
if (!gitDir || !raftDir) {
  process.stderr.write('usage: extract-etcd-names.ts <etcd git dir> <raft git dir>\n');
  process.exit(2);
}
const { git, show, tagsOf } = etcdGit(gitDir);
const raft = etcdGit(raftDir);

/**
 * The log messages the parsers read (src/sources/logs/parse/: classify-*.ts, parse-raft-message.ts, parse-trace.ts,
 * parse-time.ts), and how each is found in a release: a text on the line that writes it. `at` is a minor
 * (its newest release) or a tag (where a patch release changed it); `raft` reads etcd-io/raft at the tag
 * etcd's go.mod pins. A needle not found fails the extraction: the catalogue is checked against the source.
 */
interface Needle { at: Minor | `v${string}`; text: string; raft?: true }
interface MessageSpec { id: string; needles: Needle[] }
const zap = (text: string, ...minors: Minor[]): Needle[] => minors.map((at) => ({ at, text }));
const MESSAGES: MessageSpec[] = [
  { id: 'apply-slow', needles: [...zap('"apply request took too long"', '3.4', '3.5', '3.6'), { at: '3.4', text: 'took too long (%v) to execute' }] },
  { id: 'apply-slow-txn-prefix', needles: [{ at: '3.4', text: 'reqStringer, "read-only range ", resp, err)' }, ...zap('reqStringer, "read-only txn ", resp, err)', '3.5', '3.6')] },
  { id: 'failed-apply', needles: [...zap('"failed to apply request"', '3.4', '3.5', '3.6'), { at: '3.4', text: 'plog.Warningf("failed to apply request %q' }] },
  { id: 'slow-fdatasync', needles: [...zap('"slow fdatasync"', '3.4', '3.5', '3.6'), { at: '3.4', text: '"sync duration of %v, expected less than %v"' }] },
  { id: 'heartbeat-late', needles: [...zap('"leader failed to send out heartbeat on time;', '3.4', '3.5', '3.6'), { at: '3.4', text: 'failed to send out heartbeat on time (exceeded the %v timeout for %v' }] },
  {
    id: 'dropped-raft-message',
    needles: [
      ...zap('"dropped internal Raft message since sending buffer is full (overloaded network)"', '3.4', '3.5'),
      { at: '3.6', text: '"dropped internal Raft message since sending buffer is full",' },
      { at: '3.4', text: '"dropped internal raft message to %s since %s\'s sending buffer is full (bad/overloaded network)"' },
    ],
  },
  { id: 'dropped-raft-message-receiving', needles: zap('"dropped Raft message since receiving buffer is full (overloaded network)"', '3.4', '3.5', '3.6') },
  { id: 'prober-unhealthy', needles: [...zap('"prober detected unhealthy status"', '3.4', '3.5', '3.6'), { at: '3.4', text: '"health check for peer %s could not connect: %v"' }] },
  { id: 'clock-drift', needles: zap('"prober found high clock drift"', '3.4', '3.5', '3.6') },
  { id: 'stream-lost', needles: zap('"lost TCP streaming connection with remote peer"', '3.4', '3.5', '3.6') },
  { id: 'peer-inactive', needles: zap('"peer became inactive (message send to peer failed)"', '3.4', '3.5', '3.6') },
  { id: 'peer-active', needles: zap('"peer became active"', '3.4', '3.5', '3.6') },
  { id: 'readindex-retry', needles: zap('"waiting for ReadIndex response took too long, retrying"', '3.4', '3.5', '3.6') },
  { id: 'readindex-timeout', needles: zap('"timed out waiting for read index response (local node might have slow network)"', '3.4', '3.5', '3.6') },
  { id: 'readindex-outdated', needles: zap('"ignored out-of-date read index response;', '3.4', '3.5', '3.6') },
  { id: 'request-stats', needles: [{ at: '3.4', text: 'lg.Debug("request stats"' }, ...zap('lg.Warn("request stats"', '3.5', '3.6')] },
  { id: 'quota-exceeded', needles: zap('"message exceeded backend quota; raising alarm"', '3.4', '3.5', '3.6') },
  { id: 'alarm-raised', needles: [...zap('lg.Warn("alarm raised"', '3.4', '3.5'), { at: '3.4', text: 'plog.Warningf("alarm %v raised by peer %s"' }] },
  { id: 'alarm-disarmed', needles: zap('lg.Warn("alarm disarmed"', '3.4', '3.5') },
  { id: 'alarms-metric', needles: [{ at: '3.6', text: 'Name:      "alarms",' }] },
  { id: 'compaction', needles: [...zap('"finished scheduled compaction",', '3.4', '3.5', '3.6'), { at: '3.4', text: 'plog.Infof("finished scheduled compaction at %d (took %v)"' }] },
  { id: 'defrag-started', needles: zap('"defragmenting",', '3.4', '3.5', '3.6') },
  { id: 'defrag-finished', needles: [{ at: '3.4', text: '"defragmented",' }, ...zap('"finished defragmenting directory",', '3.5', '3.6')] },
  { id: 'snapshot-triggering', needles: [...zap('"triggering snapshot",', '3.4', '3.5', '3.6'), { at: '3.6', text: 'zap.Bool("snapshot-forced"' }] },
  { id: 'snapshot-slow-transfer', needles: zap('"snapshotting taking too long to transfer",', '3.4', '3.5', '3.6') },
  { id: 'trace', needles: [...zap('msg := fmt.Sprintf("trace[%d] %s"', '3.4', '3.5', '3.6'), ...zap('zap.Int("step_count"', '3.5', '3.6')] },
  { id: 'trace-transaction', needles: zap('traceutil.New("transaction"', '3.5', '3.6') },
  { id: 'trace-delete-range', needles: zap('traceutil.New("delete_range"', '3.6') },
  { id: 'trace-step-bolt', needles: zap('"range keys from bolt db"', '3.4', '3.5', '3.6') },
  { id: 'trace-step-agreement', needles: zap('"agreement among raft nodes before linearized reading"', '3.4', '3.5', '3.6') },
  { id: 'raft-elected', needles: [...zap('"raft.node: %x elected leader %x at term %d"', '3.4', '3.5'), { at: '3.6', text: '"raft.node: %x elected leader %x at term %d"', raft: true }] },
  { id: 'raft-became-leader', needles: [...zap('"%x became leader at term %d"', '3.4', '3.5'), { at: '3.6', text: '"%x became leader at term %d"', raft: true }] },
  { id: 'raft-stepped-down', needles: [...zap('"%x stepped down to follower since quorum is not active"', '3.4', '3.5'), { at: '3.6', text: '"%x stepped down to follower since quorum is not active"', raft: true }] },
  { id: 'raft-logger-caller', needles: zap('zl.sugar.Infof(format, args...)', '3.5', '3.6') },
  { id: 'raft-logger', needles: [{ at: '3.4', text: 'lg = logutil.NewRaftLoggerZap(cfg.lg)' }, ...zap('NewRaftLoggerZap(cfg.Logger.Named("raft"))', '3.5', '3.6')] },
  {
    id: 'zap-time',
    needles: [
      { at: 'v3.4.23', text: 'EncodeTime:     zapcore.ISO8601TimeEncoder' },
      { at: 'v3.4.24', text: 't.Format("2006-01-02T15:04:05.999999Z0700")' },
      { at: 'v3.5.7', text: 'EncodeTime:     zapcore.ISO8601TimeEncoder' },
      { at: 'v3.5.8', text: 't.Format("2006-01-02T15:04:05.999999Z0700")' },
      { at: 'v3.5.15', text: 't.Format("2006-01-02T15:04:05.000000Z0700")' },
      { at: '3.6', text: 't.Format("2006-01-02T15:04:05.000000Z0700")' },
    ],
  },
  { id: 'capnslog', needles: [{ at: '3.4', text: '// WARN: "capnslog" is being deprecated in v3.5.' }] },
  { id: 'log-format-console', needles: [{ at: '3.6', text: 'fs.StringVar(&cfg.LogFormat, "log-format"' }] },
];

interface Metric { type: string; labels: string[]; buckets?: string; source: string }

/** Files etcd builds into the server (not tests, tools or vendored code). */
const SKIP = /(^|\/)(vendor|tests|tools|hack|contrib|bill-of-materials)\/|_test\.go$/;

function metricsAt(tag: string): Map<string, Metric> {
  const out = new Map<string, Metric>();
  const files = git('grep', '-l', 'prometheus.New', tag, '--', '*.go')
    .split('\n')
    .map((l) => l.slice(tag.length + 1))
    .filter((f) => f && !SKIP.test(f));
  for (const file of files) {
    const text = show(tag, file)!;
    for (const m of text.matchAll(/prometheus\.New(Counter|Gauge|Histogram|Summary)(Vec|Func)?\(/g)) {
      const call = callArgs(text, m.index + m[0].length - 1);
      const opts = call?.args[0];
      if (!opts) continue;
      const field = (k: string): string | undefined => new RegExp(`\\b${k}:\\s*"([^"]*)"`).exec(opts.text)?.[1];
      const name = field('Name');
      if (name === undefined) continue;
      const full = [field('Namespace'), field('Subsystem'), name].filter((p) => p).join('_');
      const nameAt = opts.at + opts.text.search(/\bName:/);
      const labels = m[2] === 'Vec' ? [...(call.args[1]?.text ?? '').matchAll(/"([^"]+)"/g)].map((l) => l[1]!) : [];
      const buckets = /\bBuckets:\s*([^\n]+?),?\s*(?:\/\/.*)?$/m.exec(opts.text)?.[1]?.trim();
      out.set(full, {
        type: m[1]!.toLowerCase(),
        labels,
        ...(buckets ? { buckets } : {}),
        source: `${file}:${lineAt(text, nameAt)} @ ${tag}`,
      });
    }
  }
  return out;
}

interface MetricInMinor extends Metric { since: string; until?: string; changed?: string[] }
const metrics: Record<string, Partial<Record<Minor, MetricInMinor>>> = {};
const tagsScanned: Record<string, string[]> = {};
const latest: Record<string, string> = {};

for (const minor of MINORS) {
  const tags = tagsOf(minor);
  tagsScanned[minor] = tags;
  latest[minor] = tags.at(-1)!;
  const seen = new Map<string, { since: string; lastTag: string; metric: Metric; shapes: Map<string, string> }>();
  for (const tag of tags) {
    for (const [name, metric] of metricsAt(tag)) {
      const prev = seen.get(name);
      const shape = `${metric.type} {${metric.labels.join(',')}} ${metric.buckets ?? ''}`;
      const shapes = prev?.shapes ?? new Map<string, string>();
      if (!shapes.has(shape)) shapes.set(shape, tag.slice(1));
      seen.set(name, { since: prev?.since ?? tag, lastTag: tag, metric, shapes });
    }
  }
  for (const [name, s] of seen) {
    const changed = s.shapes.size > 1 ? [...s.shapes].map(([shape, from]) => `${from}: ${shape}`) : undefined;
    (metrics[name] ??= {})[minor] = {
      ...s.metric,
      since: s.since.slice(1),
      ...(s.lastTag !== latest[minor] ? { until: s.lastTag.slice(1) } : {}),
      ...(changed ? { changed } : {}),
    };
  }
}

/** The raft tag etcd's go.mod pins (3.6 and later), e.g. v3.6.0. */
function raftTag(tag: string): string {
  const m = /go\.etcd\.io\/raft\/v3 (v[\d.]+)/.exec(show(tag, 'go.mod') ?? '');
  if (!m) throw new Error(`${tag}: go.mod pins no go.etcd.io/raft/v3`);
  return m[1]!;
}

interface MessageSource { tag: string; source: string; text: string; repo?: 'etcd-io/raft' }
/** Where each log message the parsers read is written, per minor (several where a patch release changed it). */
const messages: Record<string, Partial<Record<Minor, MessageSource[]>>> = {};
for (const spec of MESSAGES) {
  for (const n of spec.needles) {
    const etcdTag = n.at.startsWith('v') ? n.at : latest[n.at]!;
    const minor = etcdTag.slice(1).split('.').slice(0, 2).join('.') as Minor;
    const repo = n.raft ? raft : { git, show, tagsOf };
    const tag = n.raft ? raftTag(etcdTag) : etcdTag;
    let out = '';
    try {
      out = repo.git('grep', '-n', '-F', n.text, tag, '--', '*.go');
    } catch {
      // git grep exits 1 when nothing matches.
    }
    const hit = out.split('\n').find((l) => l && !SKIP.test(l.split(':')[1] ?? ''));
    if (!hit) throw new Error(`${n.raft ? 'etcd-io/raft ' : ''}${tag}: no source line holds ${JSON.stringify(n.text)} (${spec.id})`);
    const [, file, line, ...rest] = hit.split(':');
    const entry: MessageSource = { tag: etcdTag, source: `${file}:${line} @ ${tag}`, text: rest.join(':').trim(), ...(n.raft ? { repo: 'etcd-io/raft' as const } : {}) };
    ((messages[spec.id] ??= {})[minor] ??= []).push(entry);
  }
}

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const head = git('rev-parse', 'main').trim();
process.stdout.write(`// Generated by deploy/docs/extract-etcd-names.ts from github.com/etcd-io/etcd (main at ${head}); do not edit.
// Tags scanned: ${MINORS.map((m) => `${tagsScanned[m]![0]}…${latest[m]} (${tagsScanned[m]!.length})`).join(', ')}.
// Sources are "file:line @ tag" in etcd's repository.
import type { NameTable } from './etcd-name-types.js';

export const NAME_TABLE: NameTable = ${JSON.stringify({ latest, releases: Object.fromEntries(MINORS.map((m) => [m, tagsScanned[m]!.map((t) => t.slice(1))])), metrics: sorted(metrics), messages }, null, 1)};
`);
