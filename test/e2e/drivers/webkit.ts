// WebKit: WebKitGTK's MiniBrowser (`--automation`), driven by WebKitWebDriver (WebDriver classic) through
// selenium-webdriver, on an Xvfb display this module starts and stops. One WebDriver session (one
// MiniBrowser process, its own cookie jar) per context, browsing through the context's injecting proxy
// (webkit-proxy.ts) for init scripts. A tab is a new visible window: WebDriver window switching does not
// make a MiniBrowser background tab (`newWindow('tab')`) visible.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Builder, Capabilities, type WebDriver } from 'selenium-webdriver';
import { bounded, callSource, leftFor, scriptSource, sleep, waitFor } from './bounded.js';
import type { Context, Engine, LaunchOptions, Session, Tab } from './types.js';
import { startInjectingProxy } from './webkit-proxy.js';

const DRIVER = process.env.WEBKIT_WEBDRIVER_PATH || '/usr/bin/WebKitWebDriver';

function miniBrowser(): string | undefined {
  if (process.env.MINIBROWSER_PATH) return process.env.MINIBROWSER_PATH;
  const lib = '/usr/lib';
  const dirs = existsSync(lib) ? readdirSync(lib) : [];
  return ['.', ...dirs]
    .map((dir) => join(lib, dir, 'webkit2gtk-4.1', 'MiniBrowser'))
    .find((path) => existsSync(path));
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** Children still running when the test process exits are killed with it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await bounded(exited, 'a child process to exit', 5_000).catch(() => child.kill('SIGKILL'));
}

/** Xvfb on a display number it picks itself (`-displayfd`). */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const child = track(
    spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    }),
  );
  const fd = child.stdio[3];
  if (!fd) throw new Error('Xvfb: no display pipe');
  let out = '';
  const display = await bounded(
    new Promise<string>((resolve, reject) => {
      fd.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(`:${out.trim()}`);
      });
      child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it was ready`)));
    }),
    'Xvfb to start',
    10_000,
  );
  return { display, process: child };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Records console output and uncaught errors in the page, for `Tab.log()` (no protocol reports them). */
const LOG_RECORDER = `(() => {
  if (window.__e2eLog) return;
  const log = [];
  Object.defineProperty(window, '__e2eLog', { value: log });
  for (const [method, type] of [['log', 'log'], ['info', 'info'], ['warn', 'warning'], ['error', 'error'], ['debug', 'debug']]) {
    const real = console[method];
    console[method] = function (...args) {
      log.push(type + ': ' + args.map(String).join(' '));
      return real.apply(this, args);
    };
  }
  addEventListener('error', (event) => log.push('pageerror: ' + event.message));
  addEventListener('unhandledrejection', (event) =>
    log.push('pageerror: ' + ((event.reason && event.reason.message) || event.reason)));
})();`;

/** Runs WebDriver commands one at a time: each switches to its window first. */
function serialize() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const next = last.then(work, work);
    last = next.catch(() => {});
    return next;
  };
}

/**
 * A WebDriver session behind its own WebKitWebDriver and proxy. `spawned` holds the driver process from the
 * moment it starts, so that the session's close stops it even when this never returned.
 */
async function context(
  display: string,
  mini: string,
  spawned: Set<ChildProcess>,
): Promise<Context> {
  const proxy = await startInjectingProxy();
  proxy.scripts.push(LOG_RECORDER);
  const port = await freePort();
  const driverProcess = track(
    spawn(DRIVER, [`--port=${port}`], {
      stdio: 'ignore',
      env: { ...process.env, DISPLAY: display },
    }),
  );
  spawned.add(driverProcess);
  driverProcess.once('exit', () => spawned.delete(driverProcess));
  const server = `http://127.0.0.1:${port}`;
  let driver: WebDriver;
  try {
    await waitFor(
      async () => (await fetch(`${server}/status`).catch(() => undefined))?.ok === true,
      'WebKitWebDriver to listen',
      10_000,
    );
    driver = await bounded(
      new Builder()
        .usingServer(server)
        .withCapabilities(
          new Capabilities({
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: mini, args: ['--automation'] },
            proxy: { proxyType: 'manual', httpProxy: proxy.address, noProxy: [] },
          }),
        )
        .build(),
      'a WebKit session',
      30_000,
    );
    await bounded(
      driver.manage().setTimeouts({ script: 20_000, pageLoad: 20_000 }),
      'WebDriver timeouts',
    );
  } catch (error) {
    await stop(driverProcess);
    await proxy.close();
    throw error;
  }
  const queue = serialize();
  let unused: string | undefined = await bounded(driver.getWindowHandle(), 'the first window');

  function tab(handle: string): Tab {
    const on = <T>(what: string, work: () => Promise<T>) =>
      queue(() =>
        bounded(
          (async () => {
            await driver.switchTo().window(handle);
            return work();
          })(),
          what,
        ),
      );
    const script = (fn: (arg: never) => unknown, arg?: unknown) =>
      driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
         Promise.resolve().then(() => ${callSource(fn, arg)}).then(
           (value) => done({ ok: true, undef: value === undefined, value: value === undefined ? null : value }),
           (error) => done({ ok: false, error: error instanceof Error ? error.name + ': ' + error.message : String(error) }));`,
      );
    const evaluate = async (fn: (arg: never) => unknown, arg?: unknown) => {
      const result = (await on('evaluate', async () => {
        try {
          return await script(fn, arg);
        } catch (error) {
          // WebKitWebDriver, on a loaded machine, now and then fails to read back a result it was handed
          // ("Could not parse script result"): run the script once more. The scripts read state; one that
          // changed something would show as a count off by one, not hide.
          if (!/Could not parse script result/.test(String(error))) throw error;
          return script(fn, arg);
        }
      })) as { ok: boolean; undef?: boolean; value?: unknown; error?: string };
      if (!result.ok) throw new Error(`in the page: ${result.error}`);
      return result.undef ? undefined : result.value;
    };
    return {
      engine: 'webkit',
      goto: (url) => on(`goto ${url}`, () => driver.get(url)),
      back: async () => {
        const from = String(await evaluate(() => location.href));
        await on('back', () => driver.navigate().back());
        await leftFor(evaluate, from);
      },
      reload: () => on('reload', () => driver.navigate().refresh()),
      evaluate: evaluate as Tab['evaluate'],
      bringToFront: () => on('switch to the tab', async () => {}),
      log: async () =>
        ((await evaluate(() => (window as { __e2eLog?: string[] }).__e2eLog)) ?? []) as string[],
      cookies: async () =>
        (await on('cookies', () => driver.manage().getCookies())).map(({ name, value }) => ({
          name,
          value,
        })),
      close: () => on('close the tab', () => driver.close()),
    };
  }

  return {
    async newTab() {
      if (unused) {
        const handle = unused;
        unused = undefined;
        return tab(handle);
      }
      const handle = await queue(() =>
        bounded(
          driver
            .switchTo()
            .newWindow('window')
            .then(() => driver.getWindowHandle()),
          'a new window',
        ),
      );
      return tab(handle);
    },
    addInitScript: async (script) => {
      proxy.scripts.push(scriptSource(script));
    },
    async close() {
      await bounded(driver.quit(), 'quit the WebKit session', 10_000).catch(() => {});
      await stop(driverProcess);
      await proxy.close();
      // MiniBrowser goes with its session; give it a moment before the display goes.
      await sleep(50);
    },
  };
}

export const webkitEngine: Engine = {
  name: 'webkit',
  missing() {
    const lacking = [
      existsSync(DRIVER) ? '' : `WebKitWebDriver (${DRIVER})`,
      miniBrowser() ? '' : 'MiniBrowser (/usr/lib/*/webkit2gtk-4.1/MiniBrowser)',
      onPath('Xvfb') ? '' : 'Xvfb',
    ].filter(Boolean);
    return lacking.length === 0
      ? undefined
      : `no ${lacking.join(', ')}: apt-get install -y webkit2gtk-driver xvfb`;
  },
  // `dpkg-query -W` prints `name<TAB>version`.
  version: () =>
    `WebKitGTK ${execFileSync('dpkg-query', ['-W', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim().split('\t')[1]}`,
  async launch(options: LaunchOptions = {}): Promise<Session> {
    if (options.mapToLoopback?.length)
      throw new Error('WebKit: mapToLoopback is not supported (no host resolver rules)');
    const mini = miniBrowser();
    if (!mini) throw new Error('no MiniBrowser');
    const xvfb = await startXvfb();
    const contexts = new Set<Context>();
    const spawned = new Set<ChildProcess>();
    return {
      engine: 'webkit',
      async newContext() {
        const ctx = await context(xvfb.display, mini, spawned);
        const tracked: Context = {
          ...ctx,
          close: async () => {
            contexts.delete(tracked);
            await ctx.close();
          },
        };
        contexts.add(tracked);
        return tracked;
      },
      async close() {
        for (const ctx of [...contexts]) await ctx.close();
        // A context still being opened (its test timed out) has its driver stopped here.
        for (const child of [...spawned]) await stop(child);
        await stop(xvfb.process);
      },
    };
  },
};
