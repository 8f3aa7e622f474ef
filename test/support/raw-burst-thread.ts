import { Worker } from 'node:worker_threads';
import { rawPost, type RawResponse } from './raw-burst.js';

/**
 * RawBurst on a thread of its own: the requests are written, and their responses read and timed, by an
 * event loop that does nothing else. The benchmark's process also hosts the Slack stand-in, which
 * parses the bot's posts and chart uploads while a burst is in flight; on the benchmark's own loop, a
 * response the bot sent in time would wait behind that and be counted late.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ register }) => {
  register();
  return import(workerData.entry);
});
`;

export class RawBurstThread {
  private constructor(
    private readonly worker: Worker,
    private readonly host: string,
  ) {}

  /** `size` kept-alive connections to 127.0.0.1:port, opened by the thread. */
  static async open(port: number, size: number): Promise<RawBurstThread> {
    // A worker thread does not inherit the main thread's TypeScript loader: it registers tsx itself.
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { port, size, entry: new URL('./raw-burst-worker.ts', import.meta.url).href } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(`burst thread: ${String(m)}`))));
    });
    return new RawBurstThread(worker, `127.0.0.1:${port}`);
  }

  /** A POST of a form body, with the given headers, as bytes ready to write. */
  request(path: string, headers: Record<string, string>, body: string): Buffer {
    return rawPost(this.host, path, headers, body);
  }

  /** Writes every request at once, one per connection, and resolves with their responses in order. */
  send(requests: readonly Buffer[]): Promise<RawResponse[]> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (m: { responses: RawResponse[] } | { error: string }) =>
        'responses' in m ? resolve(m.responses) : reject(new Error(m.error)),
      );
      this.worker.postMessage({ requests });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.worker.once('exit', r));
    this.worker.postMessage('close');
    await exited;
  }
}
