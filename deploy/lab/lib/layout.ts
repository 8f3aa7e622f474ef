import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where everything in the lab lives: fixed loopback ports derived from one base port (so a human can
 * type them and Prometheus targets stay stable across restarts) and one state directory (.lab/ in the
 * repository by default, gitignored) holding data dirs, logs, pid files and generated configs.
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const labSourceDir = join(repoRoot, 'deploy', 'lab');

export type EtcdMode = 'zap' | 'default';

export interface MemberLayout {
  /** Member name, also the Prometheus `instance` label value. */
  name: string;
  index: number;
  clientPort: number;
  /** Port etcd listens on for peer traffic. */
  peerPort: number;
  /** Port of the lab's proxy in front of peerPort; advertised as the member's peer URL. */
  proxyPort: number;
  dataDir: string;
  logFile: string;
  stderrFile: string;
  clientUrl: string;
}

export interface LabLayout {
  stateDir: string;
  runDir: string;
  logDir: string;
  confDir: string;
  base: number;
  members: MemberLayout[];
  prometheusPort: number;
  alertmanagerPort: number;
  nodeExporterPort: number;
  redisPort: number;
  webhookRecorderPort: number;
  proxyControlPort: number;
  /** Port the lab's etcd-triage config gives the bot; Alertmanager's webhook points at it. */
  botPort: number;
  prometheusUrl: string;
  alertmanagerUrl: string;
  webhookLog: string;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 65000) throw new Error(`${name}=${raw} is not a usable port base`);
  return n;
}

export function labLayout(): LabLayout {
  const stateDir = resolve(process.env.LAB_DIR ?? join(repoRoot, '.lab'));
  const base = envInt('LAB_PORT_BASE', 32000);
  const logDir = join(stateDir, 'logs');
  const members: MemberLayout[] = [1, 2, 3].map((i) => ({
    name: `etcd-${i}`,
    index: i,
    clientPort: base + 100 * i + 79,
    peerPort: base + 100 * i + 80,
    proxyPort: base + 100 * i + 81,
    dataDir: join(stateDir, 'data', `etcd-${i}`),
    logFile: join(logDir, `etcd-${i}.log`),
    stderrFile: join(logDir, `etcd-${i}.stderr`),
    clientUrl: `http://127.0.0.1:${base + 100 * i + 79}`,
  }));
  return {
    stateDir,
    runDir: join(stateDir, 'run'),
    logDir,
    confDir: join(stateDir, 'conf'),
    base,
    members,
    prometheusPort: base + 90,
    nodeExporterPort: base + 91,
    alertmanagerPort: base + 93,
    webhookRecorderPort: base + 95,
    proxyControlPort: base + 88,
    redisPort: base + 63,
    botPort: envInt('LAB_BOT_PORT', base + 30),
    prometheusUrl: `http://127.0.0.1:${base + 90}`,
    alertmanagerUrl: `http://127.0.0.1:${base + 93}`,
    webhookLog: join(logDir, 'alertmanager-webhooks.jsonl'),
  };
}

export function ensureDirs(l: LabLayout): void {
  for (const d of [l.stateDir, l.runDir, l.logDir, l.confDir]) mkdirSync(d, { recursive: true });
}

export function memberByName(l: LabLayout, name: string): MemberLayout {
  const m = l.members.find((x) => x.name === name);
  if (!m) throw new Error(`no member named ${name}; members are ${l.members.map((x) => x.name).join(', ')}`);
  return m;
}

/** Prints what the lab is doing; every step says what it does so a failure is easy to place. */
export function say(msg: string): void {
  process.stderr.write(`[lab] ${msg}\n`);
}
