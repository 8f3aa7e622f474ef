import type { Playbook } from '../../diagnosis/playbook/schema.js';

/**
 * Which playbooks explain these alerts: those whose `alerts:` list names one of them. An etcd alert no
 * playbook lists gets all playbooks (something is wrong with etcd, we just do not know what kind);
 * an alert that is not about etcd gets none and no triage.
 */
export function playbooksForAlerts(playbooks: Playbook[], alertnames: string[]): string[] {
  const listed = playbooks.filter((p) => p.alerts.some((a) => alertnames.includes(a))).map((p) => p.id);
  const unlisted = alertnames.filter((n) => !playbooks.some((p) => p.alerts.includes(n)));
  if (unlisted.some(isEtcdAlert)) return playbooks.map((p) => p.id);
  return listed;
}

export const isEtcdAlert = (name: string): boolean => /^etcd/i.test(name);
