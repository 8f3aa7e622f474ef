import type { LabLayout, MemberLayout } from './layout.js';

/**
 * The few etcd calls the lab needs, made over etcd's own JSON gateway (/v3/...) on the client port so no
 * gRPC client library is needed. The gateway sends uint64 fields as decimal strings, which keeps member
 * ids exact.
 */

export interface MemberStatus {
  name: string;
  /** Hex member id, the form etcd uses in peer metric labels (To, From) and logs. */
  id: string;
  isLeader: boolean;
  leaderId: string;
  raftIndex: string;
  version: string;
  dbSize: number;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const hex = (dec: string | undefined): string => (dec ? BigInt(dec).toString(16) : '');

export async function call<T>(m: MemberLayout, path: string, body: unknown, timeoutMs = 5000): Promise<T> {
  const r = await fetch(`${m.clientUrl}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${m.name} ${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface StatusJson {
  header?: { member_id?: string };
  version?: string;
  dbSize?: string;
  leader?: string;
  raftIndex?: string;
}

export async function memberStatus(m: MemberLayout): Promise<MemberStatus> {
  const s = await call<StatusJson>(m, '/v3/maintenance/status', {});
  const id = hex(s.header?.member_id);
  const leaderId = hex(s.leader);
  return {
    name: m.name,
    id,
    leaderId,
    isLeader: id !== '' && id === leaderId,
    raftIndex: s.raftIndex ?? '0',
    version: s.version ?? '',
    dbSize: Number(s.dbSize ?? 0),
  };
}

export async function clusterStatus(l: LabLayout): Promise<MemberStatus[]> {
  return Promise.all(l.members.map((m) => memberStatus(m)));
}

export async function put(m: MemberLayout, key: string, value: string | Buffer, timeoutMs = 10_000): Promise<void> {
  await call(m, '/v3/kv/put', { key: b64(key), value: b64(value) }, timeoutMs);
}

/** The key just after every key starting with prefix, i.e. what `etcdctl get --prefix` ranges to. */
export function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix);
  b[b.length - 1] = (b[b.length - 1] ?? 0) + 1;
  return b.toString('latin1');
}

export async function rangePrefix(m: MemberLayout, prefix: string, opts: { countOnly?: boolean; serializable?: boolean } = {}, timeoutMs = 30_000): Promise<number> {
  const r = await call<{ count?: string }>(m, '/v3/kv/range', {
    key: b64(prefix),
    range_end: Buffer.from(prefixEnd(prefix), 'latin1').toString('base64'),
    count_only: opts.countOnly ?? false,
    serializable: opts.serializable ?? false,
  }, timeoutMs);
  return Number(r.count ?? 0);
}

/** One transaction putting every (key, value) pair: one raft proposal, many bbolt writes when applied. */
export async function putMany(m: MemberLayout, pairs: [string, string][], timeoutMs = 10_000): Promise<void> {
  await call(m, '/v3/kv/txn', { success: pairs.map(([k, v]) => ({ request_put: { key: b64(k), value: b64(v) } })) }, timeoutMs);
}
