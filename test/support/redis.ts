import { freePort, startProcess, tempDir, type RunningProcess } from './processes.js';

/** A real redis-server (Debian package) on a private loopback port, no persistence, stopped by pid. */
export async function startRedis(port?: number, dir?: string): Promise<RunningProcess & { url: string }> {
  const p = port ?? (await freePort());
  const workDir = dir ?? tempDir('redis');
  const proc = await startProcess({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--port', String(p),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', workDir,
      '--protected-mode', 'yes',
    ],
    port: p,
  });
  return Object.assign(proc, { url: `redis://127.0.0.1:${p}` });
}
