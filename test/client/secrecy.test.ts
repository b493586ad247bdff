// @vitest-environment jsdom
// The token lives in memory only: never in storage, cookies, the DOM, the console or an event.
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
  it.each<[string, (n: number) => Answer]>([
    ['accepted', () => json({ ok: true })],
    ['refused twice (401)', () => ({ status: 401, body: 'bad token' })],
    ['failing (500, retried)', () => ({ status: 500 })],
    ['unreachable', () => new TypeError('Failed to fetch')],
    ['hanging (timeout)', () => 'hang'],
  ])('with debug on and the backend %s', async (_name, backend) => {
    const console_ = METHODS.map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const issued: string[] = [];
    const server = scriptedFetch({
      storefront: () => {
        const token = tokenAt(Math.floor(Date.now() / 1000), 900);
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
    client.start();
    await vi.advanceTimersByTimeAsync(2 * 900_000); // two refreshes
    client.stop();
    events.stop();

    expect(issued.length).toBeGreaterThan(0);
    const logged = console_.flatMap((spy) => spy.mock.calls.flat().map((arg) => String(arg)));
    expect(
      console_.find((spy) => spy === console_[METHODS.indexOf('debug')])?.mock.calls.length,
    ).toBeGreaterThan(0);
    const everything = [
      ...logged,
      JSON.stringify(events.seen),
      JSON.stringify(handlerPayloads),
      ...handlerPayloads.map((payload) => String((payload as Error)?.message)),
      document.documentElement.outerHTML,
      document.cookie,
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
    ].join('\n');
    for (const token of issued) {
      expect(everything).not.toContain(token);
      // Not even the signature or the payload part on its own.
      for (const part of token.split('.').slice(1)) expect(everything).not.toContain(part);
    }
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });
});
