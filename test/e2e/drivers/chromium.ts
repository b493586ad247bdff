// Chromium: Debian's build, driven by playwright-core over CDP. Launch settings shared with bench/page.js
// (../chromium.json): besides the flags a closed network needs, the host resolver resolves nothing but
// 127.0.0.1, so nothing leaves the machine (not with request interception: with a route installed,
// Playwright answers CORS preflights itself and the backend's CORS would go untested).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import launchSettings from '../chromium.json' with { type: 'json' };
import { bounded, callSource, leftFor, scriptSource } from './bounded.js';
import type { Context, Engine, LaunchOptions, Session, Tab } from './types.js';

const PATH = process.env.CHROMIUM_PATH || launchSettings.executablePath;

function tab(page: Page): Tab {
  const log: string[] = [];
  page.on('console', (message) => log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));
  const evaluate = (fn: (arg: never) => unknown, arg?: unknown) =>
    bounded(page.evaluate(callSource(fn, arg)), 'page.evaluate');
  return {
    engine: 'chromium',
    goto: async (url) => {
      await bounded(page.goto(url, { waitUntil: 'load' }), `goto ${url}`);
    },
    back: async () => {
      const from = page.url();
      await bounded(page.goBack({ waitUntil: 'commit' }), 'back');
      await leftFor(evaluate, from);
    },
    reload: async () => {
      await bounded(page.reload({ waitUntil: 'load' }), 'reload');
    },
    evaluate: evaluate as Tab['evaluate'],
    bringToFront: () => bounded(page.bringToFront(), 'bringToFront'),
    log: async () => [...log],
    cookies: async () =>
      (await bounded(page.context().cookies(page.url()), 'cookies')).map(({ name, value }) => ({
        name,
        value,
      })),
    close: () => bounded(page.close(), 'close the tab'),
  };
}

function context(ctx: BrowserContext): Context {
  return {
    newTab: async () => tab(await bounded(ctx.newPage(), 'new tab')),
    addInitScript: async (script) => {
      await bounded(ctx.addInitScript(scriptSource(script)), 'addInitScript');
    },
    close: () => bounded(ctx.close(), 'close the context'),
  };
}

export const chromiumEngine: Engine = {
  name: 'chromium',
  missing: () =>
    existsSync(PATH)
      ? undefined
      : `no Chromium at ${PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
  version: () => execFileSync(PATH, ['--version'], { encoding: 'utf8' }).trim(),
  async launch(options: LaunchOptions = {}): Promise<Session> {
    const browser = await bounded(
      chromium.launch({
        executablePath: PATH,
        args: launchSettings.args.map((arg) =>
          arg.startsWith('--host-resolver-rules=') && options.mapToLoopback?.length
            ? `--host-resolver-rules=${options.mapToLoopback.map((name) => `MAP ${name} 127.0.0.1, `).join('')}${arg.slice('--host-resolver-rules='.length)}`
            : arg,
        ),
        ...(options.backForwardCache
          ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] }
          : {}),
      }),
      'launch Chromium',
    );
    return {
      engine: 'chromium',
      newContext: async () => context(await bounded(browser.newContext(), 'new context')),
      close: () => bounded(browser.close(), 'close Chromium'),
    };
  },
};
