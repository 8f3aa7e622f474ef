import { commandFlags } from './command-flags.js';
import { FLAG_TABLE } from './flag-table.js';
import { respellForVersion } from './respell.js';
import { compareVersions, parseEtcdVersion, type EtcdVersion } from './versions.js';

/** A playbook suggestion's etcd section: the releases it is for, and commands for older releases. */
export interface SuggestionEtcd {
  from?: string;
  below?: string;
  older: Array<{ below: string; command: string }>;
}

export interface VersionedCommand {
  command?: string;
  /** Said after the suggestion's text: which etcd release(s) the command was written for; empty when it runs no etcd. */
  note: string;
  /** The releases the command is for, e.g. "3.4.23" or "3.4.23, 3.6.1"; absent when unknown. */
  etcdVersion?: string;
}

/** The command as written (filled in), with the playbook's version rules and commands for older releases. */
export interface SuggestionCommand {
  command: string | undefined;
  etcd?: SuggestionEtcd;
  fill: (text: string) => string;
}

const v = (text: string): EtcdVersion => parseEtcdVersion(text)!;

export function inRange(version: EtcdVersion, etcd: SuggestionEtcd | undefined): boolean {
  if (etcd?.from && compareVersions(version, v(etcd.from)) < 0) return false;
  if (etcd?.below && compareVersions(version, v(etcd.below)) >= 0) return false;
  return true;
}

/** The command for one release: the playbook's command for older releases when one applies, respelled. */
export function commandFor(s: SuggestionCommand, version: EtcdVersion): string | undefined {
  const older = (s.etcd?.older ?? [])
    .filter((o) => compareVersions(version, v(o.below)) < 0)
    .sort((a, b) => compareVersions(v(a.below), v(b.below)))[0];
  const command = older ? s.fill(older.command) : s.command;
  return command === undefined ? undefined : respellForVersion(command, version).command;
}

/**
 * A suggestion for the members it names, by the etcd release each runs (etcd_server_version): undefined
 * when none of them runs a release it is for; otherwise the command spelled for their release, one
 * command per release when they run several (a cluster mid-upgrade), and a note saying which.
 */
export function forMemberVersions(s: SuggestionCommand, members: string[], versions: Record<string, string>): VersionedCommand | undefined {
  const named = members.filter((m) => m !== '*');
  const targets = named.length > 0 ? named : Object.keys(versions);
  const byVersion = new Map<string, string[]>();
  let unknown = targets.length === 0;
  for (const m of targets) {
    const text = versions[m];
    if (text !== undefined && parseEtcdVersion(text)) byVersion.set(text, [...(byVersion.get(text) ?? []), m]);
    else unknown = true;
  }
  const wanted = [...byVersion.keys()].map(v).sort(compareVersions).filter((ver) => inRange(ver, s.etcd));
  const runsEtcd = (cmd: string | undefined): boolean => cmd !== undefined && commandFlags(cmd).length > 0;

  if (wanted.length === 0) {
    if (!unknown) return undefined;
    const note = runsEtcd(s.command) ? ` (etcd version not known: flags as etcd ${validIn(s.command!)} spell them)` : '';
    return { ...(s.command !== undefined ? { command: s.command } : {}), note };
  }
  const commands = wanted.map((ver) => ({ ver, command: commandFor(s, ver) }));
  const etcdVersion = wanted.map((w) => w.text).join(', ');
  const distinct = [...new Set(commands.map((c) => c.command))];
  if (distinct.length === 1) {
    const command = distinct[0];
    const note = runsEtcd(command) || s.etcd ? ` (for etcd ${etcdVersion})` : '';
    return { ...(command !== undefined ? { command } : {}), note, ...(note ? { etcdVersion } : {}) };
  }
  const command = commands
    .map((c) => `# etcd ${c.ver.text} (${byVersion.get(c.ver.text)!.join(', ')})\n${c.command ?? '# nothing to run for this release'}`)
    .join('\n');
  return { command, note: ` (for etcd ${etcdVersion}: one command per release)`, etcdVersion };
}

/** The minors whose newest release takes every flag of the command as written, e.g. "3.4, 3.5". */
function validIn(command: string): string {
  const ok = FLAG_TABLE.minors.filter((minor) => {
    const r = respellForVersion(command, v(FLAG_TABLE.latest[minor]!));
    return r.command === command && r.missing.length === 0;
  });
  return ok.length > 0 ? ok.join(', ') : 'no release';
}
