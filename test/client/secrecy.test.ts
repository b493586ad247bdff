// @vitest-environment jsdom
// The token lives in memory only: never in storage, cookies, the DOM, the console, an `on()` payload, a document
// event or a rejection. Everything the page can reach is walked deeply (own properties enumerable or not, symbol
// keys, getters, `cause` chains, Maps, Sets, iterables, byte arrays), not printed: an object prints as
// `[object Object]`, and `Error.cause` is not enumerable.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCurrentCustomer } from '../../src/client/index.js';
import {
  type Answer,
  CLIENT_ID,
  documentEvents,
  ENDPOINT,
  json,
  scriptedFetch,
  setVisibility,
  tokenAt,
} from './helpers.js';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const;

/** Every string reachable from `root`, with the path that reaches it. */
function reachableStrings(root: unknown): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      found.push({ path, text: value });
      return;
    }
    // Functions hold nothing reachable but their closure, which no page can read either.
    if (typeof value !== 'object' || value === null || value === globalThis) return;
    const object = value as object;
    if (seen.has(object)) return;
    seen.add(object);
    if (typeof Node !== 'undefined' && object instanceof Node) {
      // A DOM node: its markup (the document itself is checked as a whole elsewhere).
      found.push({
        path,
        text: object instanceof Element ? object.outerHTML : String(object.textContent),
      });
      return;
    }
    if (typeof Event !== 'undefined' && object instanceof Event) {
      // An event: what a listener reads from it beyond the DOM.
      visit(object.type, `${path}.type`);
      visit((object as CustomEvent).detail, `${path}.detail`);
      return;
    }
    if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      const bytes = new Uint8Array(object instanceof ArrayBuffer ? object : object.buffer);
      found.push({ path, text: new TextDecoder().decode(bytes) });
      return;
    }
    if (object instanceof Map) {
      for (const [key, entry] of object) {
        visit(key, `${path}<key>`);
        visit(entry, `${path}.get(${String(key)})`);
      }
    } else if (object instanceof Set) {
      for (const entry of object) visit(entry, `${path}<entry>`);
    } else if (
      typeof (object as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' &&
      !Array.isArray(object)
    ) {
      // Headers, URLSearchParams, FormData and the like.
      try {
        let i = 0;
        for (const entry of object as Iterable<unknown>) {
          if (i > 1000) break;
          visit(entry, `${path}[@${i++}]`);
        }
      } catch {
        // Not iterable after all.
      }
    }
    // Own properties, enumerable or not, string or symbol keyed, then getters up the prototype chain
    // (stopping at the built-in prototypes, whose getters hold nothing of ours).
    for (let level: object | null = object; level !== null; level = Object.getPrototypeOf(level)) {
      if (
        level === Object.prototype ||
        level === Function.prototype ||
        level === Array.prototype ||
        level === Error.prototype
      ) {
        break;
      }
      for (const key of Reflect.ownKeys(level)) {
        const descriptor = Object.getOwnPropertyDescriptor(level, key);
        if (!descriptor) continue;
        if (level !== object && !descriptor.get) continue;
        let property: unknown;
        try {
          property = descriptor.get ? descriptor.get.call(object) : descriptor.value;
        } catch {
          continue;
        }
        visit(property, `${path}.${String(key)}`);
      }
    }
  };
  visit(root, '$');
  return found;
}

/** Where any of the secrets appears in what is reachable from `roots`, as "path: secret". */
function leaks(roots: Record<string, unknown>, secrets: string[]): string[] {
  const out: string[] = [];
  for (const [name, root] of Object.entries(roots)) {
    for (const { path, text } of reachableStrings(root)) {
      for (const secret of secrets) {
        if (text.includes(secret))
          out.push(`${path.replace('$', name)} holds ${secret.slice(0, 12)}…`);
      }
    }
  }
  return out;
}

describe('reachableStrings finds what printing would miss', () => {
  const secret = 'eyJ.secret-token-text.sig';
  it.each<[string, () => unknown]>([
    ['an object property', () => ({ token: secret })],
    ['a cause chain', () => new Error('outer', { cause: new Error('inner', { cause: secret }) })],
    [
      'a non-enumerable property',
      () => Object.defineProperty({}, 'hidden', { value: { deep: [secret] }, enumerable: false }),
    ],
    ['a symbol key', () => ({ [Symbol('s')]: secret })],
    ['a Map value', () => new Map([['k', { secret }]])],
    ['a Map key', () => new Map([[secret, 1]])],
    ['a Set', () => new Set([1, [secret]])],
    [
      'a getter on a class',
      () =>
        new (class {
          get token() {
            return secret;
          }
        })(),
    ],
    ['bytes', () => new TextEncoder().encode(`{"token":"${secret}"}`)],
    ['Headers', () => new Headers({ authorization: `Bearer ${secret}` })],
    ['a CustomEvent detail', () => new CustomEvent('x', { detail: { error: { cause: secret } } })],
  ])('in %s', (_name, make) => {
    expect(leaks({ value: make() }, [secret]).length).toBeGreaterThan(0);
    expect(leaks({ value: make() }, ['not-there'])).toEqual([]);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    a.list = [a, new Map([[a, a]])];
    expect(leaks({ a }, [secret])).toEqual([]);
  });
});

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
  setVisibility('visible');
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  localStorage.clear();
  sessionStorage.clear();
});

describe('the token stays in memory', () => {
  it.each<[string, (n: number) => Answer, number]>([
    ['the backend accepting', () => json({ ok: true }), 900],
    [
      'the backend refusing twice (401)',
      () => ({ status: 401, body: '{"error":"signature_invalid"}' }),
      900,
    ],
    ['the backend failing (500, retried)', () => ({ status: 500 }), 900],
    [
      'the backend overloaded (503, Retry-After)',
      () => ({ status: 503, headers: { 'retry-after': '2' } }),
      900,
    ],
    ['the backend unreachable', () => new TypeError('Failed to fetch'), 900],
    ['the backend hanging (timeout)', () => 'hang', 900],
    // Refused by the module itself (token_malformed), so never posted.
    ['a token living two hours', () => json({ ok: true }), 7200],
  ])('with debug on and %s', async (_name, backend, lifetime) => {
    const console_ = METHODS.map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const issued: string[] = [];
    const server = scriptedFetch({
      storefront: () => {
        const token = tokenAt(Math.floor(Date.now() / 1000), lifetime);
        issued.push(token);
        return { body: token };
      },
      backend,
    });
    const events = documentEvents();
    const client = createCurrentCustomer({
      appClientId: CLIENT_ID,
      endpoint: ENDPOINT,
      fetch: server.fetch,
      debug: true,
    });
    const handlerPayloads: unknown[] = [];
    for (const type of ['token', 'response', 'guest', 'error'] as const)
      client.on(type, (payload) => handlerPayloads.push(payload));
    const rejections: unknown[] = [];
    client.start();
    // What a page's own call gets back, a rejection included.
    client.post().catch((error: unknown) => rejections.push(error));
    await vi.advanceTimersByTimeAsync(2 * 900_000); // two refreshes
    client.stop();
    events.stop();

    expect(issued.length).toBeGreaterThan(0);
    // The token reached the backend (the failure paths did run), or the module refused it first.
    expect(server.backend.length > 0).toBe(lifetime <= 3600);
    expect(console_[METHODS.indexOf('debug')]?.mock.calls.length).toBeGreaterThan(0);
    expect(handlerPayloads.length).toBeGreaterThan(0);
    const secrets = issued.flatMap((token) => [token, ...token.split('.').slice(1)]);
    const found = leaks(
      {
        ...Object.fromEntries(
          METHODS.map((method, i) => [`console.${method}`, console_[i]?.mock.calls]),
        ),
        onPayloads: handlerPayloads,
        documentEvents: events.seen,
        rejections,
        client,
        document: document.documentElement.outerHTML,
        cookie: document.cookie,
        localStorage: { ...localStorage },
        sessionStorage: { ...sessionStorage },
      },
      secrets,
    );
    expect(found).toEqual([]);
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });
});
