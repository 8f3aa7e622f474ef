import { readScenarioMeta, type Transform } from './fixture-prometheus.js';

/**
 * A recording whose data device is made saturated during the fault, for the one case no lab fault
 * produces (the lab's disk fault delays fdatasync in the syscall, above an idle device). Only the three
 * node_disk_* counters the disk checks read are changed, and only from the fault's start: each advances
 * by an extra amount per second of fault, as a device kept busy by another writer would:
 * - node_disk_io_time_seconds_total +0.95 s/s (busy 95% of the time more than recorded),
 * - node_disk_io_time_weighted_seconds_total +8 s/s (8 more requests in flight on average),
 * - node_disk_write_time_seconds_total +8 s/s (the same 8 requests' wait, charged to writes: with
 *   the recorded ~400 writes/s, about 20 ms more per write).
 * From the fault's end on, the counters keep the offset reached then (a counter never goes back).
 * HALF_BUSY instead adds only +0.5 s/s of busy time: a device in use but below every line.
 * Every other series, every etcd timing and every log line is the recording's. test/fixtures/README.md
 * says so beside the recording.
 */
export const SATURATION: Readonly<Record<string, number>> = {
  node_disk_io_time_seconds_total: 0.95,
  node_disk_io_time_weighted_seconds_total: 8,
  node_disk_write_time_seconds_total: 8,
};

export const HALF_BUSY: Readonly<Record<string, number>> = { node_disk_io_time_seconds_total: 0.5 };

const SAMPLE = /^([a-z_]+)\{.*\}\s(\S+)\s(\S+)$/;

export function saturateDevice(openMetrics: string, fault: { start: number; end: number }, load: Readonly<Record<string, number>> = SATURATION): string {
  return openMetrics
    .split('\n')
    .map((line) => {
      const m = SAMPLE.exec(line);
      const extra = m ? load[m[1]!] : undefined;
      if (!m || extra === undefined) return line;
      const t = Number(m[3]);
      const busy = Math.min(t, fault.end) - fault.start;
      if (busy <= 0) return line;
      const value = Number(m[2]) + extra * busy;
      return `${line.slice(0, line.length - m[2]!.length - m[3]!.length - 1)}${value.toFixed(3)} ${m[3]}`;
    })
    .join('\n');
}

/** The transform for loadScenario: the scenario's data device saturated (or half busy) during its fault. */
export function saturatedDeviceTransform(scenario: string, load: 'saturated' | 'half-busy' = 'saturated'): Transform {
  const meta = readScenarioMeta(scenario);
  const fault = { start: Date.parse(meta.fault.start) / 1000, end: Date.parse(meta.fault.end) / 1000 };
  return { key: `device-${load}`, metrics: (om) => saturateDevice(om, fault, load === 'saturated' ? SATURATION : HALF_BUSY) };
}
