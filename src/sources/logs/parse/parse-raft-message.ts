import type { LeaderEvent } from '../types.js';

/**
 * Raft leadership lines carry their facts inside the message text (raft/node.go, raft/raft.go), in zap
 * `msg` and in capnslog text alike:
 *   raft.node: <id> elected leader <id> at term N
 *   raft.node: <id> changed leader from <id> to <id> at term N
 *   raft.node: <id> lost leader <id> at term N
 *   <id> became leader|follower|candidate|pre-candidate at term N
 *   <id> is starting a new election at term N
 *   <id> stepped down to follower since quorum is not active
 */
const ID = '([0-9a-f]+)';
const PATTERNS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => Omit<LeaderEvent, 'kind'>]> = [
  [
    new RegExp(`raft\\.node: ${ID} elected leader ${ID} at term (\\d+)`),
    (m) => ({ change: 'elected', nodeId: m[1]!, leaderId: m[2]!, previousLeaderId: null, term: Number(m[3]) }),
  ],
  [
    new RegExp(`raft\\.node: ${ID} changed leader from ${ID} to ${ID} at term (\\d+)`),
    (m) => ({ change: 'changed', nodeId: m[1]!, previousLeaderId: m[2]!, leaderId: m[3]!, term: Number(m[4]) }),
  ],
  [
    new RegExp(`raft\\.node: ${ID} lost leader ${ID} at term (\\d+)`),
    (m) => ({ change: 'lost', nodeId: m[1]!, leaderId: m[2]!, previousLeaderId: null, term: Number(m[3]) }),
  ],
  [
    new RegExp(`^${ID} became (leader|follower|candidate|pre-candidate) at term (\\d+)`),
    (m) => ({
      change: `became-${m[2]!}` as LeaderEvent['change'],
      nodeId: m[1]!,
      leaderId: m[2] === 'leader' ? m[1]! : null,
      previousLeaderId: null,
      term: Number(m[3]),
    }),
  ],
  [
    new RegExp(`^${ID} is starting a new election at term (\\d+)`),
    (m) => ({ change: 'election-started', nodeId: m[1]!, leaderId: null, previousLeaderId: null, term: Number(m[2]) }),
  ],
  [
    new RegExp(`^${ID} stepped down to follower since quorum is not active`),
    (m) => ({ change: 'stepped-down', nodeId: m[1]!, leaderId: null, previousLeaderId: null, term: null }),
  ],
];

export function parseRaftLeaderMessage(text: string): LeaderEvent | null {
  for (const [re, build] of PATTERNS) {
    const m = re.exec(text);
    if (m) return { kind: 'leader', ...build(m) };
  }
  return null;
}
