import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/judge/diagnose.js';
import type { Evidence } from '../../../src/diagnosis/evidence/evidence.js';
import { loadPlaybooks } from '../../../src/diagnosis/playbook/load.js';
import { commandFlags } from '../../../src/diagnosis/etcd-flags/command-flags.js';
import { FLAG_TABLE } from '../../../src/diagnosis/etcd-flags/flag-table.js';
import { flagIn, longNameOf, parseEtcdVersion } from '../../../src/diagnosis/etcd-flags/versions.js';
import { loadScenario, type LoadedScenario } from '../../support/fixture-prometheus.js';
import { diagnoseRecorded } from '../../support/recorded-diagnosis.js';
import { asRelease, type Target } from '../../support/etcd-release-lines.js';
import { metricsAsRelease } from '../../support/etcd-release-metrics.js';
import type { Diagnosis } from '../../../src/diagnosis/types.js';

/**
 * The flag table against the one etcd release that runs here (Debian's 3.4.23: `etcd --help`, `etcdctl
 * … --help`), and recorded incidents diagnosed as if their members ran 3.5 or 3.6: the evidence is the
 * real recording with only etcd_server_version's server_version label changed, as a 3.5/3.6 member
 * exports it (etcd's server/etcdserver/metrics.go: etcd_server_version{server_version}).
 */
const run = promisify(execFile);
const v3423 = parseEtcdVersion('3.4.23')!;
const playbooks = loadPlaybooks();

async function helpFlags(cmd: string, args: string[]): Promise<string[]> {
  const { stdout, stderr } = await run(cmd, args, { env: { ...process.env, ETCDCTL_API: '3' } }).catch((e: { stdout: string; stderr: string }) => e);
  return [...new Set([...`${stdout}\n${stderr}`.matchAll(/^\s+(?:-[a-zA-Z], )?--([a-z0-9][a-z0-9.-]*)/gm)].map((m) => m[1]!))].sort();
}

describe('the flag table against the etcd 3.4.23 that runs here', () => {
  it('every flag etcd --help lists is in the table for 3.4.23', async () => {
    const help = await helpFlags('etcd', ['--help']);
    expect(help.length).toBeGreaterThan(50);
    expect(help.filter((f) => !flagIn('etcd', f, v3423))).toEqual([]);
  });

  it('the etcd binary takes every flag the table gives 3.4.23 (--help leaves some out), and refuses the 3.6 names', async () => {
    /** etcd parses every flag before it acts on --version: an unknown one is named, a known one is not. */
    const refused = async (flag: string): Promise<boolean> => {
      const { stdout, stderr } = await run('etcd', [`--${flag}=1`, '--version']).catch((e: { stdout: string; stderr: string }) => e);
      return `${stdout}${stderr}`.includes(`flag provided but not defined: -${flag}`);
    };
    const table = Object.keys(FLAG_TABLE.flags.etcd).filter((f) => flagIn('etcd', f, v3423));
    expect(table.length).toBeGreaterThan(80);
    const refusedOnes: string[] = [];
    for (const f of table) if (await refused(f)) refusedOnes.push(f);
    expect(refusedOnes).toEqual([]);
    for (const f of ['compaction-batch-limit', 'backend-bbolt-freelist-type', 'experimental-compaction-sleep-interval']) {
      expect(flagIn('etcd', f, v3423)).toBeUndefined();
      expect(await refused(f)).toBe(true);
    }
  });

  it.each([
    [['get']],
    [['endpoint', 'status']],
    [['endpoint', 'health']],
    [['defrag']],
    [['compaction']],
    [['alarm', 'list']],
    [['alarm', 'disarm']],
  ])('etcdctl %j --help lists exactly the flags the table gives that command in 3.4.23', async (sub) => {
    const help = await helpFlags('etcdctl', [...sub, '--help']);
    expect(help.length).toBeGreaterThan(5);
    const command = sub.join(' ');
    const table = [...new Set([...Object.keys(FLAG_TABLE.etcdctlCommands.flags[''] ?? {}), ...Object.keys(FLAG_TABLE.etcdctlCommands.flags[command] ?? {})])]
      .filter((f) => flagIn('etcdctl', f, v3423, command))
      .sort();
    // --help is cobra's own, defined by no etcd source file.
    expect(help.filter((f) => f !== 'help')).toEqual(table);
  });

  it('etcdctl get of 3.4.23 has no --count-only, as the table says (it came in 3.4.24)', async () => {
    expect(await helpFlags('etcdctl', ['get', '--help'])).not.toContain('count-only');
    expect(FLAG_TABLE.flags.etcdctl['count-only']!['3.4']!.since).toBe('3.4.24');
  });
});

const loaded: LoadedScenario[] = [];
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.stop()));
});

/** The recorded evidence with every member reporting `version` instead of 3.4.23. */
function evidenceAsRelease(evidence: Evidence, version: string): Evidence {
  return {
    ...evidence,
    queries: evidence.queries.map((q) =>
      q.promql.includes('etcd_server_version')
        ? { ...q, result: q.result?.map((s) => ({ ...s, labels: { ...s.labels, server_version: version } })) }
        : q,
    ),
  };
}

function invalidFlags(command: string, version: string): string[] {
  const release = parseEtcdVersion(version)!;
  return commandFlags(command)
    .filter((f) => (f.short ? !longNameOf(f.program, f.name, release, f.command) : !flagIn(f.program, f.name, release, f.command)))
    .map((f) => f.token);
}

describe('recorded incidents as if the members ran etcd 3.5 or 3.6', () => {
  it.each(['cpu-starved-follower', 'capacity-write-flood', 'expensive-requests', 'network-slow-follower', 'disk-slow-follower'])(
    '%s: the same causes, and every command valid for and labelled with the release the members run',
    async (name) => {
      const s = await loadScenario(name);
      loaded.push(s);
      const { evidence, diagnosis } = await diagnoseRecorded(s, { url: s.url });
      expect(diagnosis.members.map((m) => m.version)).toEqual(['3.4.23', '3.4.23', '3.4.23']);
      for (const version of ['3.4.23', '3.5.9', '3.5.21', '3.6.5']) {
        const d = diagnose(evidenceAsRelease(evidence, version), playbooks);
        expect(d.causes.map((c) => c.cause)).toEqual(diagnosis.causes.map((c) => c.cause));
        for (const sug of d.suggestions.filter((x) => x.command && commandFlags(x.command).length > 0)) {
          expect(invalidFlags(sug.command!, version), `${sug.id} on ${version}: ${sug.command}`).toEqual([]);
          expect(sug.text.endsWith(`(for etcd ${version})`), sug.text).toBe(true);
          expect(sug.etcd_version).toBe(version);
        }
      }
    },
  );

  it('what changes for the people reading it: snapshot-count and the freelist only where they help, --count-only only where etcdctl has it', async () => {
    const s = await loadScenario('capacity-write-flood');
    loaded.push(s);
    const { evidence } = await diagnoseRecorded(s, { url: s.url });
    const ids = (version: string): string[] => diagnose(evidenceAsRelease(evidence, version), playbooks).suggestions.map((x) => x.id);
    expect(ids('3.5.21')).toContain('snapshot-count');
    expect(ids('3.6.5')).not.toContain('snapshot-count');

    const cpu = await loadScenario('cpu-starved-follower');
    loaded.push(cpu);
    const cpuEvidence = (await diagnoseRecorded(cpu, { url: cpu.url })).evidence;
    const freelist = (version: string) => diagnose(evidenceAsRelease(cpuEvidence, version), playbooks).suggestions.find((x) => x.id === 'freelist-map');
    expect(freelist('3.4.23')?.command).toBe('etcd ... --experimental-backend-bbolt-freelist-type=map');
    expect(freelist('3.5.9')).toBeUndefined();

    const expensive = await loadScenario('expensive-requests');
    loaded.push(expensive);
    const exEvidence = (await diagnoseRecorded(expensive, { url: expensive.url })).evidence;
    const serializable = (version: string) => diagnose(evidenceAsRelease(exEvidence, version), playbooks).suggestions.find((x) => x.id === 'serializable')!.command;
    expect(serializable('3.4.23')).toBe('etcdctl get <prefix> --prefix --consistency=s --keys-only | grep -c .');
    expect(serializable('3.4.24')).toBe('etcdctl get <prefix> --prefix --consistency=s --count-only');
  });
});

/**
 * Recorded incidents as 3.5 and 3.6 members would have written them: metrics through metricsAsRelease
 * (the series etcd removed after 3.4 gone, the version label changed), logs through asRelease (each line
 * as that release writes it; 3.6 also in --log-format=console). The diagnosis must not notice: the same
 * causes on the same members with the same numbers, the same checks, the same expensive requests.
 */
describe('recorded incidents with metrics and logs as etcd 3.5 and 3.6 write them', () => {
  const targets: Target[] = [{ version: '3.5.21' }, { version: '3.6.5', console: true }];
  const asReleaseLogs = (text: string, target: Target): string =>
    text
      .split('\n')
      .map((l) => (l.startsWith('{') ? asRelease(l, target) : l))
      .filter((l): l is string => l !== null)
      .join('\n');
  /** What a reader acts on, without the suggestions' "(for etcd X)" and the members' versions. */
  const verdict = (d: Diagnosis) => ({
    healthy: d.healthy,
    headline: d.headline,
    causes: d.causes.map(({ suggestions: _s, ...c }) => c),
    consequences: d.consequences,
    information: d.information,
    findings: d.findings,
    expensive_requests: d.expensive_requests,
    waiting_requests: d.waiting_requests,
    missing_evidence: d.missing_evidence,
    queries: d.evidence.queries,
    log_events: d.evidence.log_events,
  });

  it('the transformation changes what 3.5/3.6 changed, and nothing the bot reads differs in type, labels or buckets', () => {
    const om = 'etcd_debugging_mvcc_db_total_size_in_bytes{instance="etcd-1"} 20480 1.5\netcd_mvcc_db_total_size_in_bytes{instance="etcd-1"} 20480 1.5\netcd_server_version{instance="etcd-1",server_version="3.4.23"} 1 1.5';
    const r = metricsAsRelease(om, '3.5.21');
    expect(r.removed).toEqual(['etcd_debugging_mvcc_db_total_size_in_bytes']);
    expect(r.text).toBe('etcd_mvcc_db_total_size_in_bytes{instance="etcd-1"} 20480 1.5\netcd_server_version{instance="etcd-1",server_version="3.5.21"} 1 1.5');
    expect(r.mismatched).toEqual([]);
  });

  it.each(['disk-slow-follower', 'network-slow-follower', 'expensive-requests', 'capacity-write-flood'])('%s: the same verdict on 3.4.23, 3.5.21 and 3.6.5', async (name) => {
    const original = await loadScenario(name);
    loaded.push(original);
    const base = (await diagnoseRecorded(original, { url: original.url })).diagnosis;
    expect(base.causes.length + (base.healthy ? 1 : 0)).toBeGreaterThan(0);
    for (const target of targets) {
      let transformed: ReturnType<typeof metricsAsRelease> | undefined;
      const s = await loadScenario(name, {
        transform: {
          key: `etcd-${target.version}${target.console ? '-console' : ''}`,
          metrics: (om) => (transformed = metricsAsRelease(om, target.version)).text,
          logs: (text) => asReleaseLogs(text, target),
        },
      });
      loaded.push(s);
      if (transformed) {
        // Built now (not from the TSDB cache): the recording had 3.4-only series, and nothing mismatched.
        expect(transformed.removed).toContain('etcd_debugging_mvcc_db_total_size_in_bytes');
        expect(transformed.mismatched).toEqual([]);
      }
      const d = (await diagnoseRecorded(s, { url: s.url })).diagnosis;
      expect(d.members.map((m) => m.version)).toEqual(base.members.map(() => target.version));
      expect(verdict(d), `${name} as ${target.version}`).toEqual(verdict(base));
    }
  });
});
