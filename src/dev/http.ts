// The emulator's own listening: 127.0.0.1 only, a clear error when a port is taken, and a close that drops
// kept-alive connections. Requests are served by the package's Node adapter, `toNodeListener`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeListener } from '../server/node.js';
import { DevError } from './errors.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/** The only address the emulator ever listens on. */
export const HOST = '127.0.0.1';

/** A node:http server on a Fetch API handler, through the package's own adapter. */
export function serve(handler: FetchHandler): Server {
  return createServer(toNodeListener(handler));
}

/** Listens on 127.0.0.1:`port` (0: any free port); resolves the port, or a `DevError` when it is taken. */
export function listen(server: Server, port: number, what: string, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new DevError(`${what} port ${port} is already in use: choose another with ${flag}`));
      } else if (error.code === 'EACCES') {
        reject(new DevError(`${what} port ${port} is not allowed: choose another with ${flag}`));
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

/** Stops a server and drops its open connections (browsers keep them alive). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The emulator's own error page: a bug or a theme that does not compile, never a stack trace. */
export function errorPage(error: unknown): Response {
  const message = error instanceof Error ? (error.message.split(' : ')[0] ?? '') : 'unknown';
  return new Response(`emulator error: ${message}`, {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
