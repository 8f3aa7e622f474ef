/** Queue names; a prefix lets several installations share one Redis. */
export const QUEUES = { diagnose: 'diagnose' } as const;
export const DEFAULT_PREFIX = 'etcd-triage';
