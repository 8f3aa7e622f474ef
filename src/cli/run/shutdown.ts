import type { Logger } from '../../telemetry/logger.js';

export interface ShutdownStep {
  /** Named in the log when the step is still open at the deadline. */
  name: string;
  run(): Promise<void>;
}

export interface ShutdownPlan {
  timeoutMs: number;
  logger: Logger;
  /** Run at once, concurrently (e.g. readiness turns 503). */
  first?: () => void;
  steps: ShutdownStep[];
  /** Details of what is still open at the deadline (e.g. the jobs still running). */
  openWork?: () => string[];
  /** Past the deadline: give back what cannot finish (jobs back to their queue). Bounded by graceMs. */
  atDeadline?: () => Promise<void>;
  /** Time left to atDeadline after the deadline; default 1 s. */
  graceMs?: number;
}

/**
 * A shutdown bounded in time: every step runs at once; if all finish cleanly before the deadline the
 * exit code is 0. Past the deadline what was still open is logged, atDeadline gets a short grace, and the
 * exit code is 1; a step that failed (e.g. a worker process that had to hand its jobs back) also gives 1.
 * Never throws.
 */
export async function shutdownWithin(plan: ShutdownPlan): Promise<number> {
  const { logger } = plan;
  const open = new Set(plan.steps.map((s) => s.name));
  let failed = false;
  plan.first?.();
  const all = Promise.all(
    plan.steps.map((step) =>
      step
        .run()
        .catch((err: unknown) => {
          failed = true;
          logger.error({ step: step.name, err: err instanceof Error ? err.message : String(err) }, 'shutdown step failed');
        })
        .finally(() => open.delete(step.name)),
    ),
  ).then(() => 'done' as const);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), plan.timeoutMs);
  });
  const outcome = await Promise.race([all, deadline]);
  clearTimeout(timer);
  if (outcome === 'done') {
    if (failed) return 1;
    logger.info('stopped cleanly');
    return 0;
  }
  logger.error(
    { timeoutMs: plan.timeoutMs, open: [...open].sort(), work: plan.openWork?.() ?? [] },
    'shutdown deadline passed; handing back what is still open and exiting',
  );
  if (plan.atDeadline !== undefined) {
    const graceMs = plan.graceMs ?? 1000;
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      plan.atDeadline().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'hand-back failed')),
      new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(graceTimer);
  }
  return 1;
}
