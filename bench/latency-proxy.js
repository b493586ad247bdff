// A TCP proxy that puts a network's round trip between a browser and a server on 127.0.0.1, in user space
// (the kernel's netem is not available on these machines). Used by `RTT=<ms> npm run bench:page`.
//
// What it models:
// - latency: every chunk read from one side is written to the other half a round trip later (RTT/2 each
//   way), in order (a chunk never overtakes the one before it);
// - the TCP handshake: data sent on a new connection reaches the server no earlier than one RTT after the
//   connection was opened, plus the half RTT of its own trip (SYN, SYN-ACK, then ACK with the request);
// - with `tls: true`, a TLS 1.3 handshake on top: one more RTT before the first request byte can arrive;
// - a connection opened early (`<link rel=preconnect>`, a socket kept alive) has paid its handshake by the
//   time its first request is sent: the handshake delays only data sent before it would have completed;
// - closing: the end of one side reaches the other half a round trip later, so a server that closes after
//   an answer costs the browser a new connection (and its handshake) for the next request.
//
// What it does not model: bandwidth (a 200 KB page arrives as fast as 127.0.0.1 carries it), packet loss and
// retransmission, TCP slow start (a real first answer larger than about 14 KB needs more round trips), the
// exact timing of TCP's own segments (delays apply to the chunks Node reads, not to packets), DNS, and real
// TLS (no encryption cost, no session resumption, no 0-RTT: only the handshake's round trip).
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Starts a proxy on `host` (127.0.0.1, or ::1), any free port, to `target()` (a port on 127.0.0.1, asked for
 * each new connection, so the proxy can listen before its server does). Resolves `{ port, origin,
 * connections, close() }`; `connections` counts the connections opened through it.
 */
export function startLatencyProxy({ target, rttMs, tls = false, host = '127.0.0.1' }) {
  if (!(rttMs >= 0))
    throw new TypeError(`latency proxy: rttMs must be a number >= 0, got ${rttMs}`);
  const oneWay = rttMs / 2;
  const handshake = rttMs * (tls ? 2 : 1);
  const sockets = new Set();
  const proxy = { port: 0, origin: '', connections: 0, close: () => Promise.resolve() };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    proxy.connections++;
    const openedAt = performance.now();
    const upstream = connect({ host: '127.0.0.1', port: target(), allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => sockets.delete(socket));
    }
    // Browser to server: each chunk after the handshake and its half round trip.
    delayedPipe(client, upstream, (now) => Math.max(now, openedAt + handshake) + oneWay);
    // Server to browser: each chunk after half a round trip.
    delayedPipe(upstream, client, (now) => now + oneWay);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      proxy.port = server.address().port;
      proxy.origin = `http://${host.includes(':') ? `[${host}]` : host}:${proxy.port}`;
      proxy.close = () =>
        new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        });
      resolve(proxy);
    });
  });
}

/**
 * Copies `from` to `to`, writing each chunk (and the end, and an abrupt close) at `deliverAt(now)`, never
 * before the previous one: a queue with one timer. Timers fire at millisecond granularity.
 */
function delayedPipe(from, to, deliverAt) {
  const queue = [];
  let last = 0;
  let timer;
  const push = (item) => {
    last = Math.max(last, deliverAt(performance.now()));
    queue.push({ at: last, ...item });
    if (!timer) schedule();
  };
  const schedule = () => {
    timer = setTimeout(flush, Math.max(0, queue[0].at - performance.now()));
  };
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].at <= now + 0.5) {
      const item = queue.shift();
      if (to.destroyed) {
        queue.length = 0;
        return;
      }
      if (item.chunk) to.write(item.chunk);
      else if (item.end) to.end();
      else if (item.destroy) to.destroy();
    }
    if (queue.length) schedule();
  };
  from.on('data', (chunk) => push({ chunk }));
  from.on('end', () => push({ end: true }));
  // An error or a close without an end (a reset): the other side is dropped, half a round trip later.
  from.on('close', (hadError) => {
    if (hadError || !from.readableEnded) push({ destroy: true });
  });
  from.on('error', () => {});
}
