import { PrometheusError } from '../../sources/prometheus/errors.js';
import type { Sample } from '../../sources/prometheus/types.js';
import type { OnsetAnswers, OnsetRow } from './answers.js';
import { readGuidelines } from './guidelines.js';
import { judgeOnset } from './judge.js';
import { memberQuery, onsetVars, SIGNAL_LABEL, signalQueries, windowsFor, type OnsetQuery } from './queries.js';
import type { OnsetInput, WatchEvaluation } from './types.js';

/**
 * What a cluster looks like now: one cheap evaluation (six instant queries) judged against the
 * playbooks' onset lines. Never throws for a Prometheus failure: what could not be read is listed
 * under `missing`, so a watch can tell "Prometheus is down" from "etcd is fine".
 */
export async function evaluateOnset(input: OnsetInput): Promise<WatchEvaluation> {
  const answers = await queryOnset(input);
  return judgeOnset(input.clusterName, answers, readGuidelines(input.playbooks));
}

/** The querying half: Prometheus' answers, failures kept as data. */
export async function queryOnset(input: OnsetInput): Promise<OnsetAnswers> {
  const at = input.at ?? Math.floor(Date.now() / 1000);
  const vars = onsetVars(input.cluster);
  const answers: OnsetAnswers = {
    at,
    memberLabel: vars.memberLabel,
    nodeExporter: vars.nodeSelector !== undefined,
    scrapeIntervalSeconds: null,
    windows: null,
    rows: [],
    failures: [],
    skipped: [],
    queries: 0,
  };
  const ask = async (q: OnsetQuery): Promise<boolean> => {
    answers.queries++;
    try {
      answers.rows.push(...toRows(await input.prometheus.instant(q.promql, at, input.signal)));
      return true;
    } catch (err) {
      answers.failures.push({ query: q.name, signals: q.signals, error: describe(err) });
      return false;
    }
  };

  if (!(await ask(memberQuery(vars)))) {
    answers.skipped.push({ signals: signalQueries(vars, windowsFor(15)).flatMap((q) => q.signals), reason: 'the members could not be read' });
    return answers;
  }
  const samples = answers.rows.filter((r) => r.signal === 'up_samples').map((r) => r.value);
  if (samples.length === 0) {
    answers.skipped.push({ signals: signalQueries(vars, windowsFor(15)).flatMap((q) => q.signals), reason: `no target matches {${vars.selector}} in the last minute` });
    return answers;
  }
  // The best-scraped member tells the interval: a starved member misses scrapes, Prometheus does not.
  answers.scrapeIntervalSeconds = 60 / Math.max(1, ...samples);
  answers.windows = windowsFor(answers.scrapeIntervalSeconds);
  await Promise.all(signalQueries(vars, answers.windows).map(ask));
  return answers;
}

function toRows(samples: Sample[]): OnsetRow[] {
  const rows: OnsetRow[] = [];
  for (const s of samples) {
    const { [SIGNAL_LABEL]: signal, ...labels } = s.labels;
    if (signal !== undefined && !Number.isNaN(s.v)) rows.push({ signal, labels, value: s.v });
  }
  return rows;
}

function describe(err: unknown): string {
  if (err instanceof PrometheusError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
