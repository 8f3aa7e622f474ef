/**
 * Three different failures, because the user needs to hear different things: "Prometheus is down"
 * (nothing to do with etcd), "Prometheus refused us" (auth, proxy, overload), or "that query is wrong"
 * (a playbook bug or a metric this Prometheus does not have); and "our own config cannot be used" (a
 * variable not set, a certificate that cannot be read), which no retry mends.
 */
export type PrometheusErrorKind = 'unreachable' | 'http' | 'query' | 'timeout' | 'config';

export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}
