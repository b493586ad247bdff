// The built drop-in file, loaded into a jsdom page the way a theme loads it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { StencilCurrentCustomerGlobal } from '../../src/client/index.js';
import { tokenAt } from './helpers.js';

/** The part of jsdom's API used here (jsdom ships no type declarations). */
interface Jsdom {
  JSDOM: new (
    html: string,
    options: { url: string; runScripts: 'outside-only'; virtualConsole: object },
  ) => { window: Window & typeof globalThis };
  VirtualConsole: new () => { on(event: string, listener: (...args: never[]) => void): void };
}
const { JSDOM, VirtualConsole } = (await import('jsdom' as string)) as Jsdom;

const DROP_IN = fileURLToPath(
  new URL('../../assets/current-customer/current-customer.min.js', import.meta.url),
);

const dropIn = () => {
  if (!existsSync(DROP_IN)) throw new Error(`${DROP_IN} is missing: run \`npm run build\` first`);
  return readFileSync(DROP_IN, 'utf8');
};

const config = (options: Record<string, unknown>) =>
  `<script type="application/json" data-current-customer>${JSON.stringify(options)}</script>`;

interface Seen {
  storefront: string[];
  posts: { url: string; body: string; credentials: string | undefined }[];
}

/** A storefront page with the given body markup, a scripted fetch on its window, and its console. */
const page = async (body: string, { wait = true } = {}) => {
  const errors: string[] = [];
  const logs: string[] = [];
  const virtualConsole = new VirtualConsole();
  virtualConsole.on('error', (...args: unknown[]) => errors.push(args.map(String).join(' ')));
  virtualConsole.on('jsdomError', (error: Error) => errors.push(`jsdom: ${error.message}`));
  for (const level of ['log', 'info', 'warn', 'debug'] as const)
    virtualConsole.on(level, (...args: unknown[]) => logs.push(args.map(String).join(' ')));
  const dom = new JSDOM(`<!doctype html><html><head></head><body>${body}</body></html>`, {
    url: 'https://store.example.com/account.php',
    runScripts: 'outside-only',
    virtualConsole,
  });
  const window = dom.window;
  if (wait) await new Promise((resolve) => window.addEventListener('DOMContentLoaded', resolve));
  const seen: Seen = { storefront: [], posts: [] };
  const issued: string[] = [];
  window.fetch = (async (input: string, init: RequestInit = {}) => {
    const url = new URL(String(input), window.location.href);
    const respond = (status: number, text: string, type = 'text/plain') =>
      ({
        ok: status < 300,
        status,
        headers: new window.Headers({ 'content-type': type }),
        text: async () => text,
      }) as unknown as Response;
    if (url.pathname === '/customer/current.jwt') {
      seen.storefront.push(url.searchParams.get('app_client_id') ?? '');
      const token = tokenAt(Math.floor(Date.now() / 1000));
      issued.push(token);
      return respond(200, token);
    }
    seen.posts.push({
      url: url.href,
      body: String(init.body),
      credentials: init.credentials as string | undefined,
    });
    return respond(200, JSON.stringify({ customerId: 4927 }), 'application/json');
  }) as typeof fetch;
  const global = () =>
    (window as unknown as { StencilCurrentCustomer?: StencilCurrentCustomerGlobal })
      .StencilCurrentCustomer;
  return { dom, window, errors, logs, seen, issued, global, load: () => window.eval(dropIn()) };
};

const APP_A = { appClientId: 'client-a', endpoint: 'https://a.example.com/verify' };
const APP_B = {
  appClientId: 'client-b',
  endpoint: 'https://b.example.com/verify',
  credentials: 'include',
};

describe('the drop-in file', () => {
  it('is a self-contained IIFE (no import or export, no require)', () => {
    const code = dropIn();
    expect(code).toMatch(/^!?\(?function\s*\(|^\(\(\)\s*=>/);
    expect(code).not.toMatch(/\bimport\s*[({'"]|\bexport\s|\brequire\(/);
  });

  it('boots one client per configuration element: two apps, two posts', async () => {
    const p = await page(config(APP_A) + config(APP_B));
    p.load();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(2));
    expect(p.seen.storefront.sort()).toEqual(['client-a', 'client-b']);
    const byUrl = Object.fromEntries(p.seen.posts.map((post) => [post.url, post]));
    expect(byUrl[APP_A.endpoint]?.credentials).toBe('omit');
    expect(byUrl[APP_B.endpoint]?.credentials).toBe('include');
    for (const post of p.seen.posts) expect(p.issued).toContain(post.body);
    const api = p.global();
    expect(Object.keys(api?.clients ?? {}).sort()).toEqual(['client-a', 'client-b']);
    expect(typeof api?.createCurrentCustomer).toBe('function');
    expect(api?.clients['client-a']?.getClaims()?.customer.id).toBe(4927);
    expect(p.errors).toEqual([]);
    for (const client of Object.values(api?.clients ?? {})) client.stop();
  });

  it('loaded twice, starts no duplicate clients', async () => {
    const p = await page(config(APP_A) + config(APP_B));
    p.load();
    const first = p.global();
    p.load();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.seen.storefront).toHaveLength(2);
    expect(p.seen.posts).toHaveLength(2);
    expect(p.global()).toBe(first);
    for (const client of Object.values(first?.clients ?? {})) client.stop();
  });

  it('the same app configured twice on a page gets one client', async () => {
    const p = await page(config(APP_A) + config(APP_A));
    p.load();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.seen.storefront).toEqual(['client-a']);
    p.global()?.clients['client-a']?.stop();
  });

  it('while the document is still loading: boots the elements already parsed at once, later ones at DOMContentLoaded, none twice', async () => {
    const p = await page(
      `<script type="application/json" data-current-customer>{not json</script>${config(APP_A)}`,
    );
    const { document } = p.window;
    Object.defineProperty(document, 'readyState', { configurable: true, get: () => 'loading' });
    p.load();
    // Loaded `async`: it does not wait for the end of the document.
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
    expect(p.seen.storefront).toEqual(['client-a']);
    expect(p.errors).toHaveLength(1);
    // An element parsed after the file ran.
    document.body.insertAdjacentHTML('beforeend', config(APP_B));
    document.dispatchEvent(new p.window.Event('DOMContentLoaded'));
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.seen.storefront).toEqual(['client-a', 'client-b']);
    // The bad element was read once: one console.error, not two.
    expect(p.errors).toHaveLength(1);
    for (const client of Object.values(p.global()?.clients ?? {})) client.stop();
  });

  it('a document already parsed: boots at once and adds no DOMContentLoaded boot', async () => {
    const p = await page(config(APP_A));
    p.load();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
    p.window.document.body.insertAdjacentHTML('beforeend', config(APP_B));
    p.window.document.dispatchEvent(new p.window.Event('DOMContentLoaded'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.seen.storefront).toEqual(['client-a']);
    p.global()?.clients['client-a']?.stop();
  });

  it('a bad configuration element: one console.error, never a throw; the others still run', async () => {
    const p = await page(
      `<script type="application/json" data-current-customer>{not json</script>` +
        config({ appClientId: 'client-c', endpoint: 'http://evil.example.com/x' }) +
        config(APP_A),
    );
    expect(() => p.load()).not.toThrow();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
    expect(p.errors).toHaveLength(2);
    expect(p.errors[0]).toMatch(/JSON/);
    expect(p.errors[1]).toMatch(/endpoint/);
    expect(p.seen.storefront).toEqual(['client-a']);
    p.global()?.clients['client-a']?.stop();
  });

  it.each(['{not json', 'null'])(
    'a configuration element holding %s: one console.error, "must be a JSON object", never a throw',
    async (text) => {
      const p = await page(
        `<script type="application/json" data-current-customer>${text}</script>${config(APP_A)}`,
      );
      expect(() => p.load()).not.toThrow();
      await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
      expect(p.errors).toEqual(['current-customer: data-current-customer must be a JSON object']);
      expect(p.seen.storefront).toEqual(['client-a']);
      p.global()?.clients['client-a']?.stop();
    },
  );

  it('dispatches document CustomEvents a theme script can read, with claims and never the token', async () => {
    const p = await page(config(APP_A));
    const details: [string, unknown][] = [];
    for (const type of ['token', 'response', 'guest', 'error'])
      p.window.document.addEventListener(`current-customer:${type}`, (event) =>
        details.push([type, JSON.parse(JSON.stringify((event as CustomEvent).detail))]),
      );
    p.load();
    await vi.waitFor(() => expect(details).toHaveLength(2));
    expect(details[0]?.[0]).toBe('token');
    expect(details[0]?.[1]).toMatchObject({
      appClientId: 'client-a',
      claims: { customer: { id: 4927 }, store_hash: 'abc123', operation: 'current_customer' },
    });
    expect(details[1]).toEqual([
      'response',
      { appClientId: 'client-a', data: { customerId: 4927 } },
    ]);
    expect(JSON.stringify(details)).not.toContain(p.issued[0]);
    p.global()?.clients['client-a']?.stop();
  });

  it('a throwing on() handler is logged with console.error and stops nothing', async () => {
    const p = await page('');
    p.load();
    const api = p.global();
    const client = api?.createCurrentCustomer({ ...APP_A, autoRefresh: false });

    client?.on('token', () => {
      throw new Error('handler bug');
    });
    await expect(client?.post()).resolves.toEqual({ customerId: 4927 });
    expect(p.errors.join()).toContain('handler bug');
  });

  it.each([
    ['<div id="StencilCurrentCustomer"></div>'],
    ['<img name="StencilCurrentCustomer" alt="">'],
    [
      '<form name="StencilCurrentCustomer"><input name="clients"><input name="createCurrentCustomer"></form>',
    ],
  ])(
    'an element clobbering the global (%s) neither disables it nor replaces its API; one console.warn',
    async (markup) => {
      const p = await page(markup + config(APP_A));
      const element = p.window.document.body.firstElementChild;
      expect((p.window as unknown as Record<string, unknown>).StencilCurrentCustomer).toBe(element);
      p.load();
      await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
      const api = p.global();
      expect(typeof api?.createCurrentCustomer).toBe('function');
      expect(api?.clients['client-a']?.appClientId).toBe('client-a');
      expect(p.logs).toEqual([
        'current-customer: replaced an element named StencilCurrentCustomer',
      ]);
      // A second copy of the file finds the API: nothing twice, no second message.
      p.load();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(p.global()).toBe(api);
      expect(p.seen.storefront).toEqual(['client-a']);
      expect(p.logs).toHaveLength(1);
      expect(p.errors).toEqual([]);
      api?.clients['client-a']?.stop();
    },
  );

  it('constructor, toString and __proto__ are client ids like any other: each gets its client in `clients`', async () => {
    const ids = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
    const p = await page(
      ids
        .map((id) =>
          config({ appClientId: id, endpoint: `https://${id.replace(/_/g, '')}.example.com/v` }),
        )
        .join(''),
    );
    p.load();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(4));
    expect(p.seen.storefront.sort()).toEqual([...ids].sort());
    const clients = p.global()?.clients ?? {};
    expect(Object.keys(clients).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(clients[id]?.appClientId).toBe(id);
    expect(p.errors).toEqual([]);
    for (const id of ids) clients[id]?.stop();
  });
});

describe('fields and page state in the drop-in file', () => {
  it('fills the fields from the answer and sets data-current-customer: pending, then verified', async () => {
    const p = await page(
      `${config(APP_A)}<p>Customer <span data-current-customer-field="customerId">…</span></p>`,
    );
    const root = p.window.document.documentElement;
    p.load();
    expect(root.getAttribute('data-current-customer')).toBe('pending');
    await vi.waitFor(() => expect(root.getAttribute('data-current-customer')).toBe('verified'));
    expect(p.window.document.querySelector('p')?.textContent).toBe('Customer 4927');
    p.global()?.clients['client-a']?.stop();
  });

  it('invalid options: error', async () => {
    const p = await page(config({ appClientId: 'client-a', endpoint: 'http://evil.example.com/' }));
    p.load();
    expect(p.window.document.documentElement.getAttribute('data-current-customer')).toBe('error');
  });
});

describe('the ready queue', () => {
  type Ready = (api: StencilCurrentCustomerGlobal) => void;
  const queue = (p: Awaited<ReturnType<typeof page>>) => {
    const host = p.window as unknown as {
      StencilCurrentCustomerQueue?: { push(...f: Ready[]): void };
    };
    host.StencilCurrentCustomerQueue = host.StencilCurrentCustomerQueue || [];
    return host.StencilCurrentCustomerQueue;
  };

  it('callbacks pushed before the file loads run once, in order, right after boot, with the API', async () => {
    const p = await page(config(APP_A));
    const seen: string[] = [];
    const apis: unknown[] = [];
    queue(p).push((api) => {
      seen.push(`first:${Object.keys(api.clients).join()}`);
      apis.push(api);
    });
    queue(p).push(
      () => {
        throw new Error('theme bug');
      },
      (api) => {
        seen.push('third');
        apis.push(api);
      },
    );
    expect(seen).toEqual([]);
    p.load();
    // The clients of the configuration elements exist when the queue runs.
    expect(seen).toEqual(['first:client-a', 'third']);
    expect(apis).toEqual([p.global(), p.global()]);
    expect(p.errors.join()).toContain('theme bug');
    // A second copy of the file runs nothing again.
    p.load();
    expect(seen).toHaveLength(2);
    p.global()?.clients['client-a']?.stop();
  });

  it('callbacks pushed after boot run at once; a throwing one stops nothing', async () => {
    const p = await page('');
    p.load();
    const seen: unknown[] = [];
    queue(p).push(
      () => {
        throw new Error('late bug');
      },
      (api) => seen.push(api),
    );
    expect(seen).toEqual([p.global()]);
    queue(p).push((api) => seen.push(api.createCurrentCustomer));
    expect(seen).toHaveLength(2);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toContain('late bug');
  });

  it('a pushed value that is not a function is logged, the rest still run', async () => {
    const p = await page('');
    const seen: string[] = [];
    queue(p).push(42 as unknown as Ready, () => seen.push('ran'));
    p.load();
    expect(seen).toEqual(['ran']);
    expect(p.errors).toHaveLength(1);
  });

  it('an element named StencilCurrentCustomerQueue is not taken for a queue', async () => {
    const p = await page(`<div id="StencilCurrentCustomerQueue"></div>${config(APP_A)}`);
    expect(() => p.load()).not.toThrow();
    await vi.waitFor(() => expect(p.seen.posts).toHaveLength(1));
    const seen: unknown[] = [];
    queue(p).push((api) => seen.push(api));
    expect(seen).toEqual([p.global()]);
    expect(p.errors).toEqual([]);
    p.global()?.clients['client-a']?.stop();
  });
});
