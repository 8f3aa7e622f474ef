/*
 * What the diagnosis knows of a cluster's members: read from etcd's own series (context.ts) and tied to
 * their nodes (node-map.ts). The shapes live apart from both so that neither reads the other.
 */

/** One etcd member as its metrics describe it. */
export interface MemberInfo {
  name: string;
  /** Scraped at least once in the window. */
  seen: boolean;
  leader: boolean;
  version?: string;
  /** Raft member id in hex, as peer labels (To, Remote) and log lines write it. */
  id?: string;
  /** The member's target labels asked for besides the member label (QueryVars.memberLabels). */
  labels: Record<string, string>;
}

/**
 * Which node_exporter series belong to which member. Node signals are queried once per signal for all
 * nodes (grouped by the node label) and the answers are mapped onto members here, so a starved node is
 * named on the member it runs, and a member whose node cannot be found is said so, never guessed.
 */
export interface NodeMap {
  /** Member (member label value) → the node label value of its node, for members whose node was found. */
  nodeOf: Map<string, string>;
  /** Members with no node series, and what was looked for. */
  unmatched: Array<{ member: string; lookedFor: string }>;
}
