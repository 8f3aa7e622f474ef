import { parentPort, workerData } from 'node:worker_threads';
import { RawBurst } from './raw-burst.js';

/**
 * The thread behind RawBurstThread: opens the kept-alive sockets, writes each burst it is given and
 * posts back the responses, timed here, on this thread's event loop.
 */
const { port, size } = workerData as { port: number; size: number };
const port_ = parentPort!;
const burst = await RawBurst.open(port, size);
port_.on('message', (m: { requests: Uint8Array[] } | 'close') => {
  if (m === 'close') {
    burst.close();
    port_.close();
    return;
  }
  burst.send(m.requests.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))).then(
    (responses) => port_.postMessage({ responses }),
    (err: unknown) => port_.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
});
port_.postMessage('ready');
