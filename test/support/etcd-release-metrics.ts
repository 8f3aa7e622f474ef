import { NAME_TABLE } from '../../deploy/docs/etcd-name-table.js';
import type { MetricInMinor } from '../../deploy/docs/etcd-name-types.js';
import { compareVersions, parseEtcdVersion, type EtcdVersion } from '../../src/diagnosis/etcd-flags/versions.js';

/**
 * A recording of etcd 3.4.23 members (OpenMetrics text) → what members of `version` would have exported
 * for the same incident, as far as etcd's source says (NAME_TABLE.metrics, read at every release tag):
 *
 * - a metric 3.4.23 defines and `version` does not is removed with all its samples (3.5 dropped
 *   etcd_debugging_mvcc_db_total_size_in_bytes and etcd_debugging_mvcc_{put,delete,txn}_total);
 * - etcd_server_version's server_version label says `version`;
 * - every other etcd metric must have the same type, labels and buckets in both releases, or the
 *   transformation refuses (`mismatched`): renamed labels or new buckets cannot be made from the recording.
 *
 * Metrics only newer releases define (etcd_server_apply_duration_seconds, 3.5+) cannot be made up from a
 * recording: they stay absent, as if the bot did not read them (it does not).
 */
export interface MetricsAsRelease {
  text: string;
  removed: string[];
  /** etcd metrics in the recording whose type, labels or buckets differ in `version`. */
  mismatched: string[];
}

const v = (t: string): EtcdVersion => parseEtcdVersion(t)!;

function definedIn(name: string, release: EtcdVersion): MetricInMinor | undefined {
  const m = NAME_TABLE.metrics[name]?.[`${release.major}.${release.minor}` as '3.4' | '3.5' | '3.6'];
  if (!m) return undefined;
  if (compareVersions(release, v(m.since)) < 0 || (m.until && compareVersions(release, v(m.until)) > 0)) return undefined;
  return m;
}

/** The metric a sample name belongs to: itself, or a histogram's _bucket/_sum/_count. */
function metricOf(sample: string): string | undefined {
  for (const name of [sample, sample.replace(/_(bucket|sum|count)$/, '')]) if (NAME_TABLE.metrics[name]) return name;
  return undefined;
}

export function metricsAsRelease(om: string, version: string, recorded = '3.4.23'): MetricsAsRelease {
  const from = v(recorded);
  const to = v(version);
  const removed = new Set<string>();
  const mismatched = new Set<string>();
  const verdict = new Map<string, 'keep' | 'drop'>();
  const decide = (sample: string): 'keep' | 'drop' => {
    const known = verdict.get(sample);
    if (known) return known;
    const name = metricOf(sample);
    let out: 'keep' | 'drop' = 'keep';
    const before = name ? definedIn(name, from) : undefined;
    if (name && before) {
      const after = definedIn(name, to);
      if (!after) {
        out = 'drop';
        removed.add(name);
      } else if (after.type !== before.type || after.labels.join() !== before.labels.join() || after.buckets !== before.buckets) {
        mismatched.add(name);
      }
    }
    verdict.set(sample, out);
    return out;
  };
  const lines: string[] = [];
  for (const line of om.split('\n')) {
    const sample = line.startsWith('#') ? /^# (?:TYPE|HELP|UNIT) (\S+)/.exec(line)?.[1] : /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
    if (sample && decide(sample) === 'drop') continue;
    lines.push(sample === 'etcd_server_version' && !line.startsWith('#') ? line.replace(/server_version="[^"]*"/, `server_version="${version}"`) : line);
  }
  return { text: lines.join('\n'), removed: [...removed].sort(), mismatched: [...mismatched].sort() };
}
