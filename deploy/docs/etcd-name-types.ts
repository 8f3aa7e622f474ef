import type { EtcdMinor } from '../../src/diagnosis/etcd-flags/types.js';

/*
 * The shape of the name table (etcd-name-table.ts): where etcd defines each metric and writes each log
 * message the diagnosis reads, per release. Only the docs and the tests read it; the bot does not.
 */

/** A Prometheus metric as one minor version defines it. */
export interface MetricInMinor {
  type: string;
  labels: string[];
  /** The Buckets expression as written in Go, e.g. prometheus.ExponentialBuckets(0.001, 2, 14). */
  buckets?: string;
  /** "file:line @ tag": its Name. */
  source: string;
  since: string;
  until?: string;
  /** When type, labels or buckets changed within the minor: "from-release: shape" for each. */
  changed?: string[];
}

/** Where a log message is written in one release. */
export interface MessageSource {
  tag: string;
  source: string;
  /** The source line. */
  text: string;
  /** Another repository than etcd-io/etcd (3.6 raft). */
  repo?: 'etcd-io/raft';
}

export interface NameTable {
  latest: Record<string, string>;
  releases: Record<EtcdMinor, string[]>;
  metrics: Record<string, Partial<Record<EtcdMinor, MetricInMinor>>>;
  messages: Record<string, Partial<Record<EtcdMinor, MessageSource[]>>>;
}
