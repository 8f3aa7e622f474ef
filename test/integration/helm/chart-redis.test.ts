import { execFileSync, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findObject, renderChart, type RenderedObject } from '../../support/helm.js';
import { freePort, startProcess, tempDir, type RunningProcess } from '../../support/processes.js';
import { ciValues } from './chart-fixtures.js';

/**
 * The bundled Redis as the chart runs it: the StatefulSet's redis-server arguments and probe commands,
 * run against the real redis-server (Debian's; the chart's image runs the same program), on a loopback port
 * and a temporary folder instead of the pod's /data volume. What is acknowledged survives a kill -9.
 */

interface RedisContainer {
  args: string[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
}

const objs = renderChart(ciValues('socket-bundled-redis'));
const sts = findObject(objs, 'StatefulSet') as RenderedObject & { spec: { template: { spec: { containers: RedisContainer[] } } } };
const redis = sts.spec.template.spec.containers[0]!;

let running: RunningProcess | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** The container's command line with the volume's mount path replaced and loopback-only port added. */
function serverArgs(dataDir: string, port: number): string[] {
  const [command, ...args] = redis.args;
  expect(command).toBe('redis-server');
  const i = args.indexOf('--dir');
  expect(args[i + 1]).toBe('/data');
  const local = [...args];
  local[i + 1] = dataDir;
  return [...local, '--port', String(port), '--bind', '127.0.0.1'];
}

/** A probe's shell command pointed at this Redis. */
function probe(command: string[], port: number): number {
  expect(command.slice(0, 2)).toEqual(['sh', '-c']);
  const script = command[2]!.replace('redis-cli -p 6379', `redis-cli -h 127.0.0.1 -p ${port}`);
  return spawnSync('sh', ['-c', script]).status ?? 1;
}

const cli = (port: number, ...args: string[]): string =>
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 }).trim();

async function start(dataDir: string, port: number): Promise<RunningProcess> {
  return startProcess({ name: 'bundled-redis', command: 'redis-server', args: serverArgs(dataDir, port), port });
}

describe('bundled Redis', () => {
  it('starts with the rendered arguments, passes both probes, and fails them when it is gone', async () => {
    const port = await freePort();
    running = await start(tempDir('bundled-redis'), port);
    expect(cli(port, 'CONFIG', 'GET', 'appendonly')).toBe('appendonly\nyes');
    expect(probe(redis.readinessProbe.exec.command, port)).toBe(0);
    expect(probe(redis.livenessProbe.exec.command, port)).toBe(0);
    await running.stop();
    running = undefined;
    expect(probe(redis.readinessProbe.exec.command, port)).not.toBe(0);
    expect(probe(redis.livenessProbe.exec.command, port)).not.toBe(0);
  });

  it('keeps every acknowledged write across a kill -9 (appendonly on the volume)', async () => {
    const port = await freePort();
    const dir = tempDir('bundled-redis-data');
    running = await start(dir, port);
    for (let i = 0; i < 100; i++) expect(cli(port, 'RPUSH', 'etcd-triage:test', `job-${i}`)).toBe(String(i + 1));
    process.kill(running.pid, 'SIGKILL');
    await new Promise<void>((resolve) => running!.child.once('exit', () => resolve()));
    running = undefined;
    running = await start(dir, port);
    expect(cli(port, 'LLEN', 'etcd-triage:test')).toBe('100');
    expect(cli(port, 'LINDEX', 'etcd-triage:test', '99')).toBe('job-99');
  });
});
