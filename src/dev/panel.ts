// The demo panel that the emulator adds before `</body>` of every page it renders (any theme): its markup,
// its configuration, and its inline script carrying the request's CSP nonce.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { DEMO_CUSTOMERS } from './customers.js';
import type { PanelInput } from './storefront.js';

export interface PanelSettings {
  clientId: string;
  backendUrl: string;
  tokenTtl: number;
  /** The module's leeway, to show when it will refresh. */
  leewaySeconds: number;
}

const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** JSON that cannot close the script element it sits in. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export function createPanel(settings: () => PanelSettings): (input: PanelInput) => string {
  const dir = join(packageRoot(), 'src', 'dev', 'panel');
  const script = readFileSync(join(dir, 'panel.js'), 'utf8');
  const style = readFileSync(join(dir, 'panel.css'), 'utf8');

  return ({ nonce, customer, path }) => {
    const { clientId, backendUrl, tokenTtl, leewaySeconds } = settings();
    const redirect = `<input type="hidden" name="redirect" value="${escapeHtml(path)}">`;
    const session = customer
      ? `<form method="post" action="/logout">${redirect}<button type="submit" data-panel-log-out>Log out</button></form>`
      : DEMO_CUSTOMERS.map(
          (c) =>
            `<form method="post" action="/login">${redirect}<input type="hidden" name="customer" value="${c.id}"><button type="submit" data-panel-log-in="${c.id}">Log in as ${escapeHtml(c.name)}</button></form>`,
        ).join('');
    const config = {
      statsUrl: '/__emulator/stats',
      clientId,
      backendUrl,
      tokenTtl,
      leewaySeconds,
      customer: customer ? { id: customer.id, email: customer.email, name: customer.name } : null,
    };
    return `
<style>${style}</style>
<aside id="current-customer-emulator" data-state="${customer ? 'fetching' : 'guest'}" aria-label="Current Customer emulator">
<h2>Current Customer emulator</h2>
<dl>
<dt>state</dt><dd data-field="state">${customer ? 'fetching' : 'guest'}</dd>
<dt>customer</dt><dd data-field="customer">-</dd>
<dt>refresh in</dt><dd data-field="refresh">-</dd>
<dt>storefront</dt><dd data-field="storefront">-</dd>
<dt>backend</dt><dd data-field="backend">-</dd>
<dt>backend URL</dt><dd>${escapeHtml(backendUrl)}</dd>
<dt>token TTL</dt><dd>${tokenTtl} s</dd>
<dt>last error</dt><dd data-field="error">-</dd>
</dl>
<div>claims</div><pre data-field="claims">-</pre>
<div>backend answer</div><pre data-field="answer">-</pre>
${session}
</aside>
<script type="application/json" id="current-customer-emulator-config">${scriptJson(config)}</script>
<script nonce="${escapeHtml(nonce)}">${script}</script>
`;
  };
}
