import type { App } from '@slack/bolt';
import type { Logger } from 'pino';

/**
 * Claims an envelope id for this process; false when another replica (or an earlier delivery to this
 * one) already took it. Backed by Redis so every replica sees the same claims.
 */
export type ClaimEnvelope = (envelopeId: string) => Promise<boolean>;

/**
 * In Socket Mode Slack may deliver an envelope again (to any connected replica) when its first delivery
 * was not acknowledged in time, e.g. when a connection dropped mid-request. The first delivery to claim
 * the envelope id handles it; a later one is acknowledged and dropped, so no command is answered twice.
 * If the claim store is unreachable the request is handled anyway: answering twice is better than never.
 */
export function registerEnvelopeClaim(app: App, claim: ClaimEnvelope, logger: Logger): void {
  app.use(async (args) => {
    const { context, next } = args;
    const envelopeId = typeof context['envelopeId'] === 'string' ? context['envelopeId'] : undefined;
    if (envelopeId === undefined) return next();
    let mine = true;
    try {
      mine = await claim(envelopeId);
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err), envelopeId }, 'envelope claim failed; handling the request anyway');
    }
    if (mine) return next();
    logger.info({ envelopeId }, 'envelope already handled elsewhere; acknowledged and dropped');
    // Only commands, actions, options and views carry an ack; Bolt acknowledges events itself.
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  });
}
