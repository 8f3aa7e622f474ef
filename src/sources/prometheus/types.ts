import { z } from 'zod';

/** Prometheus sends sample values as strings ("NaN", "+Inf" included). */
const sampleValue = z.tuple([z.number(), z.string()]);

const vectorSchema = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }));
const matrixSchema = z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) }));

export const apiResponseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: vectorSchema }),
      z.object({ resultType: z.literal('matrix'), result: matrixSchema }),
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
    ]),
    warnings: z.array(z.string()).optional(),
    isPartial: z.boolean().optional(),
  }),
  z.object({
    status: z.literal('error'),
    errorType: z.string(),
    error: z.string(),
  }),
]);

export interface Sample {
  labels: Record<string, string>;
  /** Unix seconds. */
  t: number;
  v: number;
}

export interface Series {
  labels: Record<string, string>;
  points: Array<{ t: number; v: number }>;
}
