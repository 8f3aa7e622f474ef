import type { Windows } from './queries.js';

/** One answered value of one signal: the member label (and To for peer pairs) in `labels`. */
export interface OnsetRow {
  signal: string;
  labels: Record<string, string>;
  value: number;
}

/** What Prometheus answered for one evaluation: the input of the pure judgement (judge.ts). */
export interface OnsetAnswers {
  /** Unix seconds the queries were evaluated at. */
  at: number;
  memberLabel: string;
  /** Whether node_exporter is configured for the cluster (node CPU pressure is then asked for). */
  nodeExporter: boolean;
  /** Seconds between scrapes seen in the data; null when nothing could be read. */
  scrapeIntervalSeconds: number | null;
  windows: Windows | null;
  rows: OnsetRow[];
  /** Queries that failed, with the signals they would have answered. */
  failures: Array<{ query: string; signals: string[]; error: string }>;
  /** Signals never asked for, and why (e.g. no member found, so no second round). */
  skipped: Array<{ signals: string[]; reason: string }>;
  queries: number;
}
