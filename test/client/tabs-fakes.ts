// In-memory BroadcastChannel and Web Locks for jsdom (which has neither), driven by fake timers: several
// clients created in one test play several tabs. Messages are structured-cloned and delivered in a later
// task, never to the sender; locks are granted in request order, shared ones together.
import { vi } from 'vitest';

export class FakeBroadcastChannel extends EventTarget {
  static open = new Set<FakeBroadcastChannel>();
  static sent: { name: string; message: unknown }[] = [];
  onmessage: ((event: MessageEvent) => void) | null = null;
  constructor(readonly name: string) {
    super();
    FakeBroadcastChannel.open.add(this);
  }
  postMessage(message: unknown): void {
    const data = structuredClone(message);
    FakeBroadcastChannel.sent.push({ name: this.name, message: data });
    for (const other of FakeBroadcastChannel.open)
      if (other !== this && other.name === this.name)
        setTimeout(() => {
          if (FakeBroadcastChannel.open.has(other)) {
            const event = new MessageEvent('message', { data });
            other.onmessage?.(event);
            other.dispatchEvent(event);
          }
        }, 0);
  }
  close(): void {
    FakeBroadcastChannel.open.delete(this);
  }
}

interface Request {
  name: string;
  mode: LockMode;
  grant: () => void;
}

export class FakeLocks {
  held: { name: string; mode: LockMode }[] = [];
  pending: Request[] = [];

  request<T>(
    name: string,
    options: LockOptions | (() => Promise<T>),
    callback?: () => Promise<T> | T,
  ): Promise<T> {
    const opts = typeof options === 'function' ? {} : options;
    const task = (typeof options === 'function' ? options : callback) as () => Promise<T> | T;
    const mode = opts.mode ?? 'exclusive';
    return new Promise<T>((resolve, reject) => {
      const entry: Request = {
        name,
        mode,
        grant: () => {
          const lock = { name, mode };
          this.held.push(lock);
          Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => {
              this.held.splice(this.held.indexOf(lock), 1);
              this.next();
            });
        },
      };
      opts.signal?.addEventListener('abort', () => {
        const i = this.pending.indexOf(entry);
        if (i >= 0) {
          this.pending.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        }
      });
      this.pending.push(entry);
      this.next();
    });
  }

  async query(): Promise<LockManagerSnapshot> {
    return {
      held: this.held.map(({ name, mode }) => ({ name, mode })),
      pending: this.pending.map(({ name, mode }) => ({ name, mode })),
    };
  }

  private grantable(request: Request): boolean {
    const same = this.held.filter((lock) => lock.name === request.name);
    return request.mode === 'shared' ? same.every((lock) => lock.mode === 'shared') : !same.length;
  }

  private next(): void {
    for (const request of [...this.pending]) {
      // In order per name: a request waits behind an earlier one for the same name.
      const earlier = this.pending.slice(0, this.pending.indexOf(request));
      if (earlier.some((other) => other.name === request.name)) continue;
      if (!this.grantable(request)) continue;
      this.pending.splice(this.pending.indexOf(request), 1);
      request.grant();
    }
  }
}

/** Installs both fakes (undo with vi.unstubAllGlobals() and the returned function). */
export const installTabs = () => {
  FakeBroadcastChannel.open.clear();
  FakeBroadcastChannel.sent = [];
  const locks = new FakeLocks();
  vi.stubGlobal('BroadcastChannel', FakeBroadcastChannel);
  Object.defineProperty(navigator, 'locks', { configurable: true, value: locks });
  return {
    locks,
    uninstall: () => {
      vi.unstubAllGlobals();
      Reflect.deleteProperty(navigator, 'locks');
    },
  };
};
