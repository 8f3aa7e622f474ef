import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { freePort, startProcess, tempDir } from './processes.js';
import { webhookSchema } from '../../src/ingress/alertmanager/webhook-schema.js';

/**
 * Recorded lab scenarios (test/fixtures/<name>/, made by `deploy/lab/lab.sh record`) served by a real
 * Prometheus: the OpenMetrics samples are turned into TSDB blocks with promtool, and a prometheus on a
 * free loopback port serves them, so a test queries the incident exactly as the bot would have live.
 */

const execFileP = promisify(execFile);

export const fixturesDir = resolve(import.meta.dirname, '..', 'fixtures');
/** Inside the run's temporary folder (see global-setup.ts): built once per run, removed with it. */
const cacheDir = join(tmpdir(), 'fixture-tsdb');

const isoTime = z.iso.datetime({ offset: true });

export const scenarioMetaSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  fault: z.object({
    kind: z.enum(['disk', 'network', 'expensive', 'capacity', 'cpu', 'none']),
    /** instance label value of the faulted member; null for cluster-wide faults (load) and the control. */
    member: z.string().nullable(),
    memberId: z.string().nullable(),
    role: z.enum(['leader', 'follower']).nullable(),
    params: z.record(z.string(), z.unknown()),
    start: isoTime,
    end: isoTime,
  }),
  recording: z.object({ start: isoTime, end: isoTime }),
  etcd: z.object({ version: z.string(), mode: z.enum(['zap', 'default']), flags: z.array(z.string()) }),
  members: z.array(z.object({ name: z.string(), id: z.string(), roleAtFaultStart: z.enum(['leader', 'follower']) })).length(3),
  leader: z.object({ atStart: z.string().nullable(), atFaultStart: z.string().nullable(), atEnd: z.string().nullable() }),
  prometheus: z.object({
    scrapeIntervalSeconds: z.number().positive(),
    etcdJob: z.string(),
    nodeJob: z.string(),
    memberLabel: z.string(),
    nodeInstance: z.string(),
  }),
  traffic: z.string(),
  metricsSeries: z.number().int().nonnegative(),
  metricsSamples: z.number().int().nonnegative(),
});
export type ScenarioMeta = z.infer<typeof scenarioMetaSchema>;

/** Alertmanager webhook bodies as recorded are validated with the bot's own schema of them. */
export const alertmanagerWebhookSchema = webhookSchema;
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

const alertRecordSchema = z.object({ receivedAt: isoTime, path: z.string(), body: alertmanagerWebhookSchema });
export type RecordedAlert = z.infer<typeof alertRecordSchema>;

export interface LoadedScenario {
  name: string;
  /** Base URL of the Prometheus serving the recorded samples, e.g. http://127.0.0.1:40123 */
  url: string;
  meta: ScenarioMeta;
  /** member (instance label value) → absolute path of that member's uncompressed log file */
  logFiles: Record<string, string>;
  /** Webhook bodies Alertmanager sent during the scenario, in arrival order. */
  alerts: AlertmanagerWebhook[];
  /** The same with the time each one arrived. */
  alertRecords: RecordedAlert[];
  /** Unix seconds, handy for query_range / time parameters. */
  times: { recordingStart: number; recordingEnd: number; faultStart: number; faultEnd: number };
  stop(): Promise<void>;
}

function shiftMeta(meta: ScenarioMeta, shiftSeconds: number): ScenarioMeta {
  const move = (iso: string): string => new Date(Date.parse(iso) + shiftSeconds * 1000).toISOString();
  return {
    ...meta,
    fault: { ...meta.fault, start: move(meta.fault.start), end: move(meta.fault.end) },
    recording: { start: move(meta.recording.start), end: move(meta.recording.end) },
  };
}

/** Names of the scenarios present in test/fixtures (directories holding a scenario.json). */
export function listScenarios(): string[] {
  if (!existsSync(fixturesDir)) return [];
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, 'scenario.json')))
    .map((d) => d.name)
    .sort();
}

export function readScenarioMeta(name: string): ScenarioMeta {
  const file = join(fixturesDir, name, 'scenario.json');
  if (!existsSync(file)) throw new Error(`no fixture ${name}: ${file} is missing (have: ${listScenarios().join(', ') || 'none'})`);
  const parsed = scenarioMetaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} does not match the scenario schema: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * TSDB blocks for a fixture, built once per content hash of metrics.om.gz and kept for the rest of the
 * run, so later test files skip promtool (it takes a few seconds per scenario).
 */
async function blocksFor(name: string, shiftSeconds = 0, transform?: OpenMetricsTransform): Promise<string> {
  const gz = readFileSync(join(fixturesDir, name, 'metrics.om.gz'));
  const hash = createHash('sha256').update(gz).digest('hex').slice(0, 16);
  const variant = `${shiftSeconds === 0 ? '' : `-shift${shiftSeconds}`}${transform ? `-${transform.key}` : ''}`;
  const dir = join(cacheDir, `${name}-${hash}${variant}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const work = tempDir(`omb-${name}`);
  try {
    const om = join(work, 'metrics.om');
    const text = gunzipSync(gz).toString('utf8');
    const shifted = shiftSeconds === 0 ? text : shiftOpenMetrics(text, shiftSeconds);
    writeFileSync(om, transform ? transform.apply(shifted) : shifted);
    const out = join(work, 'blocks');
    mkdirSync(out);
    await execFileP('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, out], { maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(join(out, '.complete'), new Date().toISOString());
    mkdirSync(cacheDir, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    // rename is atomic: a concurrent loader sees either nothing or the complete directory.
    try { renameSync(out, dir); } catch { if (!existsSync(join(dir, '.complete'))) throw new Error(`could not place TSDB blocks in ${dir}`); }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Moves every sample by `shiftSeconds`: the last token of a sample line is its timestamp in seconds.
 * Used to replay a recording as if it had just happened, for paths that always look at "the last N
 * minutes" (slash commands, alerts).
 */
function shiftOpenMetrics(text: string, shiftSeconds: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const cut = line.lastIndexOf(' ');
      const t = Number(line.slice(cut + 1));
      return Number.isFinite(t) ? `${line.slice(0, cut)} ${(t + shiftSeconds).toFixed(3)}` : line;
    })
    .join('\n');
}

/** A documented rewrite of a recording's samples (e.g. test/support/kube-shape.ts), cached under `key`. */
export interface OpenMetricsTransform {
  key: string;
  apply(openMetrics: string): string;
}

export interface LoadOptions {
  /** Unix seconds: shift the metrics so the recording ends at this time (logs and alerts are not shifted). */
  endAt?: number;
  /** Rewrites the samples before they are loaded (relabelled into another deployment's shape). */
  transform?: OpenMetricsTransform;
}

export async function loadScenario(name: string, opts: LoadOptions = {}): Promise<LoadedScenario> {
  const recorded = readScenarioMeta(name);
  const shift = opts.endAt === undefined ? 0 : Math.round(opts.endAt - Date.parse(recorded.recording.end) / 1000);
  const meta = shift === 0 ? recorded : shiftMeta(recorded, shift);
  const fixture = join(fixturesDir, name);
  const blocks = await blocksFor(name, shift, opts.transform);
  const work = tempDir(`fixture-${name}`);
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  try {
    // Prometheus writes next to its blocks (lock, WAL, compactions): each instance gets its own copy.
    const data = join(work, 'tsdb');
    cpSync(blocks, data, { recursive: true, filter: (src) => !src.endsWith('.complete') });
    const config = join(work, 'prometheus.yml');
    writeFileSync(config, 'global: {}\nscrape_configs: []\n');

    const logsDir = join(work, 'logs');
    mkdirSync(logsDir);
    const logFiles: Record<string, string> = {};
    for (const f of readdirSync(join(fixture, 'logs')).filter((x) => x.endsWith('.log.gz'))) {
      const member = f.slice(0, -'.log.gz'.length);
      const path = join(logsDir, `${member}.log`);
      writeFileSync(path, gunzipSync(readFileSync(join(fixture, 'logs', f))));
      logFiles[member] = path;
    }

    const alertsFile = join(fixture, 'alerts.json');
    const alertRecords = existsSync(alertsFile) ? z.array(alertRecordSchema).parse(JSON.parse(readFileSync(alertsFile, 'utf8'))) : [];

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startProcess({
      name: `prometheus-${name}`,
      command: 'prometheus',
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        // The samples are old by the time a test runs: never let retention delete them.
        '--storage.tsdb.retention.time=100y',
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      port,
      readyTimeoutMs: 60_000,
      ready: async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok,
    });
    const sec = (iso: string): number => Date.parse(iso) / 1000;
    return {
      name,
      url,
      meta,
      logFiles,
      alerts: alertRecords.map((a) => a.body),
      alertRecords,
      times: {
        recordingStart: sec(meta.recording.start),
        recordingEnd: sec(meta.recording.end),
        faultStart: sec(meta.fault.start),
        faultEnd: sec(meta.fault.end),
      },
      async stop() {
        try { await proc.stop(); } finally { cleanup(); }
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}
