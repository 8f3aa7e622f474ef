import { FLAG_TABLE } from './flag-table.js';
import type { EtcdMinor, FlagInMinor } from './types.js';

/** An etcd release, as etcd_server_version's server_version label gives it ("3.5.9"). */
export interface EtcdVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseEtcdVersion(text: string): EtcdVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text.trim().replace(/^v/, '') };
}

export function compareVersions(a: EtcdVersion, b: EtcdVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The table's minor for a version; versions outside 3.4–3.6 have no flag data. */
export function minorOf(v: EtcdVersion): EtcdMinor | undefined {
  const key = `${v.major}.${v.minor}`;
  return (FLAG_TABLE.minors as readonly string[]).includes(key) ? (key as EtcdMinor) : undefined;
}

export type EtcdProgram = 'etcd' | 'etcdctl';

/** The entry when `v` lies in its since…until span. */
function inSpan<T extends { since: string; until?: string }>(entry: T | undefined, v: EtcdVersion): T | undefined {
  if (!entry) return undefined;
  const since = parseEtcdVersion(entry.since)!;
  const until = entry.until ? parseEtcdVersion(entry.until) : undefined;
  if (compareVersions(v, since) < 0 || (until && compareVersions(v, until) > 0)) return undefined;
  return entry;
}

/** Whether that release's etcdctl has the command ("endpoint status"; "" is etcdctl itself). */
export function etcdctlCommandIn(command: string, v: EtcdVersion): boolean {
  const minor = minorOf(v);
  return minor !== undefined && inSpan(FLAG_TABLE.etcdctlCommands.commands[command]?.[minor], v) !== undefined;
}

/**
 * The flag as defined in that release, or undefined when that release does not have it. With an etcdctl
 * `command`, only a flag that command takes in that release counts: a global flag, its own, or a
 * persistent flag of a parent (`--cluster` is defrag's and endpoint's, not get's). Without one, any
 * command's flag counts.
 */
export function flagIn(program: EtcdProgram, name: string, v: EtcdVersion, command?: string): FlagInMinor | undefined {
  const minor = minorOf(v);
  if (!minor) return undefined;
  if (program === 'etcdctl' && command !== undefined) {
    if (!etcdctlCommandIn(command, v)) return undefined;
    const byCommand = FLAG_TABLE.etcdctlCommands.flags;
    return inSpan(byCommand['']?.[name]?.[minor], v) ?? inSpan(byCommand[command]?.[name]?.[minor], v);
  }
  return inSpan(FLAG_TABLE.flags[program][name]?.[minor], v);
}

/** The long name of a one-letter etcdctl flag (-w → write-out) in that release (for that command, when given). */
export function longNameOf(program: EtcdProgram, short: string, v: EtcdVersion, command?: string): string | undefined {
  const minor = minorOf(v);
  if (!minor) return undefined;
  for (const [name, byMinor] of Object.entries(FLAG_TABLE.flags[program])) {
    if (byMinor[minor]?.short === short && flagIn(program, name, v, command)) return name;
  }
  return undefined;
}

/** Every spelling of the same setting across releases: --experimental-compaction-batch-limit and --compaction-batch-limit. */
export function spellingsOf(name: string): string[] {
  const family = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of FLAG_TABLE.renames) {
      if (family.has(r.from) !== family.has(r.to)) {
        family.add(r.from);
        family.add(r.to);
        grew = true;
      }
    }
  }
  return [...family];
}
