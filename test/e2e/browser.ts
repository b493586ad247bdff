// Shared by the browser tests: one headless Chromium per test file (Debian's, driven by playwright-core),
// skipped loudly when there is none, and a failure instead when REQUIRE_BROWSER=1 (CI).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { DROP_IN_FILE, packageRoot } from '../../src/paths.js';
import launchSettings from './chromium.json' with { type: 'json' };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || launchSettings.executablePath;
export const hasChromium = existsSync(CHROMIUM_PATH);
const required = process.env.REQUIRE_BROWSER === '1';

if (!hasChromium) {
  if (required) {
    throw new Error(
      `REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! SKIPPING THE BROWSER TESTS: no Chromium at ${CHROMIUM_PATH}.\n!! Install it (apt-get install -y chromium) or set CHROMIUM_PATH; CI sets REQUIRE_BROWSER=1 and fails instead.\n${line}\n`,
  );
}

/** `describe` for browser tests: skipped (loudly, above) without Chromium. */
export function describeBrowser(name: string, body: () => void): void {
  describe.skipIf(!hasChromium)(name, body);
}

// How Debian's Chromium is launched, shared with bench/page.js. Besides the flags a closed network needs
// (no background networking, no QUIC, no component updates), pages (Cornerstone's fonts) may name other
// hosts: the host resolver rule resolves nothing but 127.0.0.1, so nothing leaves the machine. That is not
// done with request interception: with a route installed, Playwright answers CORS preflights itself and
// the backend's CORS would go untested.
export const CHROMIUM_ARGS: readonly string[] = launchSettings.args;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** Launches Chromium once for the enclosing describe block; call the returned function to get it. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    const dropIn = join(packageRoot(), DROP_IN_FILE);
    if (!existsSync(dropIn)) throw new Error(`${dropIn} is missing: run 'npm run build' first`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running');
    return browser;
  };
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and unhandled rejections in the page. */
  pageErrors: Error[];
  /** Everything the page logged, as `type: text`. */
  console: string[];
}

/** A page in a fresh context (cookie jar), or in `context` (a second tab). */
export async function openPage(browser: Browser, context?: BrowserContext): Promise<TestPage> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  const pageErrors: Error[] = [];
  const messages: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
  return { context: ctx, page, pageErrors, console: messages };
}

// Polling with a bounded check: the same waitFor as the three-engine tests.
export { waitFor } from './drivers/bounded.js';
