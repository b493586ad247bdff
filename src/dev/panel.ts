// The demo panel that the emulator adds before `</body>` of every page it renders (any theme): its markup,
// its configuration, and its inline script carrying the request's CSP nonce.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { BackendCheck } from './backend-check.js';
import { DEMO_CUSTOMERS } from './customers.js';
import { FAULT_SPELLINGS, type Faults, formatFault } from './faults.js';
import type { PanelInput } from './storefront.js';

export interface PanelSettings {
  clientId: string;
  backendUrl: string;
  /** True when the module posts to the developer's own backend (`--endpoint`), not the demo backend. */
  ownBackend: boolean;
  /** What the backend's `allowedOrigins` must hold. */
  storefrontOrigin: string;
  /** With `ownBackend`: the latest check of it, if any. */
  backendCheck: BackendCheck | undefined;
  tokenTtl: number;
  /** The module's leeway, to show when it will refresh. */
  leewaySeconds: number;
  faults: Faults;
}

/** Suggested values for the fault pickers (any other spelling can be typed). */
const FAULT_CHOICES = {
  storefront: ['none', 'slow:3', '500', '429:2', 'html', '302'],
  backend: ['none', 'slow:3', '401', '503:2', 'down'],
} as const;

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

  return ({ nonce, customer, path, theme }) => {
    const settingsNow = settings();
    const { clientId, backendUrl, ownBackend, storefrontOrigin, backendCheck } = settingsNow;
    const { tokenTtl, leewaySeconds, faults } = settingsNow;
    const redirect = `<input type="hidden" name="redirect" value="${escapeHtml(path)}">`;
    // Every other customer stays one click away, so a switch can be tried (in a second tab too).
    const logIns = DEMO_CUSTOMERS.filter((c) => c.id !== customer?.id).map(
      (c) =>
        `<form method="post" action="/login">${redirect}<input type="hidden" name="customer" value="${c.id}"><button type="submit" data-panel-log-in="${c.id}">${customer ? 'Switch to' : 'Log in as'} ${escapeHtml(c.name)}</button></form>`,
    );
    const logOut = customer
      ? [
          `<form method="post" action="/logout">${redirect}<button type="submit" data-panel-log-out>Log out</button></form>`,
        ]
      : [];
    const session = [...logOut, ...logIns].join('');
    const picker = (side: keyof Faults) => {
      const now = formatFault(faults[side]);
      const choices: string[] = [...FAULT_CHOICES[side]];
      if (!choices.includes(now)) choices.push(now);
      const options = choices
        .map((c) => `<option${c === now ? ' selected' : ''}>${escapeHtml(c)}</option>`)
        .join('');
      return `<label>${side === 'storefront' ? 'current.jwt' : 'backend'} <select name="${side}" data-panel-fault="${side}" title="${escapeHtml(FAULT_SPELLINGS[side].join(', '))}">${options}</select></label>`;
    };
    // With the developer's own backend, its faults are theirs to make.
    const faultForm = `<form method="post" action="/__emulator/faults" data-panel-faults>${redirect}${picker('storefront')} ${ownBackend ? '' : picker('backend')} <button type="submit">Apply</button></form>`;
    const warnings = theme.warnings
      .map((w) => `<p data-panel-warning>${escapeHtml(w)}</p>`)
      .join('');
    const problems = backendCheck?.problems.map((p) => p.message) ?? [];
    const config = {
      statsUrl: '/__emulator/stats',
      checkUrl: ownBackend ? '/__emulator/check-backend' : null,
      storefrontOrigin,
      backendProblems: problems,
      clientId,
      backendUrl,
      ownBackend,
      tokenTtl,
      leewaySeconds,
      customer: customer ? { id: customer.id, email: customer.email, name: customer.name } : null,
    };
    return `
<style>${style}</style>
<aside id="current-customer-emulator" data-state="${customer ? 'fetching' : 'guest'}" aria-label="Current Customer emulator">
<h2>Current Customer emulator</h2>
${warnings}
<dl>
<dt>state</dt><dd data-field="state">${customer ? 'fetching' : 'guest'}</dd>
<dt>customer</dt><dd data-field="customer">-</dd>
<dt>refresh in</dt><dd data-field="refresh">-</dd>
<dt>storefront</dt><dd data-field="storefront">-</dd>
<dt>backend</dt><dd data-field="backend">-</dd>
<dt>backend URL</dt><dd data-field="backend-url">${escapeHtml(backendUrl)}${ownBackend ? ' (yours)' : ' (demo)'}</dd>
${ownBackend ? `<dt>backend check</dt><dd data-field="backend-check">${escapeHtml(backendCheck === undefined ? 'not run' : problems.length === 0 ? 'CORS answers as needed' : problems.map((line) => `• ${line}`).join('\n'))}</dd>\n` : ''}<dt>faults</dt><dd data-field="faults">current.jwt ${escapeHtml(formatFault(faults.storefront))}${ownBackend ? '' : `, backend ${escapeHtml(formatFault(faults.backend))}`}</dd>
<dt>token TTL</dt><dd>${tokenTtl} s</dd>
<dt>last error</dt><dd data-field="error">-</dd>
</dl>
<div>claims</div><pre data-field="claims">-</pre>
<div>backend answer</div><pre data-field="answer">-</pre>
${session}
${faultForm}
</aside>
<script type="application/json" id="current-customer-emulator-config">${scriptJson(config)}</script>
<script nonce="${escapeHtml(nonce)}">${script}</script>
`;
  };
}
