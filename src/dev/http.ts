// Small HTTP plumbing for the emulator's own servers: a Fetch API handler served by node:http, and
// listening on 127.0.0.1 with a clear error when a port is taken.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DevError } from './errors.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/** The only address the emulator ever listens on. */
export const HOST = '127.0.0.1';
const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function toRequest(req: IncomingMessage, body: Buffer | undefined): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const host = req.headers.host ?? HOST;
  return new Request(`http://${host}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
  });
}

async function send(res: ServerResponse, response: Response, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = head || response.body === null ? null : Buffer.from(await response.arrayBuffer());
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body ?? undefined);
}

/** A node:http listener that serves a Fetch API handler. */
export function nodeListener(handler: FetchHandler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    (hasBody ? readBody(req) : Promise.resolve(undefined))
      .then((body) => handler(toRequest(req, body)))
      .then(
        (response) => send(res, response, method === 'HEAD'),
        (error: unknown) =>
          send(
            res,
            new Response(
              `emulator error: ${error instanceof Error ? error.message.split(' : ')[0] : 'unknown'}`,
              {
                status: 500,
                headers: { 'content-type': 'text/plain; charset=utf-8' },
              },
            ),
            false,
          ),
      )
      .catch(() => res.destroy());
  };
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

export { createServer };
