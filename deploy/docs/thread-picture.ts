/**
 * Draws the picture of a why-slow thread shown in the README, from a recorded incident, with the
 * program's own code: the recorded slow-disk incident (test/fixtures/disk-slow-follower) is loaded into a
 * real Prometheus, diagnosed, rendered as the Slack parent and first reply, and its chart drawn; the text
 * and the chart are then laid out like a Slack thread on a phone-sized page.
 *   npx tsx deploy/docs/thread-picture.ts        writes deploy/docs/why-slow-thread.png
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { loadPlaybooks } from '../../src/diagnosis/playbook/load.js';
import { runDiagnosis } from '../../src/diagnosis/run.js';
import { createLogCollector } from '../../src/diagnosis/evidence/log-collector.js';
import { collectChartData } from '../../src/diagnosis/chart-series.js';
import { blocksToText, type KnownBlock } from '../../src/delivery/message-limits.js';
import { PrometheusRegistry } from '../../src/sources/prometheus/registry.js';
import { drawCharts } from '../../src/report/charts/draw.js';
import { chartFont, svgToPng } from '../../src/report/charts/render.js';
import { CHART_FONT_FAMILY } from '../../src/report/charts/spec.js';
import { detailsMessage, verdictMessage } from '../../src/report/slack-blocks.js';
import { diagnosisButtons } from '../../src/report/action-buttons.js';
import { loadScenario } from '../../test/support/fixture-prometheus.js';

const OUT = join(import.meta.dirname, 'why-slow-thread.png');
const WIDTH = 980;
const CHART_WIDTH = 900;
const LINE = 24;
const WRAP = 92;

// DejaVu Sans has no colour emoji: the icons the messages use become symbols it has.
const SYMBOLS: Array<[RegExp, string]> = [[/🔴|🟠/gu, '●'], [/✅/gu, '✔'], [/⚠️/gu, '⚠'], [/✂️|🔎|📉/gu, '']];

/** Slack mrkdwn as plain lines: marks dropped, links shown by their text, long lines wrapped. */
function plainLines(mrkdwn: string): string[] {
  let s = mrkdwn.replace(/<[^|>]+\|([^>]+)>/g, '$1').replace(/[*_`]/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const [re, to] of SYMBOLS) s = s.replace(re, to);
  return s.split('\n').flatMap((line) => {
    const out: string[] = [];
    let rest = line;
    while (rest.length > WRAP) {
      const cut = rest.lastIndexOf(' ', WRAP) > 20 ? rest.lastIndexOf(' ', WRAP) : WRAP;
      out.push(rest.slice(0, cut));
      rest = `   ${rest.slice(cut).trimStart()}`;
    }
    out.push(rest);
    return out;
  });
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const s = await loadScenario('disk-slow-follower');
const logs = Object.entries(s.logFiles).map(([member, path]) => `      - { type: file, path: "${path}", member: ${member} }`).join('\n');
const config = parseConfigText(
  `clusters:\n  prod-cluster:\n    prometheus: { url: "${s.url}" }\n    selector: { job: etcd }\n    nodeExporter: { selector: { job: node }, match: { by: host, memberLabel: address, nodeLabel: address } }\n    logs:\n${logs}\n`,
  'picture.yaml',
  {},
);
const prometheus = new PrometheusRegistry(config);
try {
  const playbooks = loadPlaybooks();
  const end = new Date((Math.floor(s.times.faultStart) + 150) * 1000).toISOString();
  const collectLogs = createLogCollector(config);
  const { diagnosis, evidence } = await runDiagnosis({ config, playbooks, prometheus, collectLogs }, { cluster: 'prod-cluster', windowSeconds: 180, endTime: end, origin: { kind: 'cli' } });
  const parent = verdictMessage(diagnosis, { cluster: 'prod-cluster', windowSeconds: 180 });
  const reply = detailsMessage(diagnosis);
  const charts = await drawCharts('prod-cluster', await collectChartData(diagnosis, evidence, playbooks, prometheus.forCluster('prod-cluster')));
  const chart = charts[0];
  if (chart === undefined || 'error' in chart) throw new Error(`no chart to show: ${chart === undefined ? 'none planned' : chart.error}`);

  // The reply up to its suggestions: what fits a phone screen before scrolling.
  const cut = reply.blocks.findIndex((b) => b.type === 'divider');
  const shown: KnownBlock[] = cut < 0 ? reply.blocks : reply.blocks.slice(0, cut);
  await collectLogs.close();
  const parentLines = plainLines(blocksToText(parent.blocks).replace(/\n\n/g, '\n'));
  // The buttons the worker puts under the verdict, as a row of labels.
  const buttons = diagnosisButtons({ cluster: 'prod-cluster', windowSeconds: 180, queriesId: 'picture' });
  const buttonRow = plainLines(blocksToText([buttons]))
    .map((l) => l.replace(/\p{Extended_Pictographic}\uFE0F?/gu, '').trim()) // the icons would be empty boxes
    .filter((l) => l !== '')
    .map((l) => `[ ${l} ]`)
    .join('  ');
  const replyLines = plainLines(blocksToText(shown)).concat(cut < 0 ? [] : ['', 'What to do … (3 suggestions with their commands)']);

  const parts: string[] = [];
  let y = 40;
  const text = (line: string, opts: { x?: number; bold?: boolean; size?: number; colour?: string } = {}): void => {
    parts.push(`<text x="${opts.x ?? 72}" y="${y}" font-size="${opts.size ?? 17}" fill="${opts.colour ?? '#1d1c1d'}"${opts.bold ? ' font-weight="bold"' : ''}>${xml(line)}</text>`);
    y += LINE;
  };
  const avatar = (): void => {
    parts.push(`<rect x="16" y="${y - 18}" width="40" height="40" rx="8" fill="#4a154b"/><text x="36" y="${y + 8}" font-size="18" fill="white" text-anchor="middle" font-weight="bold">e</text>`);
  };
  avatar();
  text(`etcd-triage  APP   ${diagnosis.window.end.slice(11, 16)} UTC`, { bold: true });
  for (const l of parentLines) text(l);
  text(buttonRow, { colour: '#1264a3', size: 16 });
  y += 10;
  parts.push(`<line x1="16" y1="${y}" x2="${WIDTH - 16}" y2="${y}" stroke="#dddddd"/>`);
  y += 30;
  text('Thread', { x: 16, bold: true, size: 15, colour: '#616061' });
  y += 10;
  avatar();
  text('etcd-triage  APP', { bold: true });
  for (const l of replyLines) text(l, { size: 16 });
  y += 16;
  avatar();
  text(`etcd-triage  APP   ${chart.filename}`, { bold: true });
  const chartHeight = Math.round((CHART_WIDTH * 840) / 1600);
  parts.push(`<image x="56" y="${y - 6}" width="${CHART_WIDTH}" height="${chartHeight}" href="data:image/png;base64,${chart.png.toString('base64')}"/>`);
  y += chartHeight + 20;

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" font-family="${CHART_FONT_FAMILY}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
  writeFileSync(OUT, await svgToPng(svg, chartFont(), 1));
  console.log(`wrote ${OUT}: the thread of "${diagnosis.headline}"`);
} finally {
  await prometheus.close();
  await s.stop();
}
