// Signing a tab's cookie jar in and out of the emulator's storefront as its own pages do: a POST from a
// document of the storefront's origin (the emulator changes a session on such a POST only; a GET of /login
// opens its login page, whose buttons POST).
import type { Tab } from './drivers/index.js';

/**
 * POSTs `/login` (as `customer`, or the emulator's default demo customer) or `/logout` from a document of
 * the storefront (its login page when the tab shows another origin), then opens `path` there.
 */
export async function postSession(
  tab: Tab,
  storefrontUrl: string,
  action: 'login' | 'logout',
  options: { customer?: number; path?: string } = {},
): Promise<void> {
  if ((await tab.evaluate(() => location.origin)) !== new URL(storefrontUrl).origin)
    await tab.goto(new URL('/login', storefrontUrl).href);
  const answer = await tab.evaluate(
    async ({ to, customer }) => {
      const body = new URLSearchParams(customer === null ? {} : { customer: String(customer) });
      const response = await fetch(`/${to}`, { method: 'POST', body, redirect: 'manual' });
      return response.type === 'opaqueredirect' ? 'redirect' : `${response.status}`;
    },
    { to: action, customer: options.customer ?? null },
  );
  if (answer !== 'redirect') throw new Error(`POST /${action} answered ${answer}, not a redirect`);
  await tab.goto(new URL(options.path ?? '/', storefrontUrl).href);
}
