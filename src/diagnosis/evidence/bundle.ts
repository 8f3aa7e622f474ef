import { z } from 'zod';
import { rfc3339Time } from '../../config/rfc3339.js';
import { nodeMatchSchema } from '../../config/schema.js';
import { EVIDENCE_FORMAT, type Evidence } from './evidence.js';

/** Evidence bundles enter from files: validate their shape before the playbooks trust them. */
const series = z.object({
  labels: z.record(z.string(), z.string()),
  points: z.array(z.object({ t: z.number(), v: z.union([z.number(), z.null()]).transform((v) => v ?? Number.NaN) })),
});

const bundleSchema = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  cluster: z.string(),
  memberLabel: z.string(),
  selector: z.string(),
  nodeSelector: z.string().optional(),
  nodeMatch: nodeMatchSchema.optional(),
  nodeDevice: z.string().optional(),
  displayLabel: z.string().optional(),
  window: z.object({ start: z.number(), end: z.number(), seconds: z.number(), rateSeconds: z.number(), stepSeconds: z.number() }),
  prometheusUrl: z.string(),
  tuning: z.object({ clientPort: z.number(), peerPort: z.number(), interface: z.string() }),
  // Shown as collected_at in reports: a time like every other that enters, RFC 3339 or refused.
  collectedAt: rfc3339Time,
  durationMs: z.number(),
  playbooks: z.array(z.string()),
  queries: z.array(
    z.object({
      kind: z.enum(['instant', 'range']),
      promql: z.string(),
      time: z.number().optional(),
      start: z.number().optional(),
      end: z.number().optional(),
      step: z.number().optional(),
      result: z.array(series).optional(),
      error: z.object({ kind: z.enum(['unreachable', 'http', 'query', 'timeout', 'config', 'skipped']), message: z.string() }).optional(),
      warnings: z.array(z.string()).optional(),
      durationMs: z.number(),
      purpose: z.enum(['baseline-day', 'baseline-hour']).optional(),
    }),
  ),
  logs: z
    .object({
      sources: z.array(z.string()),
      events: z.array(z.looseObject({ time: z.number(), member: z.string(), kind: z.string(), msg: z.string() })),
      errors: z.array(z.object({ source: z.string(), member: z.string().optional(), message: z.string() })),
      truncated: z.boolean(),
    })
    .optional(),
});

export function parseEvidenceBundle(text: string): { ok: true; evidence: Evidence } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = bundleSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { ok: false, reason: `${i.path.join('.') || '(top level)'}: ${i.message}` };
  }
  return { ok: true, evidence: parsed.data as Evidence };
}
