// Firefox: Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi. puppeteer-core is pinned to
// 24.x: 25.x declares Node >= 22.12 and this package supports Node 20. Playwright's Firefox would need its
// own patched build.
//
// Known quirk: after a back/forward-cache restore triggered by history.back(), puppeteer's next
// page.goto() in that tab can hang: a scenario opens a fresh tab instead (and every call here is bounded).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import puppeteer, { type BrowserContext, type Page } from 'puppeteer-core';
import { bounded, callSource, leftFor, scriptSource } from './bounded.js';
import type { Context, Engine, LaunchOptions, Session, Tab } from './types.js';

const PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

const BROWSER_NOTICE =
  /^(Cross-Origin Request Blocked|Content-Security-Policy|Content Security Policy)/;

function tab(page: Page): Tab {
  const log: string[] = [];
  page.on('console', (message) => {
    const type = message.type();
    log.push(`${type === 'warn' ? 'warning' : type}: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    const message = error instanceof Error ? error.message : String(error);
    // Firefox reports its own network and security notices (a refused cross-origin request, a CSP block)
    // on the same BiDi channel as the page's uncaught errors: those are the browser's, not the page's.
    log.push(`${BROWSER_NOTICE.test(message) ? 'browser' : 'pageerror'}: ${message}`);
  });
  const evaluate = (fn: (arg: never) => unknown, arg?: unknown) =>
    bounded(page.evaluate(callSource(fn, arg)), 'page.evaluate');
  return {
    engine: 'firefox',
    goto: async (url) => {
      await bounded(page.goto(url, { waitUntil: 'load', timeout: 20_000 }), `goto ${url}`);
    },
    back: async () => {
      const from = String(await evaluate(() => location.href));
      await evaluate(() => {
        setTimeout(() => history.back(), 0);
      });
      await leftFor(evaluate, from);
    },
    reload: async () => {
      await bounded(page.reload({ waitUntil: 'load', timeout: 20_000 }), 'reload');
    },
    evaluate: evaluate as Tab['evaluate'],
    bringToFront: () => bounded(page.bringToFront(), 'bringToFront'),
    log: async () => [...log],
    cookies: async () =>
      (await bounded(page.cookies(), 'cookies')).map(({ name, value }) => ({ name, value })),
    close: () => bounded(page.close(), 'close the tab'),
  };
}

function context(ctx: BrowserContext): Context {
  const initScripts: string[] = [];
  return {
    async newTab() {
      const page = await bounded(ctx.newPage(), 'new tab');
      for (const source of initScripts)
        await bounded(page.evaluateOnNewDocument(source), 'evaluateOnNewDocument');
      return tab(page);
    },
    addInitScript: async (script) => {
      initScripts.push(scriptSource(script));
    },
    close: () => bounded(ctx.close(), 'close the context'),
  };
}

export const firefoxEngine: Engine = {
  name: 'firefox',
  missing: () =>
    existsSync(PATH)
      ? undefined
      : `no Firefox at ${PATH}: apt-get install -y firefox-esr (or set FIREFOX_PATH)`,
  version: () => execFileSync(PATH, ['--version'], { encoding: 'utf8' }).trim(),
  async launch(options: LaunchOptions = {}): Promise<Session> {
    if (options.mapToLoopback?.length)
      throw new Error('Firefox: mapToLoopback is not supported (no host resolver rules)');
    const browser = await bounded(
      puppeteer.launch({
        browser: 'firefox',
        executablePath: PATH,
        protocol: 'webDriverBiDi',
        headless: true,
        timeout: 30_000,
        protocolTimeout: 30_000,
        extraPrefsFirefox: {
          // A closed network: no update, telemetry or captive-portal requests.
          'network.captive-portal-service.enabled': false,
          'app.update.enabled': false,
          'browser.safebrowsing.malware.enabled': false,
          'browser.safebrowsing.phishing.enabled': false,
        },
      }),
      'launch Firefox',
      40_000,
    );
    return {
      engine: 'firefox',
      newContext: async () => context(await bounded(browser.createBrowserContext(), 'new context')),
      close: () => bounded(browser.close(), 'close Firefox'),
    };
  },
};
