import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFront } from './fixtures.js';

/**
 * A load balancer in front of the bot keeps idle connections open for 60 s and reuses them. The front
 * must not close one sooner (Node's default is 5 s): the request the balancer sends on it would fail.
 */
let front: Awaited<ReturnType<typeof startTestFront>>;

beforeAll(async () => {
  front = await startTestFront();
});

afterAll(async () => {
  await front?.server.stop();
  await front?.slack.stop();
});

describe('keep-alive connections', () => {
  it('a connection idle for longer than Node’s default 5 s still carries the next request', async () => {
    const socket = connect(front.server.port, '127.0.0.1');
    let received = '';
    let closedAt: number | undefined;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => (closedAt = Date.now()));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const get = 'GET /healthz HTTP/1.1\r\nHost: front\r\nConnection: keep-alive\r\n\r\n';
    socket.write(get);
    await expect.poll(() => received.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(1);
    // Idle past Node's default keep-alive timeout (5 s) with room to spare.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(closedAt).toBeUndefined();
    socket.write(get);
    await expect.poll(() => received.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(2);
    socket.destroy();
  }, 30_000);
});
