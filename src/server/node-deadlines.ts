// The Node adapter's body deadlines (see node.ts): a request body still incomplete after `bodyTimeoutMs` is late.
// One sweeping interval per listener, not a timer per request.

import { type Exchange, hasNoBody, headerValue, type NodeRequestLike } from './node-request.js';
import type { NodeResponseLike } from './node-response.js';

/**
 * The body deadlines of one listener. A request whose body is still arriving is added with its deadline, and one
 * shared interval finds the late ones (within a tenth of the timeout), so a request costs a map entry, not a timer
 * of its own.
 */
export interface BodyDeadlines {
  /** Calls `onLate` once the body is late; the returned function cancels that. */
  add(onLate: () => void): () => void;
}

export function createBodyDeadlines(timeoutMs: number): BodyDeadlines {
  const pending = new Map<() => void, number>();
  let sweeper: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    const now = Date.now();
    for (const [onLate, deadline] of pending) {
      if (deadline > now) continue;
      pending.delete(onLate);
      onLate();
    }
    if (pending.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  return {
    add(onLate) {
      pending.set(onLate, Date.now() + timeoutMs);
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, Math.max(10, Math.min(1000, timeoutMs / 10)));
        // Pending deadlines alone do not keep the process alive.
        (sweeper as { unref?: () => void }).unref?.();
      }
      return () => pending.delete(onLate);
    },
  };
}

/**
 * The body has arrived whole: there is none, or it ended, is complete, or as many bytes were read and buffered
 * as Content-Length says.
 */
function bodyArrived(req: NodeRequestLike, exchange: Exchange): boolean {
  if (exchange.ended || req.readableEnded === true || req.complete === true) return true;
  if (hasNoBody(req)) return true;
  const declared = headerValue(req, 'content-length');
  if (declared === null || !/^\d+$/.test(declared)) return false;
  return (exchange.received ?? 0) + (req.readableLength ?? 0) >= Number(declared);
}

/**
 * Arms the body timeout of a request whose body is still to come: `onLate` runs once it is late. Disarmed by the
 * body's end or by the answer.
 */
export function armBodyTimeout(
  req: NodeRequestLike,
  res: NodeResponseLike,
  exchange: Exchange,
  method: string,
  deadlines: BodyDeadlines,
  onLate: () => void,
): void {
  if (method === 'GET' || method === 'HEAD' || bodyArrived(req, exchange)) return;
  const cancel = deadlines.add(onLate);
  const clear = (): void => {
    cancel();
  };
  req.on('end', clear);
  res.once('close', clear);
}
