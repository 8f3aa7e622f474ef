/** The etcd minor versions whose flags the table holds. */
export type EtcdMinor = '3.4' | '3.5' | '3.6';

/** One flag in one minor version: from which patch release, until which (when dropped within it), where defined. */
export interface FlagInMinor {
  since: string;
  until?: string;
  /** "file:line @ tag" in etcd's repository. */
  source: string;
  /** One-letter form (etcdctl -w). */
  short?: string;
  /** Accepted, with this warning (3.6: removed in 3.7). */
  deprecated?: { message: string; source: string };
}

export interface FlagTable {
  minors: readonly EtcdMinor[];
  /** The newest release of each minor that was read. */
  latest: Record<string, string>;
  /** Every release read, per minor, oldest first. */
  releases: Record<EtcdMinor, string[]>;
  flags: Record<'etcd' | 'etcdctl', Record<string, Partial<Record<EtcdMinor, FlagInMinor>>>>;
  /** The same setting under a new name from `minor` on. */
  renames: Array<{ from: string; to: string; minor: EtcdMinor; source: string }>;
  snapshotCountDefault: Partial<Record<EtcdMinor, { value: number; source: string }>>;
  etcdctlCommands: EtcdctlCommands;
}

/** A command (or subcommand) of etcdctl in one minor version. */
export interface CommandInMinor {
  since: string;
  until?: string;
  /** "file:line @ tag": its cobra `Use:`. */
  source: string;
}

/** Which etcdctl command takes which flag. */
export interface EtcdctlCommands {
  /** ctl.go's `cobra.EnablePrefixMatching = true`: `etcdctl compact` runs `compaction`. Per minor, the source line. */
  prefixMatching: Partial<Record<EtcdMinor, string>>;
  /** Command paths ("get", "endpoint status"; "" is etcdctl itself). */
  commands: Record<string, Partial<Record<EtcdMinor, CommandInMinor>>>;
  /**
   * Per command path, the flags it takes besides the global ones: its own and its parents' persistent
   * flags. Under "" the global flags (the root's persistent flags), which every command takes.
   */
  flags: Record<string, Record<string, Partial<Record<EtcdMinor, FlagInMinor>>>>;
}
