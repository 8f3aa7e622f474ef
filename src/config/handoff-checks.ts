import { parseDuration } from './duration.js';
import type { Config } from './schema.js';

/**
 * Handoff settings that depend on the rest of the config: schedules naming clusters that do not exist,
 * and a default period the timeline does not keep. Each problem names its path.
 */
export function handoffProblems(config: Config): string[] {
  const problems: string[] = [];
  config.handoff.schedules.forEach((s, i) => {
    if (s.clusters === 'all') return;
    for (const c of s.clusters) {
      if (!Object.hasOwn(config.clusters, c)) problems.push(`handoff.schedules.${i}.clusters: unknown cluster "${c}"`);
    }
  });
  const since = parseDuration(config.handoff.defaultSince);
  if (since !== undefined && since > config.handoff.retentionDays * 86400) {
    problems.push(`handoff.defaultSince: ${config.handoff.defaultSince} is longer than retentionDays (${config.handoff.retentionDays}d)`);
  }
  return problems;
}
