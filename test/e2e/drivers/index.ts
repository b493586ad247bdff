// One description per scenario, run in every engine: `describeEngines(title, (engine) => { ... })` declares
// `[chromium] title`, `[firefox] title` and `[webkit] title`, each with its browser launched once for the
// block. An engine this machine lacks is skipped with one line saying what to install, or is a failure
// with REQUIRE_BROWSER=1 (CI). E2E_ENGINES=firefox,webkit runs only those.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import { DROP_IN_FILE, packageRoot } from '../../../src/paths.js';
import { chromiumEngine } from './chromium.js';
import { firefoxEngine } from './firefox.js';
import type { Context, Engine, EngineName, LaunchOptions, Session, Tab } from './types.js';
import { webkitEngine } from './webkit.js';

export { bounded, sleep, waitFor } from './bounded.js';
export type { Context, Cookie, Engine, EngineName, Session, Tab } from './types.js';

export const ENGINES: readonly Engine[] = [chromiumEngine, firefoxEngine, webkitEngine];

const selected = (process.env.E2E_ENGINES ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of selected)
  if (!ENGINES.some((engine) => engine.name === name))
    throw new Error(`E2E_ENGINES: unknown engine ${name} (chromium, firefox, webkit)`);

const required = process.env.REQUIRE_BROWSER === '1';
const missing = new Map<EngineName, string>();
for (const engine of ENGINES) {
  if (selected.length > 0 && !selected.includes(engine.name)) continue;
  const why = engine.missing();
  if (why === undefined) continue;
  if (required) throw new Error(`REQUIRE_BROWSER=1 but ${engine.name} cannot run: ${why}`);
  missing.set(engine.name, why);
  console.warn(`!! SKIPPING THE ${engine.name.toUpperCase()} BROWSER TESTS: ${why}`);
}

/** Whether this run drives `name`. */
export function runs(name: EngineName): boolean {
  return (selected.length === 0 || selected.includes(name)) && !missing.has(name);
}

/** What a scenario body gets: its engine, its browser, and ways to open contexts and tabs. */
export interface EngineUnderTest {
  readonly name: EngineName;
  /** The block's browser (launched in beforeAll, closed in afterAll). */
  session(): Session;
  /** A fresh context (cookie jar), closed after the test. */
  context(): Promise<Context>;
  /** A tab in a fresh context, or in `context`. */
  tab(context?: Context): Promise<Tab>;
  /** A browser of its own with other launch options, closed after the test. */
  launch(options: LaunchOptions): Promise<Session>;
  /**
   * `it`, skipped in the engines named in `skip` (the reason goes into the test's name), e.g.
   * `engine.it('…', fn, { skip: { webkit: 'why' } })`.
   */
  it(
    name: string,
    fn: (test: TestContext) => Promise<void>,
    options?: { timeout?: number; skip?: Partial<Record<EngineName, string>> },
  ): void;
}

export function describeEngines(title: string, body: (engine: EngineUnderTest) => void): void {
  for (const engine of ENGINES) {
    describe.skipIf(!runs(engine.name))(`[${engine.name}] ${title}`, () => {
      let session: Session | undefined;
      const cleanups: (() => Promise<void>)[] = [];
      beforeAll(async () => {
        const dropIn = join(packageRoot(), DROP_IN_FILE);
        if (!existsSync(dropIn)) throw new Error(`${dropIn} is missing: run 'npm run build' first`);
        session = await engine.launch();
      }, 60_000);
      afterAll(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
        await session?.close();
      }, 60_000);
      const under: EngineUnderTest = {
        name: engine.name,
        session() {
          if (!session) throw new Error(`${engine.name} is not running`);
          return session;
        },
        async context() {
          const context = await under.session().newContext();
          cleanups.push(() => context.close());
          return context;
        },
        async tab(context) {
          return (context ?? (await under.context())).newTab();
        },
        async launch(options) {
          const own = await engine.launch(options);
          cleanups.push(() => own.close());
          return own;
        },
        it(name, fn, options = {}) {
          const reason = options.skip?.[engine.name];
          if (reason !== undefined) {
            it.skip(`${name} (not in ${engine.name}: ${reason})`, () => {});
            return;
          }
          it(
            name,
            async (test) => {
              try {
                await fn(test);
              } finally {
                for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
              }
            },
            // Each WebKit context is a WebDriver session of its own (a MiniBrowser process): seconds more.
            (options.timeout ?? 30_000) + (engine.name === 'webkit' ? 20_000 : 0),
          );
        },
      };
      body(under);
    });
  }
}
