import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { findObject, renderChart, renderNotes, type RenderedObject } from '../../support/helm.js';
import { ciValues, setValue, withValues } from './chart-fixtures.js';

/** What `helm install` prints afterwards: the next steps for this kind of install. */

/** The indented YAML block that starts at `apiVersion:` in the notes, dedented. */
function exampleBlock(notes: string): string {
  const lines = notes.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'apiVersion: monitoring.coreos.com/v1alpha1');
  expect(start).toBeGreaterThan(0);
  const indent = lines[start]!.length - lines[start]!.trimStart().length;
  const block: string[] = [];
  for (const l of lines.slice(start)) {
    if (l.trim() !== '' && l.length - l.trimStart().length < indent) break;
    block.push(l.slice(indent));
  }
  return block.join('\n');
}

describe('NOTES.txt', () => {
  it('HTTP mode without an AlertmanagerConfig: how to watch the config check, the Slack URLs, a valid AlertmanagerConfig example', () => {
    const values = setValue(ciValues('http-external-redis'), 'alertmanagerConfig.enabled', false);
    const notes = renderNotes(values);
    expect(notes).toContain('kubectl -n monitoring rollout status deployment/etcd-triage');
    expect(notes).toContain('kubectl -n monitoring logs deployment/etcd-triage -c check-config');
    expect(notes).toContain('https://<public host>/slack/commands');
    expect(notes).toContain('The Ingress routes https://etcd-triage.example.com/slack/ to the bot.');
    expect(notes).toContain('Alertmanager posts to http://etcd-triage.monitoring.svc:3000/alertmanager');
    const example = parse(exampleBlock(notes)) as RenderedObject;
    expect(() => new AlertmanagerConfig(example as unknown as ConstructorParameters<typeof AlertmanagerConfig>[0]).validate()).not.toThrow();
    expect(example.metadata).toEqual({ name: 'etcd-triage', namespace: 'monitoring' });
    // The example is the object the chart renders when asked to.
    const rendered = findObject(renderChart(ciValues('http-external-redis')), 'AlertmanagerConfig') as RenderedObject & { spec: unknown };
    expect((example as RenderedObject & { spec: unknown }).spec).toEqual(rendered.spec);
    expect(notes).toContain('alertmanagerConfigMatcherStrategy: {type: None}');
  });

  it('Socket Mode with the bundled Redis: no public URL, where the app token goes, Redis for small installs', () => {
    const notes = renderNotes(ciValues('socket-bundled-redis'));
    expect(notes).toContain('Slack (Socket Mode): no public URL is needed');
    expect(notes).toContain('key slack-app-token of the Secret etcd-triage');
    expect(notes).not.toContain('/slack/commands');
    expect(notes).not.toContain('Alertmanager posts to');
    expect(notes).toContain('the bundled single Redis (etcd-triage-redis');
  });

  it('split: the rollout to watch is the front', () => {
    const notes = renderNotes(withValues(ciValues('split-kube-logs'), {}));
    expect(notes).toContain('(split: 2 front, 3 workers; Slack http mode)');
    expect(notes).toContain('rollout status deployment/etcd-triage-front');
    expect(notes).toContain('Nothing exposes the bot yet');
  });
});
