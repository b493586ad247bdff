// Reading and acting on a tab's document, the same way in every engine (through `Tab.evaluate`).
import { waitFor } from './bounded.js';
import type { Tab } from './types.js';

/** The text of the first element matching `selector`, or null. */
export const text = (tab: Tab, selector: string) =>
  tab.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);

/** An attribute of the first element matching `selector`, or null. */
export const attr = (tab: Tab, selector: string, name: string) =>
  tab.evaluate(({ s, n }) => document.querySelector(s)?.getAttribute(n) ?? null, {
    s: selector,
    n: name,
  });

export const count = (tab: Tab, selector: string) =>
  tab.evaluate((s) => document.querySelectorAll(s).length, selector);

export const html = (tab: Tab) => tab.evaluate(() => document.documentElement.outerHTML);

/** Runs `action`, which makes the tab navigate, and waits until the new document has loaded. */
export async function navigating(tab: Tab, action: () => Promise<unknown>): Promise<void> {
  await tab.evaluate(() => {
    (window as { __e2eLeaving?: boolean }).__e2eLeaving = true;
  });
  await action();
  await waitFor(
    async () =>
      (await tab.evaluate(
        () =>
          !(window as { __e2eLeaving?: boolean }).__e2eLeaving &&
          document.readyState === 'complete',
      )) === true,
    'the next page to load',
  );
}

/** Clicks the first element matching `selector` and waits for the page it leads to. */
export const clickToNavigate = (tab: Tab, selector: string) =>
  navigating(tab, () =>
    tab.evaluate((s) => {
      setTimeout(() => document.querySelector<HTMLElement>(s)?.click(), 0);
    }, selector),
  );

/** Selects `value` in the `<select>` matching `selector` (with a change event). */
export const select = (tab: Tab, selector: string, value: string) =>
  tab.evaluate(
    ({ s, v }) => {
      const element = document.querySelector<HTMLSelectElement>(s);
      if (!element) throw new Error(`no ${s}`);
      element.value = v;
      element.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { s: selector, v: value },
  );

/** A compact JWT anywhere in `text`. */
export const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
