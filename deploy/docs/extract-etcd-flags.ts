/**
 * Builds src/diagnosis/etcd-flags/flag-table.ts from etcd's own source: which `etcd` and `etcdctl` flags
 * exist in every release of 3.4, 3.5 and 3.6 (the flag definitions in etcdmain/config.go, embed/config.go
 * and etcdctl/ctlv3), which are deprecated (3.6's deprecatedFlags), which were renamed (3.6's
 * experimentalFlagMigrationMap; the 3.5 freelist rename from CHANGELOG-3.5.md) and the --snapshot-count
 * default (DefaultSnapshotCount), each with the file and line it was read from; and which etcdctl
 * subcommand takes which flag: the cobra command tree of etcdctl/ctlv3 (ctl.go's rootCmd.AddCommand, each
 * command's own flags and the persistent flags of its parents; the root's persistent flags are global).
 *
 *   git clone --bare https://github.com/etcd-io/etcd etcd.git
 *   npx tsx deploy/docs/extract-etcd-flags.ts etcd.git > src/diagnosis/etcd-flags/flag-table.ts
 */
import { callArgs, etcdGit, MINORS, type Minor } from './etcd-git.js';

const gitDir = process.argv[2];
if (!gitDir) {
  process.stderr.write('usage: extract-etcd-flags.ts <etcd git dir>\n');
  process.exit(2);
}
const { git, show, tagsOf } = etcdGit(gitDir);

interface Found { name: string; short?: string; line: number; file: string; receiver?: string; persistent?: boolean }

/** Every flag defined with the flag or pflag packages: fs.StringVar(&x, "name", ...), cmd.Flags().BoolVarP(&x, "name", "s", ...), fs.Var(v, "name", ...). */
function flagsIn(text: string, file: string): Found[] {
  const out: Found[] = [];
  const call = /\.(Bool|String|Int|Int64|Int32|Uint|Uint64|Uint32|Duration|Float64|StringSlice|StringArray|StringToString|IntSlice)?(Var)?(P)?\(/g;
  const lineAt = (i: number): number => text.slice(0, i).split('\n').length;
  for (let m = call.exec(text); m; m = call.exec(text)) {
    const [, type, isVar, isP] = m;
    if (!type && !isVar) continue; // a plain call that is not a flag definition
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (!/(\bfs|[Ff]lags\(\)|flagSet|FlagSet)$/.test(before)) continue;
    const parsed = callArgs(text, m.index + m[0].length - 1);
    if (!parsed) continue;
    const nameArg = parsed.args[isVar ? 1 : 0];
    const lit = nameArg && /^"([a-z0-9][a-z0-9.-]*)"$/.exec(nameArg.text);
    if (!lit) continue;
    const shortArg = isP ? parsed.args[isVar ? 2 : 1] : undefined;
    const short = shortArg && /^"([a-zA-Z])"$/.exec(shortArg.text)?.[1];
    const owner = /(\w+)\.(Persistent)?Flags\(\)$/.exec(before);
    out.push({
      name: lit[1]!,
      ...(short ? { short } : {}),
      line: lineAt(nameArg.at + nameArg.text.indexOf('"')),
      file,
      ...(owner ? { receiver: owner[1]!, persistent: owner[2] !== undefined } : {}),
    });
  }
  return out;
}

/** `"key": "value",` entries of a Go map literal that starts with `header`. */
function goMap(text: string, header: RegExp): Array<{ key: string; value: string; line: number }> {
  const m = header.exec(text);
  if (!m) return [];
  const startLine = text.slice(0, m.index).split('\n').length;
  const out: Array<{ key: string; value: string; line: number }> = [];
  const lines = text.slice(m.index).split('\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*}/.test(l)) break;
    const e = /^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",/.exec(l);
    if (e) out.push({ key: e[1]!, value: e[2]!.replace(/\\"/g, '"'), line: startLine + i });
  }
  return out;
}

const serverFiles = (tag: string): string[] =>
  ['etcdmain/config.go', 'embed/config.go', 'server/etcdmain/config.go', 'server/embed/config.go'].filter((f) => show(tag, f) !== undefined);
const etcdctlFiles = (tag: string): string[] =>
  git('ls-tree', '-r', '--name-only', tag, 'etcdctl/ctlv3/')
    .split('\n')
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'));

/** One cobra command as built by one Go function: its name (first word of Use), flags and the functions of its subcommands. */
interface CobraCommand { name: string; flags: Found[]; children: string[]; source: string }

/**
 * etcdctl's command tree at a tag → for each command path ("endpoint status"; "" is the root) the flags it
 * takes besides the global ones: its own, and the persistent flags of its parents (`endpoint --cluster`
 * reaches `endpoint status`). The root's persistent flags (ctl.go) are the global flags, kept under "".
 */
function etcdctlTree(tag: string): Map<string, { source: string; flags: Map<string, Found> }> {
  const funcs = new Map<string, CobraCommand>();
  let root: CobraCommand | undefined;
  for (const file of etcdctlFiles(tag)) {
    const text = show(tag, file)!;
    const flags = flagsIn(text, file);
    const starts = [...text.matchAll(/^func (?:\([^)]*\)\s*)?(\w+)/gm)].map((m) => ({ name: m[1]!, at: m.index, line: text.slice(0, m.index).split('\n').length }));
    const attributed = new Set<Found>();
    starts.forEach((f, i) => {
      const body = text.slice(f.at, starts[i + 1]?.at ?? text.length);
      const use = /&?cobra\.Command\{[^}]*?Use:\s*"([a-z][a-z-]*)/.exec(body);
      const children: string[] = [];
      for (const add of body.matchAll(/\w+\.AddCommand\(/g)) {
        for (const a of callArgs(body, add.index + add[0].length - 1)?.args ?? []) {
          const fn = /^(?:command\.)?(\w+)\(\)$/.exec(a.text);
          if (fn) children.push(fn[1]!);
        }
      }
      const end = starts[i + 1]?.line ?? Infinity;
      const own = flags.filter((x) => x.line >= f.line && x.line < end);
      own.forEach((x) => attributed.add(x));
      const useLine = use ? f.line + body.slice(0, use.index + use[0].indexOf('Use:')).split('\n').length - 1 : 0;
      if (use) funcs.set(f.name, { name: use[1]!, flags: own, children, source: `${file}:${useLine}` });
      else if (file.endsWith('/ctl.go') && (children.length > 0 || own.some((x) => x.receiver === 'rootCmd'))) {
        root ??= { name: '', flags: [], children: [], source: `${file}:${f.line}` };
        root.flags.push(...own.filter((x) => x.receiver === 'rootCmd'));
        root.children.push(...children);
      } else if (own.length > 0) throw new Error(`${tag} ${file}: flags ${own.map((x) => x.name).join(', ')} in ${f.name}, which builds no cobra command`);
    });
    const stray = flags.filter((x) => !attributed.has(x));
    if (stray.length > 0) throw new Error(`${tag} ${file}: flags outside any function: ${stray.map((x) => x.name).join(', ')}`);
  }
  if (!root) throw new Error(`${tag}: etcdctl/ctlv3/ctl.go has no rootCmd.AddCommand`);
  const out = new Map<string, { source: string; flags: Map<string, Found> }>();
  out.set('', { source: root.source, flags: new Map(root.flags.map((f) => [f.name, f])) });
  const walk = (fn: string, parentPath: string, inherited: Found[]): void => {
    const c = funcs.get(fn);
    if (!c) throw new Error(`${tag}: AddCommand(${fn}()) names no function that builds a cobra command`);
    const path = parentPath ? `${parentPath} ${c.name}` : c.name;
    const own = new Map<string, Found>();
    for (const f of [...inherited, ...c.flags]) own.set(f.name, f);
    out.set(path, { source: c.source, flags: own });
    for (const child of c.children) walk(child, path, [...inherited, ...c.flags.filter((f) => f.persistent)]);
  };
  for (const child of root.children) walk(child, '', []);
  return out;
}

interface CommandInMinor { since: string; until?: string; source: string }

interface InMinor { since: string; until?: string; source: string; short?: string; deprecated?: { message: string; source: string } }
const table: Record<'etcd' | 'etcdctl', Record<string, Partial<Record<Minor, InMinor>>>> = { etcd: {}, etcdctl: {} };
const latest: Record<string, string> = {};
const renames: Array<{ from: string; to: string; minor: Minor; source: string }> = [];
const snapshotCount: Partial<Record<Minor, { value: number; source: string }>> = {};
const tagsScanned: Record<string, string[]> = {};
const prefixMatching: Partial<Record<Minor, string>> = {};
const commands: Record<string, Partial<Record<Minor, CommandInMinor>>> = {};
const commandFlagTable: Record<string, Record<string, Partial<Record<Minor, InMinor>>>> = {};

for (const minor of MINORS) {
  const tags = tagsOf(minor);
  tagsScanned[minor] = tags;
  const last = tags.at(-1)!;
  latest[minor] = last;
  for (const [prog, filesOf] of [['etcd', serverFiles], ['etcdctl', etcdctlFiles]] as const) {
    const seen = new Map<string, { since: string; lastTag: string; found: Found }>();
    for (const tag of tags) {
      // A flag several commands define (etcdctl --prefix, --consistency): cite the global flags first, then
      // `get` (what the playbooks run most), then the first file by name.
      const rank = (f: string): string => (f.endsWith('/ctl.go') ? '0' : f.endsWith('/get_command.go') ? '1' : `2${f}`);
      const inTag = new Map<string, Found>();
      for (const file of filesOf(tag).sort((a, b) => rank(a).localeCompare(rank(b)))) {
        for (const f of flagsIn(show(tag, file)!, file)) if (!inTag.has(f.name)) inTag.set(f.name, f);
      }
      for (const [name, f] of inTag) seen.set(name, { since: seen.get(name)?.since ?? tag, lastTag: tag, found: f });
    }
    for (const [name, s] of seen) {
      const entry: InMinor = {
        since: s.since.slice(1),
        ...(s.lastTag !== last ? { until: s.lastTag.slice(1) } : {}),
        source: `${s.found.file}:${s.found.line} @ ${s.lastTag}`,
        ...(s.found.short ? { short: s.found.short } : {}),
      };
      (table[prog][name] ??= {})[minor] = entry;
    }
  }
  // Which etcdctl command takes which flag, release by release.
  const cmdSeen = new Map<string, { since: string; lastTag: string; source: string }>();
  const cmdFlagSeen = new Map<string, { path: string; name: string; since: string; lastTag: string; found: Found }>();
  for (const tag of tags) {
    for (const [path, c] of etcdctlTree(tag)) {
      cmdSeen.set(path, { since: cmdSeen.get(path)?.since ?? tag, lastTag: tag, source: c.source });
      for (const [name, f] of c.flags) {
        const key = `${path}\0${name}`;
        cmdFlagSeen.set(key, { path, name, since: cmdFlagSeen.get(key)?.since ?? tag, lastTag: tag, found: f });
      }
    }
  }
  for (const [path, c] of cmdSeen) {
    (commands[path] ??= {})[minor] = { since: c.since.slice(1), ...(c.lastTag !== last ? { until: c.lastTag.slice(1) } : {}), source: `${c.source} @ ${c.lastTag}` };
  }
  for (const s of cmdFlagSeen.values()) {
    ((commandFlagTable[s.path] ??= {})[s.name] ??= {})[minor] = {
      since: s.since.slice(1),
      ...(s.lastTag !== last ? { until: s.lastTag.slice(1) } : {}),
      source: `${s.found.file}:${s.found.line} @ ${s.lastTag}`,
      ...(s.found.short ? { short: s.found.short } : {}),
    };
  }
  const ctl = show(last, 'etcdctl/ctlv3/ctl.go') ?? '';
  const prefix = ctl.split('\n').findIndex((l) => /cobra\.EnablePrefixMatching = true/.test(l));
  if (prefix >= 0) prefixMatching[minor] = `etcdctl/ctlv3/ctl.go:${prefix + 1} @ ${last}`;

  // Deprecations and renames as the newest release of the minor states them.
  for (const file of serverFiles(last)) {
    const text = show(last, file)!;
    for (const d of goMap(text, /deprecatedFlags = map\[string\]string\{/)) {
      const e = table.etcd[d.key]?.[minor];
      if (e) e.deprecated = { message: d.value, source: `${file}:${d.line} @ ${last}` };
    }
    for (const r of goMap(text, /experimentalFlagMigrationMap = map\[string\]string\{/)) {
      renames.push({ from: r.key, to: r.value, minor, source: `${file}:${r.line} @ ${last}` });
    }
  }
  for (const file of ['etcdserver/server.go', 'server/etcdserver/server.go']) {
    const text = show(last, file);
    const m = text && /DefaultSnapshotCount\s*=\s*(\d+)/.exec(text);
    if (m) snapshotCount[minor] = { value: Number(m[1]), source: `${file}:${text.slice(0, m.index).split('\n').length} @ ${last}` };
  }
}

// 3.5 dropped --experimental-backend-bbolt-freelist-type for --backend-bbolt-freelist-type; the flag
// definitions show both sides, the changelog says it is the same setting.
const head = git('rev-parse', 'main').trim();
const changelog = show(head, 'CHANGELOG/CHANGELOG-3.5.md') ?? '';
const freelist = changelog.split('\n').findIndex((l) => l.includes('`etcd --experimental-backend-bbolt-freelist-type` flag has been deprecated'));
if (freelist < 0) throw new Error('CHANGELOG-3.5.md no longer names the freelist rename');
renames.unshift({ from: 'experimental-backend-bbolt-freelist-type', to: 'backend-bbolt-freelist-type', minor: '3.5', source: `CHANGELOG/CHANGELOG-3.5.md:${freelist + 1} @ ${head}` });

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
process.stdout.write(`// Generated by deploy/docs/extract-etcd-flags.ts from github.com/etcd-io/etcd (main at ${head}); do not edit.
// Tags scanned: ${MINORS.map((m) => `${tagsScanned[m]![0]}…${latest[m]} (${tagsScanned[m]!.length})`).join(', ')}.
// Sources are "file:line @ tag" in etcd's repository.
import type { FlagTable } from './types.js';

export const FLAG_TABLE: FlagTable = ${JSON.stringify(
  {
    minors: MINORS,
    latest,
    releases: Object.fromEntries(MINORS.map((m) => [m, tagsScanned[m]!.map((t) => t.slice(1))])),
    flags: { etcd: sorted(table.etcd), etcdctl: sorted(table.etcdctl) },
    renames,
    snapshotCountDefault: snapshotCount,
    etcdctlCommands: {
      prefixMatching,
      commands: sorted(commands),
      flags: Object.fromEntries(Object.entries(sorted(commandFlagTable)).map(([p, f]) => [p, sorted(f)])),
    },
  },
  null,
  2,
)};
`);
