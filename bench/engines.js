// The three browser engines as bench:page's latency mode drives them, behind one small interface:
//   launchEngine(name) -> { name, version, newContext(), close() }
//   context: { setCookie({ name, value, url }), open() -> tab, close() }
//   tab:     { goto(url), evaluate(fn, arg) }
// A context is a fresh cookie jar, HTTP cache and connection pool: its first page is a first view.
// - chromium: Debian's Chromium through playwright-core, with the browser tests' launch settings;
// - firefox: Firefox ESR through puppeteer-core over WebDriver BiDi (PUPPETEER_SKIP_DOWNLOAD: no download);
// - webkit: WebKitGTK's MiniBrowser through WebKitWebDriver (WebDriver classic, selenium-webdriver) under an
//   Xvfb of its own. A context is a new session (an ephemeral profile: about 2.5 s to start). WebDriver sets
//   a cookie only from a page of the cookie's host, so it is set from a blank page on another port of
//   that host (cookies ignore ports), which leaves the storefront's connection to the first view.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENGINES = ['chromium', 'firefox', 'webkit'];
const NAVIGATION_TIMEOUT_MS = 30_000;

export async function launchEngine(name) {
  if (name === 'chromium') return launchChromium();
  if (name === 'firefox') return launchFirefox();
  if (name === 'webkit') return launchWebKit();
  throw new Error(`ENGINE must be one of ${ENGINES.join(', ')}, got '${name}'`);
}

async function launchChromium() {
  const settings = JSON.parse(readFileSync(join(root, 'test/e2e/chromium.json'), 'utf8'));
  const executablePath = process.env.CHROMIUM_PATH || settings.executablePath;
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  const { chromium } = await import('playwright-core');
  // The browser tests' settings resolve nothing but 127.0.0.1; the bench's storefronts are on [::1] too.
  const args = settings.args.map((arg) =>
    arg.startsWith('--host-resolver-rules=') ? `${arg}, EXCLUDE ::1, EXCLUDE [::1]` : arg,
  );
  const probe = await chromium.launch({ executablePath, args });
  const version = probe.version();
  await probe.close();
  const template = await chromiumTemplateProfile(chromium, executablePath, args);
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
      const context = await chromium.launchPersistentContext(profile, { executablePath, args });
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

async function launchWebKit() {
  const binary =
    process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
  for (const [path, install] of [
    [binary, 'libwebkit2gtk-4.1-0'],
    ['/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'],
    ['/usr/bin/Xvfb', 'xvfb'],
  ])
    if (!existsSync(path)) throw new Error(`no ${path} (apt-get install -y ${install})`);
  const { Builder } = await import('selenium-webdriver');
  const children = [];
  // A blank page on each loopback address (127.0.0.1 and ::1), so a cookie can be set for either host.
  const blanks = ['127.0.0.1', '::1'].map((address) => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>blank</title>');
    });
    return { address, server };
  });
  const stop = async () => {
    for (const child of children) child.kill();
    for (const { server } of blanks) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  try {
    for (const { address, server } of blanks)
      await new Promise((resolve) => server.listen(0, address, resolve));
    const display = `:${100 + (process.pid % 400)}`;
    children.push(
      spawn('/usr/bin/Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
        stdio: 'ignore',
      }),
    );
    const port = await freePort();
    const driverProcess = spawn('/usr/bin/WebKitWebDriver', [`--port=${port}`], {
      env: { ...process.env, DISPLAY: display },
      stdio: 'ignore',
    });
    children.push(driverProcess);
    const server = `http://127.0.0.1:${port}`;
    await waitForServer(`${server}/status`);
    const session = () =>
      new Builder()
        .usingServer(server)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary, args: ['--automation'] },
        })
        .build();
    const probe = await session();
    const version = (await probe.getCapabilities()).get('browserVersion');
    await probe.quit();
    return {
      name: 'webkit',
      version: `WebKitGTK ${version}`,
      async newContext() {
        const driver = await session();
        await driver.manage().setTimeouts({ pageLoad: NAVIGATION_TIMEOUT_MS, script: 60_000 });
        return {
          async setCookie({ name, value, url }) {
            const { hostname } = new URL(url);
            const blank = blanks.find((b) => hostname.replace(/^\[|\]$/g, '') === b.address);
            if (!blank) throw new Error(`no blank page for ${hostname}`);
            await driver.get(`http://${hostname}:${blank.server.address().port}/`);
            // WebDriver's addCookie sets nothing on [::1] in WebKitGTK 2.50 (no error either); a script
            // does (without HttpOnly, which the storefront does not read).
            await driver.executeScript(
              'document.cookie = arguments[0] + "=" + arguments[1] + "; path=/"',
              name,
              value,
            );
          },
          open: async () => ({
            goto: (url) => driver.get(url),
            evaluate: (fn, arg) =>
              driver.executeAsyncScript(
                `const done = arguments[arguments.length - 1];
                Promise.resolve((${fn})(arguments[0])).then(done, (e) => done({ error: String(e) }));`,
                arg,
              ),
          }),
          close: () => driver.quit(),
        };
      },
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers, for at most 10 s. */
async function waitForServer(url) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within 10 s: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
