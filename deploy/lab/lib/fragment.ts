import type { LabLayout } from './layout.js';
import { say } from './layout.js';
import { call, memberStatus, prefixEnd } from './etcd-api.js';
import { seedLargeValues } from './load.js';

/**
 * Leftovers of an earlier incident: a burst of large keys written and deleted, the history compacted,
 * and every member but one defragmented afterwards. That member's bbolt file keeps the space as free
 * pages (what `etcd_mvcc_db_total_size_in_use_in_bytes` far below `etcd_mvcc_db_total_size_in_bytes`
 * shows), far below the quota, while it serves traffic as well as the others.
 */
export const FRAGMENT_PREFIX = '/lab/burst/';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

export async function leaveFragmented(l: LabLayout, memberName: string, count = 150, sizeBytes = 1024 * 1024): Promise<{ member: string; dbSizeBytes: Record<string, number> }> {
  const target = l.members.find((m) => m.name === memberName);
  if (!target) throw new Error(`no member ${memberName}`);
  await seedLargeValues(l, FRAGMENT_PREFIX, count, sizeBytes, say);
  const del = await call<{ header?: { revision?: string } }>(l.members[0]!, '/v3/kv/deleterange', { key: b64(FRAGMENT_PREFIX), range_end: b64(prefixEnd(FRAGMENT_PREFIX)) }, 30_000);
  const rev = del.header?.revision;
  if (!rev) throw new Error('deleterange returned no revision');
  await call(l.members[0]!, '/v3/kv/compaction', { revision: rev, physical: true }, 60_000);
  say(`wrote and deleted ${count} values of ${sizeBytes} bytes under ${FRAGMENT_PREFIX}, compacted at revision ${rev}`);
  for (const m of l.members) {
    if (m.name === memberName) continue;
    await call(m, '/v3/maintenance/defragment', {}, 120_000);
    say(`defragmented ${m.name}; ${memberName} keeps its free pages`);
  }
  const dbSizeBytes: Record<string, number> = {};
  for (const m of l.members) dbSizeBytes[m.name] = (await memberStatus(m)).dbSize;
  say(`database files: ${Object.entries(dbSizeBytes).map(([n, b]) => `${n} ${(b / 1048576).toFixed(0)} MiB`).join(', ')}`);
  return { member: memberName, dbSizeBytes };
}
