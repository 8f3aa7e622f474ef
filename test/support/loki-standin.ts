import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Loki's `GET /loki/api/v1/query_range` (log queries only), per
 * docs/sources/reference/loki-http-api.md: start/end in nanoseconds (end exclusive), limit across all
 * streams (default 100), direction (default backward), the `{…}` selector with `=` matchers, one `|~`
 * line filter given as a backtick or double-quoted string, X-Scope-OrgID and Authorization checks.
 */

export interface LokiStream {
  labels: Record<string, string>;
  /** [ns epoch text, line] */
  entries: Array<[string, string]>;
}

export interface LokiStandinOptions {
  streams: LokiStream[];
  tenant?: string;
  authorization?: string;
  /** Answer every query with this status and body instead. */
  fail?: { status: number; body: string };
}

export interface LokiRecordedRequest {
  query: Record<string, string>;
  orgId: string | undefined;
  authorization: string | undefined;
}

export interface LokiStandin {
  url: string;
  requests: LokiRecordedRequest[];
  close(): Promise<void>;
}

interface ParsedQuery {
  matchers: Array<[string, string]>;
  filter: RegExp | null;
}

function parseLogQL(q: string): ParsedQuery | string {
  const m = /^\{([^}]*)\}\s*(.*)$/s.exec(q.trim());
  if (!m) return 'parse error: query must start with a stream selector';
  const matchers: Array<[string, string]> = [];
  for (const part of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) {
    const mm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(part);
    if (!mm) return `parse error: unsupported matcher ${part}`;
    matchers.push([mm[1]!, mm[2]!.replace(/\\(.)/g, '$1')]);
  }
  if (matchers.length === 0) return 'parse error: queries require at least one matcher';
  const rest = m[2]!.trim();
  if (rest === '') return { matchers, filter: null };
  const f = /^\|~\s*(?:`([^`]*)`|"((?:[^"\\]|\\.)*)")$/s.exec(rest);
  if (!f) return `parse error: unsupported pipeline ${rest}`;
  const source = f[1] ?? f[2]!.replace(/\\(.)/g, '$1');
  try {
    return { matchers, filter: new RegExp(source) };
  } catch (err) {
    return `parse error: ${(err as Error).message}`;
  }
}

export async function startLokiStandin(opts: LokiStandinOptions): Promise<LokiStandin> {
  const requests: LokiRecordedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const query = Object.fromEntries(url.searchParams);
    const orgId = req.headers['x-scope-orgid'];
    requests.push({ query, orgId: typeof orgId === 'string' ? orgId : undefined, authorization: req.headers.authorization });
    const text = (code: number, body: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (url.pathname !== '/loki/api/v1/query_range') return text(404, '404 page not found\n');
    if (opts.authorization !== undefined && req.headers.authorization !== opts.authorization) return text(401, 'unauthorized\n');
    if (opts.tenant !== undefined && orgId !== opts.tenant) return text(401, 'no org id\n');
    if (opts.fail) return text(opts.fail.status, opts.fail.body);
    const parsed = parseLogQL(query['query'] ?? '');
    if (typeof parsed === 'string') return text(400, parsed);
    const start = BigInt(query['start'] ?? '0');
    const end = BigInt(query['end'] ?? String(BigInt(Date.now()) * 1_000_000n));
    const limit = Number(query['limit'] ?? '100');
    const backward = (query['direction'] ?? 'backward') === 'backward';
    const all: Array<{ s: number; ns: bigint; line: string }> = [];
    opts.streams.forEach((st, s) => {
      if (!parsed.matchers.every(([k, v]) => st.labels[k] === v)) return;
      for (const [ns, line] of st.entries) {
        const t = BigInt(ns);
        if (t < start || t >= end) continue;
        if (parsed.filter && !parsed.filter.test(line)) continue;
        all.push({ s, ns: t, line });
      }
    });
    all.sort((a, b) => (a.ns === b.ns ? 0 : (a.ns < b.ns) === backward ? 1 : -1));
    const picked = all.slice(0, limit);
    const byStream = new Map<number, Array<[string, string]>>();
    for (const p of picked) {
      const list = byStream.get(p.s) ?? [];
      list.push([p.ns.toString(), p.line]);
      byStream.set(p.s, list);
    }
    const result = [...byStream].map(([s, values]) => ({ stream: opts.streams[s]!.labels, values }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result, stats: { summary: { totalEntriesReturned: picked.length } } } }));
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
