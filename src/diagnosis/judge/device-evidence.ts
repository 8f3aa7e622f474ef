import { formatValue } from '../format.js';
import type { Playbook } from '../playbook/schema.js';
import type { CauseResult, CheckResult, MeasuredValue, SuggestionResult } from '../types.js';
import { fillText, type Verdict } from './verdict.js';

/**
 * The data device's own numbers judged against a slow-fsync verdict. etcd's fsync timer measures the
 * whole path from the write(2) to the device and back; node_exporter measures the device alone. A slow
 * fsync on a quiet device was lost above it (filesystem, the fsync path, a throttle, a neighbour on
 * shared storage); a slow fsync on a saturated device is the device's. Said in words in the summary,
 * with what to check next.
 */

/** Causes of the disk playbook whose evidence is the fsync timer. */
const FSYNC_CAUSES = new Set(['slow-disk', 'disk-or-cpu', 'fsync-stall']);
const PLAYBOOK = 'disk';
const UTIL = 'node_disk_util';
const WRITE_LATENCY = 'node_disk_write_latency';
const QUEUE = 'node_disk_queue';
/**
 * Busy at most a fifth of the time: etcd's own writes (a few hundred small appends per second) keep
 * an SSD a few percent busy, so a device this idle had time to spare for every fsync it was given.
 */
const QUIET_UTIL = 0.2;

export type DeviceState = 'quiet' | 'saturated' | 'in-between';

export interface DeviceReading {
  device?: string;
  util: MeasuredValue;
  writeLatency?: MeasuredValue;
  queue?: MeasuredValue;
}

/** The reading of the device under a member's data dir (or of the one node all members share). */
export function deviceReading(checks: CheckResult[], member: string): DeviceReading | undefined {
  const valueOf = (id: string): MeasuredValue | undefined => {
    const vals = checks.find((c) => c.playbook === PLAYBOOK && c.check === id)?.values ?? [];
    return vals.find((v) => v.member === member) ?? vals.find((v) => v.member === '*');
  };
  const util = valueOf(UTIL);
  if (!util) return undefined;
  const writeLatency = valueOf(WRITE_LATENCY);
  const queue = valueOf(QUEUE);
  return { ...(util.picked !== undefined ? { device: util.picked } : {}), util, ...(writeLatency ? { writeLatency } : {}), ...(queue ? { queue } : {}) };
}

/**
 * Saturated: any of its numbers at its warning line or past it (playbooks/disk.yaml). Quiet: rarely
 * busy and answering writes within their line, with no queue building.
 */
export function deviceState(r: DeviceReading): DeviceState {
  const readings = [r.util, r.writeLatency, r.queue].filter((v): v is MeasuredValue => v !== undefined);
  if (readings.some((v) => v.severity !== 'ok')) return 'saturated';
  if (r.util.value < QUIET_UTIL && r.writeLatency !== undefined) return 'quiet';
  return 'in-between';
}

/** "sda: 3% utilised, writes 0.4 ms, queue 0.01": the device's own numbers, without the pick note. */
function numbers(r: DeviceReading): string {
  const parts = [
    `${formatValue(r.util.value, 'ratio')} utilised`,
    r.writeLatency ? `writes ${formatValue(r.writeLatency.value, 'seconds')}` : undefined,
    r.queue ? `queue ${Number(r.queue.value.toFixed(r.queue.value >= 10 ? 0 : 2))}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return `${r.device !== undefined ? `${r.device}: ` : ''}${parts.join(', ')}`;
}

const WORDS: Record<DeviceState, (r: DeviceReading, cause: string) => string> = {
  // Where fsyncs are not yet all slow, a starved CPU is still one of the places above the device.
  quiet: (r, cause) =>
    `; the device itself is not busy (${numbers(r)}): the time is lost above it (${cause === 'disk-or-cpu' ? 'a starved CPU, ' : ''}filesystem, fsync path, a noisy neighbour on shared storage, a throttled cloud volume)`,
  saturated: (r) => `; the device itself is saturated (${numbers(r)}): it is the device`,
  'in-between': (r) => `; the device: ${numbers(r)}`,
};

/** The suggestion of playbooks/disk.yaml that says what to check next, per state. */
const SUGGESTION: Partial<Record<DeviceState, string>> = { quiet: 'above-device', saturated: 'device-saturated' };
/** Advice that acts on the device's queue: no help when the device has no queue to speak of. */
const NO_HELP_WHEN_QUIET = new Set(['ionice']);

/**
 * The verdict with each fsync cause's summary told what the device under it did, and the matching
 * suggestion added. Unchanged when no node_disk_* numbers were read for the cause's member. Effects
 * (explained by another cause) get the words but no suggestion: their cause's advice comes first.
 * Causes reported only as information (a busy node's marginal timings) are left as they are: short.
 */
export function judgeDevice(verdict: Verdict, checks: CheckResult[], playbooks: Playbook[], cluster: string): Verdict {
  const added: SuggestionResult[] = [];
  const states: DeviceState[] = [];
  const judge = <C extends CauseResult>(c: C, advise: boolean): C => {
    if (c.playbook !== PLAYBOOK || !FSYNC_CAUSES.has(c.cause)) return c;
    // The most affected member comes first: its node is the one to read.
    const reading = deviceReading(checks, c.members[0] ?? '*');
    if (!reading) return c;
    const state = deviceState(reading);
    if (advise) advice(c, state, reading);
    return { ...c, summary: c.summary + WORDS[state](reading, c.cause) };
  };
  const advice = (c: CauseResult, state: DeviceState, reading: DeviceReading): void => {
    states.push(state);
    const id = SUGGESTION[state];
    const s = id ? playbooks.find((p) => p.id === PLAYBOOK)?.suggestions.find((x) => x.id === id) : undefined;
    if (!s || !id) return;
    const same = added.find((x) => x.id === id);
    // One suggestion for every cause it applies to, as the verdict's own suggestions are.
    if (same) same.members = [...new Set([...same.members, ...c.members])];
    else {
      const fill = (t: string): string => fillText(t.replaceAll('{device}', reading.device ?? 'the data device'), c.members, cluster);
      added.push({ playbook: PLAYBOOK, id, text: fill(s.text), ...(s.command ? { command: fill(s.command) } : {}), members: [...c.members] });
    }
  };
  const causes = verdict.causes.map((c) => judge(c, true));
  const consequences = verdict.consequences.map((c) => judge(c, false));
  // Dropped only when every fsync cause sits on a quiet device and no other cause asked for it.
  const othersAsk = (id: string): boolean => causes.some((c) => !(c.playbook === PLAYBOOK && FSYNC_CAUSES.has(c.cause)) && c.suggestions.includes(id));
  const quietOnly = states.length > 0 && states.every((s) => s === 'quiet');
  const kept = verdict.suggestions.filter((s) => !(quietOnly && s.playbook === PLAYBOOK && NO_HELP_WHEN_QUIET.has(s.id) && !othersAsk(s.id)));
  // What to check about the device comes before the generic disk advice it qualifies.
  return { causes, consequences, information: verdict.information, suggestions: [...added, ...kept] };
}
