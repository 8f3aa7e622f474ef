import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC, renderDoc } from '../../../deploy/docs/etcd-flag-doc.js';
import { metricsRead, renderDoc as renderNameDoc } from '../../../deploy/docs/etcd-name-doc.js';
import { NAME_TABLE } from '../../../deploy/docs/etcd-name-table.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { commandFlags, etcdctlCommandOf, etcdctlCommandsIn } from '../../../src/diagnosis/etcd-flags/command-flags.js';
import { FLAG_TABLE } from '../../../src/diagnosis/etcd-flags/flag-table.js';
import { commandFor, forMemberVersions, inRange } from '../../../src/diagnosis/etcd-flags/for-members.js';
import { etcdctlCommandIn, flagIn, longNameOf, parseEtcdVersion, spellingsOf, type EtcdVersion } from '../../../src/diagnosis/etcd-flags/versions.js';

/**
 * The commands the playbooks suggest, checked against the flag table read from etcd's source (every
 * release of 3.4, 3.5 and 3.6): for every release a suggestion is for, the command it shows takes only flags
 * that release defines, and no deprecated spelling when that release has a current one.
 */
const playbooks = loadPlaybooks();
const RELEASES: EtcdVersion[] = FLAG_TABLE.minors.flatMap((m) => FLAG_TABLE.releases[m].map((r) => parseEtcdVersion(r)!));
const v = (text: string): EtcdVersion => parseEtcdVersion(text)!;
const same = (t: string): string => t;

/**
 * What is wrong with a command on one release, in words; empty when nothing is. An etcdctl flag is checked
 * against the command it is given to (`etcdctl get --cluster`: get has no --cluster).
 */
function problemsOn(command: string, release: EtcdVersion): string[] {
  const out: string[] = [];
  for (const c of etcdctlCommandsIn(command)) {
    if (c === '') out.push('etcdctl is given no command it has');
    else if (!etcdctlCommandIn(c, release)) out.push(`etcdctl ${c} does not exist`);
  }
  for (const f of commandFlags(command)) {
    const who = f.command ? `${f.program} ${f.command}` : f.program;
    if (f.short) {
      if (!longNameOf(f.program, f.name, release, f.command)) out.push(`${who} ${f.token} does not exist`);
      continue;
    }
    const def = flagIn(f.program, f.name, release, f.command);
    if (!def) {
      out.push(`${who} ${f.token} does not exist`);
      continue;
    }
    const current = spellingsOf(f.name).filter((n) => n !== f.name && flagIn(f.program, n, release, f.command) && !flagIn(f.program, n, release, f.command)!.deprecated);
    if (def.deprecated && current.length > 0) out.push(`${who} ${f.token} is deprecated there, --${current[0]} is current`);
  }
  return out;
}

/** Every suggestion's command on every release it is shown for: "playbook/suggestion on etcd X: problem (command)". */
function playbookProblems(pbs: typeof playbooks): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  for (const pb of pbs) {
    for (const s of pb.suggestions) {
      if (!s.command) continue;
      for (const release of RELEASES.filter((r) => inRange(r, s.etcd))) {
        const command = commandFor({ command: s.command, etcd: s.etcd, fill: same }, release)!;
        checked++;
        for (const p of problemsOn(command, release)) problems.push(`${pb.id}/${s.id} on etcd ${release.text}: ${p} (${command})`);
      }
    }
  }
  return { problems, checked };
}

describe('etcd flags in suggested commands', () => {
  it('the table covers every release of 3.4, 3.5 and 3.6 read from etcd, with a source line for each flag', () => {
    expect(FLAG_TABLE.minors).toEqual(['3.4', '3.5', '3.6']);
    for (const m of FLAG_TABLE.minors) {
      expect(FLAG_TABLE.releases[m][0]).toBe(`${m}.0`);
      expect(FLAG_TABLE.releases[m].length).toBeGreaterThan(5);
    }
    expect(FLAG_TABLE.releases['3.4']).toContain('3.4.23');
    for (const program of ['etcd', 'etcdctl'] as const) {
      for (const [name, byMinor] of Object.entries(FLAG_TABLE.flags[program])) {
        for (const def of Object.values(byMinor)) expect(def!.source, `${program} --${name}`).toMatch(/^[\w/.-]+\.go:\d+ @ v3\.\d+\.\d+$/);
      }
    }
  });

  it('every command in the playbooks takes only flags its etcdctl command (or etcd) has in every release it is shown for', () => {
    const { problems, checked } = playbookProblems(playbooks);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(RELEASES.length * 10);
  });

  it('a suggestion giving a flag to a command that lacks it fails, naming the command, flag and release', () => {
    const withCommand = (pb: string, id: string, command: string): typeof playbooks =>
      playbooks.map((p) => (p.id !== pb ? p : { ...p, suggestions: p.suggestions.map((s) => (s.id === id ? { ...s, command } : s)) }));
    // --cluster exists in every release, but as endpoint's and defrag's flag: get does not take it.
    const get = playbookProblems(withCommand('expensive', 'paginate', 'etcdctl get <prefix> --prefix --cluster --limit=500'));
    expect(get.problems).toHaveLength(RELEASES.length);
    expect(get.problems[0]).toBe('expensive/paginate on etcd 3.4.0: etcdctl get --cluster does not exist (etcdctl get <prefix> --prefix --cluster --limit=500)');
    // defrag --data-dir: 3.4 and 3.5 only (3.6 moved offline defragmentation to etcdutl).
    const dataDir = playbookProblems(withCommand('database', 'defrag-one', 'etcdctl defrag --data-dir=/var/lib/etcd'));
    expect(dataDir.problems.map((p) => p.replace(/ \(.*$/, ''))).toEqual(
      FLAG_TABLE.releases['3.6'].map((r) => `database/defrag-one on etcd ${r}: etcdctl defrag --data-dir does not exist`),
    );
    // A command a release lacks is named too.
    expect(problemsOn('etcdctl downgrade cancel', v('3.5.9'))).toEqual(['etcdctl downgrade cancel does not exist']);
    expect(problemsOn('etcdctl downgrade cancel', v('3.6.0'))).toEqual([]);
    // A misspelt command is no command: its flags would otherwise pass as global ones.
    expect(problemsOn('etcdctl endpint status -w table', v('3.6.0'))).toEqual(['etcdctl is given no command it has']);
  });

  it('reads the etcdctl command from the words that are not flags, as etcdctl does (unique prefixes included)', () => {
    const at = (command: string): string[] => commandFlags(command).map((f) => `${f.command ?? '-'} ${f.token}`);
    expect(at('etcdctl endpoint status --cluster -w table')).toEqual(['endpoint status --cluster', 'endpoint status -w']);
    expect(at('etcdctl --endpoints=<{member} client URL> defrag --command-timeout=60s')).toEqual(['defrag --endpoints', 'defrag --command-timeout']);
    expect(etcdctlCommandsIn('rev=$(etcdctl endpoint status -w json | head -1) && etcdctl compact "$rev" && etcdctl alarm list')).toEqual([
      'endpoint status',
      'compaction',
      'alarm list',
    ]);
    expect(etcdctlCommandOf(['get', 'endpoint'])).toBe('get');
    expect(etcdctlCommandOf(['c'])).toBe(''); // check, compaction, completion: not one command
    expect(flagIn('etcdctl', 'cluster', v('3.5.9'), 'endpoint health')).toBeDefined();
    expect(flagIn('etcdctl', 'cluster', v('3.5.9'), 'get')).toBeUndefined();
    expect(flagIn('etcdctl', 'cluster', v('3.5.9'))).toBeDefined(); // some command has it
    expect(longNameOf('etcdctl', 'w', v('3.4.23'), 'alarm list')).toBe('write-out');
  });

  it('without the rules of the playbooks, the commands as written would be wrong on some releases (what the rules are for)', () => {
    const asWritten = (pb: string, id: string): string => playbooks.find((p) => p.id === pb)!.suggestions.find((s) => s.id === id)!.command!;
    expect(problemsOn(asWritten('capacity', 'compaction-batch'), v('3.4.23'))).toEqual(['etcd --experimental-compaction-sleep-interval does not exist']);
    expect(problemsOn(asWritten('capacity', 'compaction-batch'), v('3.6.5'))).toEqual([
      'etcd --experimental-compaction-batch-limit is deprecated there, --compaction-batch-limit is current',
      'etcd --experimental-compaction-sleep-interval is deprecated there, --compaction-sleep-interval is current',
    ]);
    expect(problemsOn(asWritten('expensive', 'serializable'), v('3.4.23'))).toEqual(['etcdctl get --count-only does not exist']);
    expect(problemsOn(asWritten('disk', 'freelist-map'), v('3.5.0'))).toEqual(['etcd --experimental-backend-bbolt-freelist-type does not exist']);
  });

  it('each release gets its own spelling', () => {
    const compaction = playbooks.find((p) => p.id === 'capacity')!.suggestions.find((s) => s.id === 'compaction-batch')!;
    const as = (release: string): string | undefined => commandFor({ command: compaction.command, etcd: compaction.etcd, fill: same }, v(release));
    expect(as('3.4.23')).toBe('etcd ... --experimental-compaction-batch-limit=500');
    expect(as('3.5.15')).toBe('etcd ... --experimental-compaction-batch-limit=500');
    expect(as('3.5.16')).toBe('etcd ... --experimental-compaction-batch-limit=500 --experimental-compaction-sleep-interval=20ms');
    expect(as('3.6.0')).toBe('etcd ... --compaction-batch-limit=500 --compaction-sleep-interval=20ms');
    const freelist = { command: 'etcd ... --experimental-backend-bbolt-freelist-type=map', fill: same };
    expect(commandFor(freelist, v('3.5.9'))).toBe('etcd ... --backend-bbolt-freelist-type=map');
    expect(commandFor({ command: 'etcd ... --backend-bbolt-freelist-type=map', fill: same }, v('3.4.23'))).toBe('etcd ... --experimental-backend-bbolt-freelist-type=map');
  });

  it('suggestions only for the releases they are for: 3.6 already snapshots every 10000 entries, 3.5 already uses the map freelist', () => {
    const etcdOf = (pb: string, id: string) => playbooks.find((p) => p.id === pb)!.suggestions.find((s) => s.id === id)!.etcd;
    expect(FLAG_TABLE.snapshotCountDefault['3.6']!.value).toBe(10000);
    expect(FLAG_TABLE.snapshotCountDefault['3.5']!.value).toBe(100000);
    for (const [pb, id] of [['capacity', 'snapshot-count'], ['resources', 'memory']] as const) {
      expect(inRange(v('3.5.21'), etcdOf(pb, id))).toBe(true);
      expect(inRange(v('3.6.0'), etcdOf(pb, id))).toBe(false);
    }
    expect(inRange(v('3.4.23'), etcdOf('disk', 'freelist-map'))).toBe(true);
    expect(inRange(v('3.5.0'), etcdOf('disk', 'freelist-map'))).toBe(false);
  });

  it('says which release a command is for; one command per release in a cluster mid-upgrade; unknown releases said so', () => {
    const s = { command: 'etcd ... --experimental-compaction-batch-limit=500', fill: same };
    expect(forMemberVersions(s, ['etcd-1'], { 'etcd-1': '3.4.23', 'etcd-2': '3.6.1' })).toEqual({
      command: 'etcd ... --experimental-compaction-batch-limit=500',
      note: ' (for etcd 3.4.23)',
      etcdVersion: '3.4.23',
    });
    expect(forMemberVersions(s, [], { 'etcd-1': '3.4.23', 'etcd-2': '3.6.1', 'etcd-3': '3.6.1' })).toEqual({
      command: '# etcd 3.4.23 (etcd-1)\netcd ... --experimental-compaction-batch-limit=500\n# etcd 3.6.1 (etcd-2, etcd-3)\netcd ... --compaction-batch-limit=500',
      note: ' (for etcd 3.4.23, 3.6.1: one command per release)',
      etcdVersion: '3.4.23, 3.6.1',
    });
    expect(forMemberVersions(s, ['etcd-1'], {})).toEqual({
      command: 'etcd ... --experimental-compaction-batch-limit=500',
      note: ' (etcd version not known: flags as etcd 3.4, 3.5 spell them)',
    });
    // Not for the release the members run: not shown.
    expect(forMemberVersions({ ...s, etcd: { below: '3.6', older: [] } }, ['etcd-1'], { 'etcd-1': '3.6.1' })).toBeUndefined();
    // Commands that run no etcd program carry no note.
    expect(forMemberVersions({ command: 'sudo ionice -c2 -n0 -p "$(pgrep -x etcd)"', fill: same }, ['etcd-1'], { 'etcd-1': '3.6.1' })).toEqual({
      command: 'sudo ionice -c2 -n0 -p "$(pgrep -x etcd)"',
      note: '',
    });
  });

  it('deploy/docs/etcd-versions.md shows the table the bot uses (regenerate with npx tsx deploy/docs/etcd-flag-doc.ts)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(renderDoc(doc)).toBe(doc);
    expect(doc).toContain('| etcd | `--compaction-batch-limit` | — | — | all: [server/embed/config.go:');
    expect(doc).toContain('| `etcdctl endpoint status` | `--cluster` | all: [etcdctl/ctlv3/command/ep_command.go:');
  });

  it('deploy/docs/etcd-versions.md shows the metric and log names the bot reads, per release (regenerate with npx tsx deploy/docs/etcd-name-doc.ts)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(renderNameDoc(doc)).toBe(doc);
    // Every metric the playbooks and the diagnosis read is defined by every release of 3.5 and 3.6 with
    // the type, labels and buckets 3.4.23 gave it: one query serves them all.
    const read = metricsRead();
    expect(read).toContain('etcd_disk_wal_fsync_duration_seconds');
    expect(read.length).toBeGreaterThan(20);
    for (const name of read) {
      const by = NAME_TABLE.metrics[name]!;
      for (const minor of ['3.5', '3.6'] as const) {
        expect(by[minor], `${name} in ${minor}`).toBeDefined();
        expect(by[minor]!.since, `${name} in ${minor}`).toBe(`${minor}.0`);
        expect(by[minor]!.until, `${name} in ${minor}`).toBeUndefined();
        expect([by[minor]!.type, by[minor]!.labels, by[minor]!.buckets], `${name} in ${minor}`).toEqual([by['3.4']!.type, by['3.4']!.labels, by['3.4']!.buckets]);
      }
    }
  });

  it('finds etcd and etcdctl flags inside shell: chains, pipes, $(…), sudo, variables, and not in comments or other programs', () => {
    const flags = commandFlags(
      'rev=$(etcdctl endpoint status -w json | grep -o x) && sudo ETCDCTL_API=3 etcdctl --endpoints=a defrag --command-timeout=1s; kube-apiserver --etcd-servers=x # etcd --not-this',
    );
    expect(flags.map((f) => `${f.program} ${f.command} ${f.token}`)).toEqual([
      'etcdctl endpoint status -w',
      'etcdctl defrag --endpoints',
      'etcdctl defrag --command-timeout',
    ]);
  });
});
