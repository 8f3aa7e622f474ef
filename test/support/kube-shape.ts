import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixturesDir, readScenarioMeta, type Transform } from './fixture-prometheus.js';

/**
 * Recorded lab incidents relabelled into the shape a kube-prometheus-stack install scrapes: etcd as
 * job="kube-etcd" on three control-plane nodes, each with its own node_exporter. Only labels change
 * (and, in the variants below, which node carries which of the host's real series); every sample value
 * and timestamp is the recording's. test/fixtures/README.md says how each shape is derived.
 *
 * etcd series (job etcd): job → kube-etcd, instance etcd-N → 10.0.0.1N:2381 (kubeadm's metrics port),
 * address dropped, pod="etcd-cp-N", node="cp-N", namespace="kube-system" added.
 * node series (job node, the one lab host): job → node-exporter, one copy per control-plane node with
 * instance="10.0.0.1N:9100", node="cp-N", address dropped; node_uname_info's nodename (the lab host's
 * hostname) becomes "cp-N", as kubeadm registers each node under its hostname.
 */
export const KUBE_MEMBERS = {
  'etcd-1': { instance: '10.0.0.11:2381', pod: 'etcd-cp-1', node: 'cp-1', nodeInstance: '10.0.0.11:9100' },
  'etcd-2': { instance: '10.0.0.12:2381', pod: 'etcd-cp-2', node: 'cp-2', nodeInstance: '10.0.0.12:9100' },
  'etcd-3': { instance: '10.0.0.13:2381', pod: 'etcd-cp-3', node: 'cp-3', nodeInstance: '10.0.0.13:9100' },
} as const;
export type LabMember = keyof typeof KUBE_MEMBERS;
const LAB_MEMBERS = Object.keys(KUBE_MEMBERS) as LabMember[];

export interface KubeShapeOptions {
  /**
   * Which of the host's series each node carries. copies: all three nodes carry the lab host's series
   * as recorded (the host was shared, so nothing in them belongs to one member). split: the node of
   * `faulted` carries the host as recorded during the fault; the two others carry the same host's
   * series from `healthyFrom` (a real recording with no fault), moved in time to end with this one.
   */
  nodes: { kind: 'copies' } | { kind: 'split'; faulted: LabMember; healthyFrom: string };
  /** Members whose node_exporter is left out, as if it were not scraped. */
  unscraped?: LabMember[];
}

interface Family {
  comments: string[];
  samples: string[];
}

/** OpenMetrics text as families in order (a family starts at its `# TYPE` line). */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line === '# EOF') continue;
    if (line.startsWith('# TYPE ')) {
      const name = line.split(' ')[2]!;
      current = out.get(name) ?? { comments: [], samples: [] };
      out.set(name, current);
      current.comments.push(line);
    } else if (line.startsWith('#')) {
      current?.comments.push(line);
    } else {
      current?.samples.push(line);
    }
  }
  return out;
}

const SAMPLE = /^([^{\s]+)\{(.*)\}\s(\S+)\s(\S+)$/;

/** Rewrites a sample's labels (sorted, as the recording writes them); undefined drops the sample. */
function relabel(line: string, edit: (labels: Map<string, string>) => boolean): string | undefined {
  const m = SAMPLE.exec(line);
  if (!m) return line;
  const [, name, body, value, time] = m;
  const labels = new Map<string, string>();
  for (const [, k, v] of body!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(k!, v!);
  if (!edit(labels)) return undefined;
  const text = [...labels].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',');
  return `${name}{${text}} ${value} ${time}`;
}

const jobOf = (line: string): string | undefined => /[{,]job="([^"]*)"/.exec(line)?.[1];

function etcdSample(line: string): string | undefined {
  return relabel(line, (l) => {
    const who = KUBE_MEMBERS[l.get('instance') as LabMember];
    if (!who) return false;
    l.set('job', 'kube-etcd');
    l.set('instance', who.instance);
    l.set('pod', who.pod);
    l.set('node', who.node);
    l.set('namespace', 'kube-system');
    l.delete('address');
    return true;
  });
}

function nodeSample(line: string, member: LabMember): string | undefined {
  return relabel(line, (l) => {
    const who = KUBE_MEMBERS[member];
    l.set('job', 'node-exporter');
    l.set('instance', who.nodeInstance);
    l.set('node', who.node);
    if (l.has('nodename')) l.set('nodename', who.node);
    l.delete('address');
    return true;
  });
}

function shiftSample(line: string, seconds: number): string {
  const cut = line.lastIndexOf(' ');
  return `${line.slice(0, cut)} ${(Number(line.slice(cut + 1)) + seconds).toFixed(3)}`;
}

export function kubeShape(openMetrics: string, opts: KubeShapeOptions): string {
  const recorded = families(openMetrics);
  let healthy: Map<string, Family> | undefined;
  let shift = 0;
  if (opts.nodes.kind === 'split') {
    const text = gunzipSync(readFileSync(join(fixturesDir, opts.nodes.healthyFrom, 'metrics.om.gz'))).toString('utf8');
    healthy = families(text);
    // Both recordings end together: the healthy host's samples are moved onto this one's timeline.
    const lastTime = (fams: Map<string, Family>): number =>
      Math.max(...[...fams.values()].flatMap((f) => f.samples.slice(-1).map((s) => Number(s.slice(s.lastIndexOf(' ') + 1)))));
    shift = lastTime(recorded) - lastTime(healthy);
  }
  const scraped = LAB_MEMBERS.filter((m) => !(opts.unscraped ?? []).includes(m));
  const out: string[] = [];
  for (const [name, fam] of recorded) {
    const etcd = fam.samples.filter((s) => jobOf(s) === 'etcd').map(etcdSample);
    const node: Array<string | undefined> = [];
    // One node after the other: each node's series stay in time order.
    for (const member of scraped) {
      const fromHealthy = opts.nodes.kind === 'split' && member !== opts.nodes.faulted;
      const source = fromHealthy ? (healthy!.get(name)?.samples ?? []).map((s) => shiftSample(s, shift)) : fam.samples;
      node.push(...source.filter((s) => jobOf(s) === 'node').map((s) => nodeSample(s, member)));
    }
    const samples = [...etcd, ...node].filter((s): s is string => s !== undefined);
    if (samples.length === 0) continue;
    out.push(...fam.comments, ...samples);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** The transform for loadScenario, cached per shape. */
export function kubeShapeTransform(opts: KubeShapeOptions): Transform {
  const nodes = opts.nodes.kind === 'copies' ? 'copies' : `split-${opts.nodes.faulted}-${opts.nodes.healthyFrom}`;
  const key = `kube-${nodes}${opts.unscraped?.length ? `-without-${opts.unscraped.join('-')}` : ''}`;
  return { key, metrics: (om) => kubeShape(om, opts) };
}

/** The kube-shaped name of a lab member (its pod), and of its address (the instance label). */
export const podOf = (member: string): string => KUBE_MEMBERS[member as LabMember]?.pod ?? member;
export const instanceOf = (member: string): string => KUBE_MEMBERS[member as LabMember]?.instance ?? member;

/** The lab member's log file under its kube-shaped member label value (the instance). */
export function kubeLogSources(logFiles: Record<string, string>): Array<{ type: 'file'; path: string; member: string }> {
  return Object.entries(logFiles).map(([member, path]) => ({ type: 'file', path, member: instanceOf(member) }));
}

export { readScenarioMeta };
