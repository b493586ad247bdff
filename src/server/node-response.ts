// The Node adapter's response side (see node.ts): an answer the endpoint made itself, written with its length, or
// a Fetch `Response` whose body is copied to the socket, with the framing left to Node.

import type { PlainAnswer } from './endpoint.js';
import { bodyPending, type Exchange, type NodeRequestLike } from './node-request.js';

/** The part of Node's `ServerResponse` the adapter uses. */
export interface NodeResponseLike {
  headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  writeHead(
    status: number,
    statusMessage: string,
    headers: Record<string, string | string[]>,
  ): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
  off(event: 'close' | 'error', listener: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

/**
 * Response headers that frame the message on the connection. Node frames what it writes itself: an app
 * Response's own `content-length` (wrong as soon as the body differs) or `transfer-encoding` would make the
 * next response on a keep-alive connection unreadable, so they are never copied.
 */
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'trailer',
]);

/** The headers Node writes for a Fetch `Response`: every Set-Cookie kept apart, framing left to Node. */
function nodeHeaders(response: Response): Record<string, string | string[]> {
  // A Response from fetch() (type "basic" or "cors", never "default") has a decoded body: its
  // content-encoding describes bytes that are no longer there.
  const decoded = response.type !== 'default';
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (FRAMING.has(name) || name === 'set-cookie') return;
    if (decoded && name === 'content-encoding') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/** The next read if it is already settled (a body made of bytes at hand), else undefined: never waits. */
function readAtHand(
  read: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<ReadableStreamReadResult<Uint8Array> | undefined> {
  return Promise.race([read, Promise.resolve().then(() => undefined)]);
}

/**
 * Copies a body stream to the socket. The wait for `drain` is a callback, and the reader is cancelled as soon as
 * the response closes or fails (a client that stalls then leaves), so no stream stays open behind a gone client.
 * Resolves when the stream is finished or cancelled.
 */
function writeBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: NodeResponseLike,
  pending: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<void> {
  return new Promise((resolve) => {
    const cancel = (): void => {
      reader.cancel().catch(() => {});
    };
    const detach = (): void => {
      res.off('close', cancel);
      res.off('error', cancel);
      resolve();
    };
    res.on('close', cancel);
    res.on('error', cancel);
    reader.closed.then(detach, detach);
    const fail = (error: unknown): void => handleResponseError(error, res);
    const next = (): void => {
      reader.read().then(flow, fail);
    };
    const flow = ({ done, value }: ReadableStreamReadResult<Uint8Array>): void => {
      if (done) res.end();
      else if (res.write(value)) next();
      else res.once('drain', next);
    };
    pending.then(flow, fail);
  });
}

async function writeResponse(
  response: Response,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): Promise<void> {
  const headers = nodeHeaders(response);
  // A body the handler left unread and still arriving is not drained: the connection closes instead.
  if (bodyPending(req, exchange)) headers.connection = 'close';
  const writeHead = (): void => {
    if (response.statusText === '') res.writeHead(response.status, headers);
    else res.writeHead(response.status, response.statusText, headers);
  };
  if (response.body === null) {
    writeHead();
    res.end();
    return;
  }
  // A body already in memory (one chunk, or none) is sent with its length; any other is streamed (chunked).
  const reader = response.body.getReader();
  let pending = reader.read();
  const first = await readAtHand(pending);
  if (first !== undefined) {
    pending = reader.read();
    const second = first.done ? first : await readAtHand(pending);
    if (second?.done === true) {
      const body = first.value ?? new Uint8Array(0);
      headers['content-length'] = String(body.byteLength);
      writeHead();
      if (body.byteLength > 0) res.write(body);
      res.end();
      return;
    }
    writeHead();
    if (first.value !== undefined) res.write(first.value);
  } else {
    writeHead();
  }
  await writeBody(reader, res, pending);
}

/** The UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one code point of 4 bytes; a lone surrogate is written as U+FFFD (3 bytes).
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** Writes an answer the endpoint made itself, with its length: nothing to stream. */
function writePlainAnswer(
  answer: PlainAnswer,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): void {
  const { headers } = answer;
  if (answer.body !== null) headers['content-length'] = String(utf8Length(answer.body));
  // A body left unread and still arriving is not drained: the connection closes instead.
  if (bodyPending(req, exchange)) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  // A string: Node sends it in one write with the head.
  if (answer.body === null) res.end();
  else res.end(answer.body);
}

export function writeAnswer(
  answer: PlainAnswer | Response,
  res: NodeResponseLike,
  req: NodeRequestLike,
  exchange: Exchange,
): Promise<void> | undefined {
  if (exchange.answered) return undefined;
  if (res.headersSent) {
    res.destroy();
    return undefined;
  }
  if (answer instanceof Response) return writeResponse(answer, res, req, exchange);
  writePlainAnswer(answer, res, req, exchange);
  return undefined;
}

/** Writing the answer failed (the body stream errored): the connection cannot be trusted any more. */
export function handleResponseError(error: unknown, res: NodeResponseLike): void {
  res.destroy(error instanceof Error ? error : undefined);
}
