import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Playbook } from '../../diagnosis/playbook/schema.js';
import type { Evidence } from '../../diagnosis/evidence/evidence.js';
import type { Diagnosis } from '../../diagnosis/types.js';
import { collectChartData } from '../../diagnosis/chart-series.js';
import type { PrometheusClient } from '../../sources/prometheus/client.js';
import { drawCharts, missingChartLine } from '../../report/charts/draw.js';
import { CliError, EXIT } from '../exit.js';

/** `--charts DIR` is checked before any query runs: a bad folder must not cost a diagnosis. */
export function checkChartDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError(`--charts ${dir}: no such directory (create it first)`, EXIT.usage);
  }
  if (!isDir) throw new CliError(`--charts ${dir}: not a directory`, EXIT.usage);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(`--charts ${dir}: directory is not writable`, EXIT.usage);
  }
}

/**
 * Writes the same charts a Slack thread gets, as PNG files in `dir`; returns one line per chart (the
 * file written, or why it is missing) for stderr, so that stdout stays the diagnosis alone.
 */
export async function writeChartFiles(
  dir: string,
  d: Diagnosis,
  evidence: Evidence,
  playbooks: Playbook[],
  prometheus: Pick<PrometheusClient, 'range'>,
): Promise<string[]> {
  const drawn = await drawCharts(d.cluster, await collectChartData(d, evidence, playbooks, prometheus));
  if (drawn.length === 0) return [`no chart: ${d.causes.length === 0 ? 'no cause was found to chart' : 'the top cause has no metric signal'}`];
  return drawn.map((c) => {
    if ('error' in c) return missingChartLine(c.title, c.error);
    const path = join(dir, c.filename);
    writeFileSync(path, c.png);
    return `chart written: ${path}`;
  });
}
