// The three browser engines as bench:page's latency mode drives them, behind one small interface:
//   launchEngine(name) -> { name, version, newContext(), close() }
//   context: { setCookie({ name, value, url }), open() -> tab, close() }
//   tab:     { goto(url), evaluate(fn, arg) }
// A context is a fresh cookie jar, HTTP cache and connection pool: its first page is a first view.
// - chromium: Debian's Chromium through playwright-core, with the browser tests' launch settings;
// - firefox: Firefox ESR through puppeteer-core over WebDriver BiDi (PUPPETEER_SKIP_DOWNLOAD: no download);
// - webkit: not supported yet (WebKitGTK's MiniBrowser under WebDriver classic has no fresh context short of
//   a new session, and a cookie can only be set from a page of the site, which would open the connection a
//   first view must open itself).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENGINES = ['chromium', 'firefox', 'webkit'];
const NAVIGATION_TIMEOUT_MS = 30_000;

export async function launchEngine(name) {
  if (name === 'chromium') return launchChromium();
  if (name === 'firefox') return launchFirefox();
  if (name === 'webkit')
    throw new Error(
      'not supported yet for webkit: the latency mode needs a fresh cookie jar and connection pool per first view, which WebKitWebDriver gives only as a new MiniBrowser session; run it with ENGINE=chromium or ENGINE=firefox',
    );
  throw new Error(`ENGINE must be one of ${ENGINES.join(', ')}, got '${name}'`);
}

async function launchChromium() {
  const settings = JSON.parse(readFileSync(join(root, 'test/e2e/chromium.json'), 'utf8'));
  const executablePath = process.env.CHROMIUM_PATH || settings.executablePath;
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  const { chromium } = await import('playwright-core');
  const probe = await chromium.launch({ executablePath, args: settings.args });
  const version = probe.version();
  await probe.close();
  const template = await chromiumTemplateProfile(chromium, executablePath, settings.args);
  return {
    name: 'chromium',
    version,
    // A copy of a used profile per context, not browser.newContext(): that is an off-the-record profile,
    // where Chromium ignores <link rel=preconnect> (checked with Chromium 156: no connection until the
    // request), and a shopper's browser is not. A brand-new profile is not either: its first page waits
    // for the profile's storage to be set up (the lock manager's first answer took 100-250 ms).
    async newContext() {
      const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-profile-'));
      cpSync(template, profile, { recursive: true });
      for (const lock of ['SingletonLock', 'SingletonSocket', 'SingletonCookie'])
        rmSync(join(profile, lock), { force: true });
      const context = await chromium.launchPersistentContext(profile, {
        executablePath,
        args: settings.args,
      });
      return {
        setCookie: (cookie) => context.addCookies([cookie]),
        async open() {
          const page = context.pages()[0] ?? (await context.newPage());
          return {
            goto: (url) => page.goto(url, { timeout: NAVIGATION_TIMEOUT_MS }),
            evaluate: (fn, arg) => page.evaluate(fn, arg),
          };
        },
        async close() {
          await context.close();
          rmSync(profile, { recursive: true, force: true });
        },
      };
    },
    close: async () => rmSync(template, { recursive: true, force: true }),
  };
}

/**
 * A profile that has been used: one page of another site (an origin on a port the bench never uses again)
 * that asked the lock manager, fetched and stored something, then closed.
 */
async function chromiumTemplateProfile(chromium, executablePath, args) {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-template-'));
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'max-age=60' });
    res.end(
      '<!doctype html><script>navigator.locks.request("warm", () => fetch("/x")).then(() => { localStorage.x = 1; document.title = "ok"; });</script>',
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath, args });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.title === 'ok', null, { timeout: 10_000 });
    await context.close();
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return profile;
}

async function launchFirefox() {
  const executablePath = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
  if (!existsSync(executablePath))
    throw new Error(`no Firefox at ${executablePath} (apt-get install -y firefox-esr)`);
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    protocol: 'webDriverBiDi',
    headless: true,
    extraPrefsFirefox: {
      // A closed network: nothing but the pages' own requests.
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'browser.safebrowsing.update.enabled': false,
      // Puppeteer turns speculative connections off; a shopper's Firefox makes them (<link rel=preconnect>).
      'network.http.speculative-parallel-limit': 6,
    },
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    async newContext() {
      const context = await browser.createBrowserContext();
      return {
        setCookie: ({ name, value, url }) =>
          context.setCookie({ name, value, domain: new URL(url).hostname, path: '/' }),
        async open() {
          const page = await context.newPage();
          return {
            goto: (url) => page.goto(url, { timeout: NAVIGATION_TIMEOUT_MS }),
            evaluate: (fn, arg) => page.evaluate(fn, arg),
          };
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
