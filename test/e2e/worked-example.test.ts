// The README's worked example, run for real in Chromium, Firefox and WebKit: a storefront on 127.0.0.1 renders the README's
// template and script blocks with Stencil's renderer and the package's partials, serves a jose-signed
// /customer/current.jwt and the built drop-in file; the app backend is the package's handler, answering
// { greeting, points }. The page must show the greeting and the points as text, whatever the answer holds.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect } from 'vitest';
import { createThemeRenderer } from '../../src/dev/renderer.js';
import { readTemplates } from '../../src/dev/theme.js';
import { DROP_IN_FILE, packageRoot } from '../../src/paths.js';
import { createCurrentCustomerHandler, toNodeListener } from '../../src/server/index.js';
import { memoryTheme } from '../theme/helpers/render.js';
import { attr, count, text } from './drivers/dom.js';
import { describeEngines, type Tab, waitFor } from './drivers/index.js';

const root = packageRoot();
const CLIENT_ID = 'loyalty-app';
const CLIENT_SECRET = 'loyalty-app-client-secret-0123456789';
const STORE_HASH = 'abc123';
const XSS = '<img src=x onerror="window.__owned=1">';
/** The storefront's customers, and the app's database of their first names. */
const CUSTOMERS = new Map([
  [4927, { email: 'jane@example.com', firstName: 'Jane' }],
  [5001, { email: 'mallory@example.com', firstName: XSS }],
]);

/** A fenced block of the README, found by the HTML comment just above it. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(
    readme,
  )?.[1];
  if (!block) throw new Error(`README.md has no block marked <!-- ${marker} -->`);
  return block;
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Worked example</title>
<style>.loyalty { display: none; } [data-current-customer="verified"] .loyalty { display: block; }</style>
<script nonce="{{nonce}}">
${readmeBlock('example:loyalty-script')}
</script>
</head>
<body>
{{#if clobber}}<div id="StencilCurrentCustomer"></div><img name="StencilCurrentCustomer" alt="">{{/if}}
${readmeBlock('example:loyalty-template')}
{{> components/current-customer/script}}
</body>
</html>`;

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

let storefront: Server;
let backend: Server;
let storefrontUrl: string;
const seen = { tokens: 0, posts: 0, answers: [] as unknown[] };

beforeAll(async () => {
  const dropIn = readFileSync(join(root, DROP_IN_FILE));
  const renderer = await createThemeRenderer(
    memoryTheme({ ...readTemplates(join(root, 'templates')), 'pages/home': PAGE }),
  );
  const secret = new TextEncoder().encode(CLIENT_SECRET);
  let endpoint = '';
  storefront = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://storefront');
    const id = Number(/(?:^|; )customer=(\d+)/.exec(req.headers.cookie ?? '')?.[1]);
    const customer = CUSTOMERS.get(id);
    if (url.pathname === '/customer/current.jwt') {
      seen.tokens++;
      if (!customer || url.searchParams.get('app_client_id') !== CLIENT_ID)
        return res.writeHead(404).end();
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({
        customer: { id, email: customer.email, group_id: '1' },
        version: 1,
        application_id: 'loyalty',
        store_hash: STORE_HASH,
        operation: 'current_customer',
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('bc/apps')
        .setSubject(STORE_HASH)
        .setAudience(CLIENT_ID)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .sign(secret);
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: jwt }));
    }
    if (url.pathname.endsWith('/current-customer/current-customer.min.js'))
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(dropIn);
    if (url.pathname === '/favicon.ico') return res.writeHead(204).end();
    if (url.pathname !== '/') return res.writeHead(404).end();
    const html = await renderer.render({
      page: 'pages/home',
      context: {
        ...(customer ? { customer: { id, email: customer.email, name: 'Store name' } } : {}),
        // Merchant markup whose id and name clobber window.StencilCurrentCustomer.
        clobber: url.searchParams.has('clobber'),
      },
      siteSettings: {},
      themeSettings: {
        current_customer_enabled: true,
        current_customer_app_client_id: CLIENT_ID,
        current_customer_endpoint: endpoint,
      },
      nonce: 'n0nce',
    });
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `script-src 'nonce-n0nce'; object-src 'none'`,
    });
    res.end(html);
  });
  storefrontUrl = await listen(storefront);
  const handler = createCurrentCustomerHandler({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    storeHash: STORE_HASH,
    allowedOrigins: [storefrontUrl],
    onCustomer: ({ customer }) => {
      seen.posts++;
      const member = CUSTOMERS.get(customer.id);
      const answer = { greeting: `Welcome back, ${member?.firstName}!`, points: 1250 };
      seen.answers.push(answer);
      return answer;
    },
  });
  backend = createServer(toNodeListener(handler));
  endpoint = `${await listen(backend)}/current-customer`;
});

afterAll(async () => {
  for (const server of [storefront, backend])
    await new Promise((resolve) => server?.close(resolve));
});

describeEngines('the README worked example', (engine) => {
  const visit = async (customerId: number, query = ''): Promise<Tab> => {
    const t = await engine.tab();
    // The storefront's session cookie, set from a page of its origin (the guest's page).
    await t.goto(storefrontUrl);
    await t.evaluate((id) => {
      // biome-ignore lint/suspicious/noDocumentCookie: the test's stand-in for the storefront's login
      document.cookie = `customer=${id}; path=/`;
    }, customerId);
    seen.posts = 0;
    await t.goto(storefrontUrl + query);
    await waitFor(
      async () => (await attr(t, 'html', 'data-current-customer')) === 'verified',
      'the page to be verified',
    );
    return t;
  };

  /** What the page logged, without debug lines and the browser's notices. */
  const logged = async (t: Tab) =>
    (await t.log()).filter((line) => !line.startsWith('debug') && !line.startsWith('browser:'));

  engine.it(
    'shows "Welcome back, Jane!" and 1250 points, once the backend verified the customer',
    async () => {
      const t = await visit(4927);
      expect(await text(t, 'section.loyalty h2')).toBe('Welcome back, Jane!');
      expect(await text(t, 'section.loyalty p')).toBe('You have 1250 points.');
      expect(await text(t, 'section.loyalty p strong')).toBe('1250');
      // The theme's script reacted through the queue and the event; the CSS state shows the block.
      expect(await attr(t, 'section.loyalty', 'class')).toBe('loyalty loyalty--gold');
      expect(
        await t.evaluate(() => {
          const section = document.querySelector('section.loyalty');
          return section !== null && getComputedStyle(section).display !== 'none';
        }),
      ).toBe(true);
      expect(seen.posts).toBe(1);
      expect(await logged(t)).toEqual([]);
    },
  );

  engine.it(
    'an answer holding <img src=x onerror=…> is shown as text, and runs nothing',
    async () => {
      const t = await visit(5001);
      expect(await text(t, 'section.loyalty h2 span')).toBe(`Welcome back, ${XSS}!`);
      expect(await count(t, 'section.loyalty img')).toBe(0);
      expect(
        await t.evaluate(() => document.querySelector('section.loyalty h2 span')?.innerHTML),
      ).toBe('Welcome back, &lt;img src=x onerror="window.__owned=1"&gt;!');
      expect(await t.evaluate(() => (window as { __owned?: number }).__owned)).toBe(undefined);
      expect(seen.answers.at(-1)).toEqual({ greeting: `Welcome back, ${XSS}!`, points: 1250 });
    },
  );

  engine.it(
    'elements with id and name StencilCurrentCustomer in the page neither disable the module nor replace its API',
    async () => {
      const t = await visit(4927, '?clobber');
      expect(await count(t, '#StencilCurrentCustomer')).toBe(1);
      expect(await text(t, 'section.loyalty h2')).toBe('Welcome back, Jane!');
      expect(
        await t.evaluate(() => {
          const api = (window as { StencilCurrentCustomer?: { clients: Record<string, unknown> } })
            .StencilCurrentCustomer;
          return Object.keys(api?.clients ?? {});
        }),
      ).toEqual(['loyalty-app']);
      expect(await logged(t)).toEqual([
        'warning: current-customer: replaced an element named StencilCurrentCustomer',
      ]);
      expect(seen.posts).toBe(1);
    },
  );

  engine.it(
    'a guest gets the page without the block, the configuration or the script',
    async () => {
      const t = await engine.tab();
      const before = seen.tokens;
      await t.goto(storefrontUrl);
      expect(await count(t, 'section.loyalty')).toBe(0);
      expect(await attr(t, 'html', 'data-current-customer')).toBe(null);
      expect(seen.tokens).toBe(before);
    },
  );
});
