// The latency proxy of bench:page's latency mode, against an echo server: what it charges (lower bounds:
// a timer may fire late on a busy machine, never early), and that it delivers every byte, in order, and
// each side's end.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type LatencyProxy, startLatencyProxy } from '../../bench/latency-proxy.js';

const RTT = 300;
let echo: Server | undefined;
let proxy: LatencyProxy | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy?.close();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  proxy = undefined;
  echo = undefined;
});

/** An echo server behind a proxy of `rttMs`; resolves the proxy's port. */
async function echoBehindProxy(rttMs: number, tls = false): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  echo = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('echo: no port');
  proxy = await startLatencyProxy({ target: () => address.port, rttMs, tls });
  return proxy.port;
}

async function open(port: number): Promise<{ socket: Socket; openedAt: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, openedAt: performance.now() };
}

/** Sends `text` and resolves the ms until all of it has come back. */
function roundTrip(socket: Socket, text: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no echo of ${text} within 10 s`)), 10_000);
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        clearTimeout(timer);
        socket.off('data', onData);
        expect(got).toBe(text);
        resolve(performance.now() - start);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

describe('latency proxy', () => {
  it('charges a new connection its TCP handshake, then one RTT per round trip', async () => {
    const { socket } = await open(await echoBehindProxy(RTT));
    // Handshake (1 RTT) + the request's half + the answer's half.
    expect(await roundTrip(socket, 'first')).toBeGreaterThanOrEqual(2 * RTT - 2);
    const second = await roundTrip(socket, 'second');
    expect(second).toBeGreaterThanOrEqual(RTT - 2);
    expect(second).toBeLessThan(2 * RTT);
    expect(proxy?.connections).toBe(1);
  });

  it('with tls, charges one more RTT for the handshake', async () => {
    const { socket } = await open(await echoBehindProxy(RTT, true));
    expect(await roundTrip(socket, 'first')).toBeGreaterThanOrEqual(3 * RTT - 2);
  });

  it('charges no handshake to a connection opened early (a preconnect)', async () => {
    const { socket, openedAt } = await open(await echoBehindProxy(RTT, true));
    await new Promise((resolve) => setTimeout(resolve, 2 * RTT + 50));
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(2 * RTT);
    const time = await roundTrip(socket, 'late');
    expect(time).toBeGreaterThanOrEqual(RTT - 2);
    expect(time).toBeLessThan(2 * RTT);
  });

  it('delivers every byte in order, and the end of each side', async () => {
    const { socket } = await open(await echoBehindProxy(20));
    const parts = Array.from({ length: 200 }, (_, i) => `${i};`.padEnd(500, '.'));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    for (const part of parts) socket.write(part);
    socket.end();
    // The echo server ends its side when ours ends: the end came back through the proxy.
    await ended;
    expect(Buffer.concat(received).toString()).toBe(parts.join(''));
  });

  it('refuses a negative round trip', () => {
    expect(() => startLatencyProxy({ target: () => 1, rttMs: -1 })).toThrow(/rttMs/);
  });
});
