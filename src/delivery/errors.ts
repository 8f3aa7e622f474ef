/**
 * Errors of Slack delivery, each with a stable code (in the manner of bolt-js `errors.ts`) so that
 * callers, metrics and job queues can tell "retry later" from "will never work" without parsing text.
 */
export enum DeliveryErrorCode {
  /** Slack refused the call and would refuse it again (channel_not_found, invalid_blocks…). */
  PermanentSlackError = 'delivery_permanent_slack_error',
  /** Transient failures (429, 5xx, network) outlasted the retry budget; retrying later may work. */
  RetriesExhaustedError = 'delivery_retries_exhausted_error',
  /** Anything else, wrapped so every error leaving this module has a code. */
  UnknownError = 'delivery_unknown_error',
}

export interface CodedError extends Error {
  code: DeliveryErrorCode;
}

export class PermanentSlackError extends Error implements CodedError {
  readonly code = DeliveryErrorCode.PermanentSlackError;
  constructor(
    readonly method: string,
    /** Slack's error string, e.g. `channel_not_found`, or `http_403` for an HTTP refusal. */
    readonly slackError: string,
    readonly channel?: string,
  ) {
    super(`Slack ${method} failed: ${slackError}${channel === undefined ? '' : ` (channel ${channel})`}`);
    this.name = 'PermanentSlackError';
  }
}

export class RetriesExhaustedError extends Error implements CodedError {
  readonly code = DeliveryErrorCode.RetriesExhaustedError;
  constructor(
    readonly method: string,
    readonly attempts: number,
    /** What the last attempt saw, e.g. `rate_limited`, `http_503`, `network: ECONNREFUSED`. */
    readonly lastFailure: string,
    /** When Slack asked for a wait longer than we hold a slot, how long it asked for. */
    readonly retryAfterMs?: number,
  ) {
    super(`Slack ${method} still failing after ${attempts} attempt(s): ${lastFailure}`);
    this.name = 'RetriesExhaustedError';
  }
}

export class UnknownDeliveryError extends Error implements CodedError {
  readonly code = DeliveryErrorCode.UnknownError;
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original), { cause: original });
    this.name = 'UnknownDeliveryError';
  }
}

export function isCodedError(err: unknown): err is CodedError {
  return (
    err instanceof Error &&
    'code' in err &&
    Object.values(DeliveryErrorCode).includes((err as { code: unknown }).code as DeliveryErrorCode)
  );
}

export function asCodedError(err: unknown): CodedError {
  return isCodedError(err) ? err : new UnknownDeliveryError(err);
}
