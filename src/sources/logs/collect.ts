import { StreamLineParser } from './parse/parse-line.js';
import { parseApplySlowZap } from './parse/parse-zap-bytes.js';
import {
  DEFAULT_LOG_LIMITS,
  type LogEvent,
  type LogEventKind,
  type LogFetchQuery,
  type LogFetchResult,
  type LogLimits,
  type LogSourceError,
  type LogTruncation,
  type MemberLogStats,
  type TruncationReason,
} from './types.js';

/** Lines this far past the window end mean the rest of a chronological stream is outside it too. */
export const PAST_END_SLACK_MS = 60_000;

const SEVERE = new Set(['warn', 'error', 'critical', 'panic', 'fatal']);

export function resolveLimits(q: LogFetchQuery): LogLimits {
  return { ...DEFAULT_LOG_LIMITS, ...(q.limits ?? {}) };
}

export function emptyStats(): MemberLogStats {
  return { linesRead: 0, bytesRead: 0, linesMatched: 0, linesUnparsed: 0 };
}

export type AcceptOutcome = 'continue' | 'past-end' | 'full';

/**
 * Everything one member's stream goes through, whatever the source: parsing, the time window, the kind
 * filter, the caps, and the accounting the report shows ("read 80 MB, 12 matches, truncated at …").
 */
export class MemberCollector {
  readonly stats: MemberLogStats = emptyStats();
  readonly events: LogEvent[] = [];
  truncation: LogTruncation | null = null;
  private readonly parser: StreamLineParser;
  private readonly kinds: ReadonlySet<LogEventKind> | null;

  constructor(
    readonly source: string,
    readonly member: string,
    private readonly q: LogFetchQuery,
    readonly limits: LogLimits,
  ) {
    this.parser = new StreamLineParser(member);
    this.kinds = q.kinds ? new Set(q.kinds) : null;
  }

  wants(e: LogEvent): boolean {
    if (this.kinds !== null) return this.kinds.has(e.kind);
    return e.kind !== 'other' || SEVERE.has(e.level);
  }

  /** A candidate line (already pre-filtered). */
  acceptLine(line: string): AcceptOutcome {
    const r = this.parser.push(line);
    if (r === 'partial') return 'continue';
    if (r === null) {
      this.stats.linesUnparsed++;
      return 'continue';
    }
    return this.acceptEvent(r);
  }

  /**
   * A candidate line still in the read buffer: the apply-slow fast path where it applies (see
   * parse-zap-bytes.ts: the same event, without decoding and JSON-parsing the whole line), the full
   * parse otherwise.
   */
  acceptBytes(buf: Buffer, start: number, end: number): AcceptOutcome {
    const e = parseApplySlowZap(buf, start, end, this.member);
    if (e === undefined) return this.acceptLine(buf.toString('utf8', start, end));
    if (e === null) {
      this.stats.linesUnparsed++;
      return 'continue';
    }
    return this.acceptEvent(e);
  }

  acceptEvent(e: LogEvent): AcceptOutcome {
    if (e.time < this.q.start) return 'continue';
    if (e.time > this.q.end) return e.time > this.q.end + PAST_END_SLACK_MS ? 'past-end' : 'continue';
    if (!this.wants(e)) return 'continue';
    if (this.events.length >= this.limits.maxEvents) {
      this.truncate('events', `kept the first ${this.limits.maxEvents} events`);
      return 'full';
    }
    this.stats.linesMatched++;
    this.events.push(e);
    return 'continue';
  }

  truncate(reason: TruncationReason, detail: string): void {
    if (this.truncation === null) this.truncation = { source: this.source, member: this.member, reason, detail };
  }
}

export function mergeResults(parts: readonly LogFetchResult[]): LogFetchResult {
  const out: LogFetchResult = { events: [], stats: {}, truncated: [], errors: [] };
  for (const p of parts) {
    for (const e of p.events) out.events.push(e);
    for (const [member, s] of Object.entries(p.stats)) {
      const t = (out.stats[member] ??= emptyStats());
      t.linesRead += s.linesRead;
      t.bytesRead += s.bytesRead;
      t.linesMatched += s.linesMatched;
      t.linesUnparsed += s.linesUnparsed;
    }
    out.truncated.push(...p.truncated);
    out.errors.push(...p.errors);
  }
  out.events.sort((a, b) => a.time - b.time);
  return out;
}

export function collectorsResult(collectors: readonly MemberCollector[], errors: LogSourceError[]): LogFetchResult {
  return mergeResults([
    {
      events: collectors.flatMap((c) => c.events),
      stats: Object.fromEntries(collectors.map((c) => [c.member, c.stats])),
      truncated: collectors.flatMap((c) => (c.truncation ? [c.truncation] : [])),
      errors,
    },
  ]);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
