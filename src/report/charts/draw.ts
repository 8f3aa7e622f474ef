import type { ChartData } from '../../diagnosis/chart-series.js';
import { renderPng } from './render.js';
import { chartSpec, type ChartSize } from './spec.js';

/** A chart ready to post or write, or why there is none. */
export type DrawnChart = { title: string; filename: string; png: Buffer } | { title: string; error: string };

/** What the fetch left behind: the data of a chart, or why it could not be read. */
export type ChartInput = ChartData | { id: string; title: string; error: string };

export const chartFilename = (cluster: string, id: string): string => `${cluster}-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`.replace(/[^A-Za-z0-9._-]/g, '_');

/** Draws each chart on its own: one that fails says why and never stops the others. */
export async function drawCharts(cluster: string, inputs: ChartInput[], size?: ChartSize): Promise<DrawnChart[]> {
  const out: DrawnChart[] = [];
  for (const c of inputs) {
    if ('error' in c) {
      out.push({ title: c.title, error: `its data could not be read (${c.error})` });
      continue;
    }
    if (c.series.length === 0) {
      out.push({ title: c.title, error: 'Prometheus returned no samples for it' });
      continue;
    }
    try {
      out.push({ title: c.title, filename: chartFilename(cluster, c.id), png: await renderPng(chartSpec(c, size)) });
    } catch (err) {
      out.push({ title: c.title, error: `it could not be drawn (${err instanceof Error ? err.message : String(err)})` });
    }
  }
  return out;
}

/** The line posted in the thread in place of a chart that is missing. */
export const missingChartLine = (title: string, why: string): string => `📉 Chart “${title}” is missing: ${why}.`;
