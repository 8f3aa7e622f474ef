/**
 * The shapes shared by query planning (query-plan.ts) and the cluster context queries (context.ts), kept
 * apart so neither of those imports the other.
 */

/** What the placeholders of a playbook query stand for in one diagnosis. */
export interface QueryVars {
  selector: string;
  nodeSelector?: string;
  memberLabel: string;
  windowSeconds: number;
  rateSeconds: number;
  stepSeconds: number;
}

export interface PlannedQuery {
  kind: 'instant' | 'range';
  promql: string;
}
