import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Imported first by a benchmark, so that everything it starts (Redis, Prometheus with a recorded
 * incident, generated logs) writes under one temporary folder of its own, removed when the process ends:
 * a benchmark run on its own (`npx tsx test/bench/<name>.ts`) leaves the system's temporary folder as it
 * found it, as `npm run bench` does. The services are stopped by the benchmark before it exits.
 * TMPDIR must be set before the test support modules load: some compute their folders at load time.
 */
const own = mkdtempSync(join(tmpdir(), `etcd-triage-bench-${basename(process.argv[1] ?? 'bench', '.ts')}-`));
process.env['TMPDIR'] = own;
process.on('exit', () => rmSync(own, { recursive: true, force: true }));
