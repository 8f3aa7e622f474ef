/**
 * The shapes shared by query planning (query-plan.ts) and the cluster context queries (context.ts), kept
 * apart so neither of those imports the other.
 */
import type { NodeMatchConfig } from '../../config/schema.js';

/** What the placeholders of a playbook query stand for in one diagnosis. */
export interface QueryVars {
  selector: string;
  nodeSelector?: string;
  memberLabel: string;
  /** The node_exporter label node signals are grouped by ($node): the one a member's node is found by. */
  nodeLabel?: string;
  /** How members are tied to nodes (config nodeExporter.match). */
  nodeMatch?: NodeMatchConfig;
  /** The matcher picking the etcd data device among node_disk_* series ($node_device). */
  nodeDevice?: string;
  /** Target labels read per member besides the member label: the display name, the address a node is found by. */
  memberLabels?: string[];
  windowSeconds: number;
  rateSeconds: number;
  stepSeconds: number;
}

export interface PlannedQuery {
  kind: 'instant' | 'range';
  promql: string;
}
