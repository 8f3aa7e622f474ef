import type { Config } from '../config/schema.js';

/** Schedules naming clusters that do not exist: each problem names the schedule and the cluster. */
export function scheduleProblems(config: Config): string[] {
  const problems: string[] = [];
  config.handoff.schedules.forEach((s, i) => {
    if (s.clusters === 'all') return;
    for (const c of s.clusters) {
      if (!Object.hasOwn(config.clusters, c)) problems.push(`handoff.schedules[${i}].clusters: unknown cluster "${c}"`);
    }
  });
  return problems;
}
