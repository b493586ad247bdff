// The emulator's demo panel: shows, live from the module's `current-customer:*` document events and the
// emulator's counters, what the Current Customer module is doing. Plain script, no framework; it runs
// inline with the page's CSP nonce and never sees the raw token (the events carry claims only). With the
// developer's own backend, it explains a network error or a refusal: it asks the emulator to check that backend
// (POST /__emulator/check-backend) and shows what to change, in the panel and in the browser console.
(() => {
  const root = document.getElementById('current-customer-emulator');
  const configElement = document.getElementById('current-customer-emulator-config');
  if (!root || !configElement) return;
  const config = JSON.parse(configElement.textContent || '{}');
  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  const show = (name, value) => {
    const element = field(name);
    if (element) element.textContent = value;
  };

  let state = config.customer ? 'fetching' : 'guest';
  let claims = null;
  let refreshAt = 0;
  let expiresAt = 0;

  const setState = (next) => {
    state = next;
    root.dataset.state = next;
    show('state', next);
  };

  const payloadOf = (detail, ...keys) => {
    if (!detail || typeof detail !== 'object') return detail;
    for (const key of keys) if (key in detail) return detail[key];
    return detail;
  };

  const seconds = (ms) => `${Math.max(0, Math.ceil(ms / 1000))} s`;

  const tick = () => {
    if (!claims) {
      show('refresh', '-');
      return;
    }
    const now = Date.now();
    show('refresh', `${seconds(refreshAt - now)} (token expires in ${seconds(expiresAt - now)})`);
    if (state === 'cached' && now >= refreshAt) setState('fetching');
  };

  let statsInFlight = false;
  const refreshStats = () => {
    if (statsInFlight || document.visibilityState === 'hidden') return;
    statsInFlight = true;
    fetch(config.statsUrl, { cache: 'no-store' })
      .then((response) => (response.ok ? response.json() : null))
      .then((stats) => {
        if (!stats) return;
        const s = stats.storefront;
        const b = stats.backend;
        show(
          'storefront',
          `${s.tokenRequests} current.jwt: ${s.tokensIssued} × 200, ${s.guests} × 404, ${s.rejected} × 400, ${s.faulted} faulted`,
        );
        show(
          'backend',
          config.ownBackend
            ? 'your backend (the emulator does not see its requests)'
            : `${b.posts} POST: ${b.verified} verified, ${b.refused} refused, ${b.failed} failed; ${b.preflights} preflight`,
        );
      })
      .catch(() => {
        // the emulator stopped: keep the last figures
      })
      .finally(() => {
        statsInFlight = false;
      });
  };

  const on = (name, handler) =>
    document.addEventListener(`current-customer:${name}`, (event) => {
      if (event.detail?.appClientId && event.detail.appClientId !== config.clientId) return;
      handler(event.detail);
      refreshStats();
    });

  on('token', (detail) => {
    claims = payloadOf(detail, 'claims');
    const lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
    const now = Date.now();
    expiresAt = now + lifetimeMs;
    refreshAt = now + Math.max(lifetimeMs - config.leewaySeconds * 1000, lifetimeMs / 2);
    show('claims', JSON.stringify(claims, null, 2));
    show('customer', `#${claims.customer.id} ${claims.customer.email}`);
    setState('posting');
    tick();
  });
  on('response', (detail) => {
    show('answer', JSON.stringify(payloadOf(detail, 'response', 'data'), null, 2));
    setState('cached');
  });
  on('guest', () => {
    claims = null;
    show('claims', '-');
    show('customer', 'guest');
    setState('guest');
    tick();
  });
  const warn = (line) => console.warn(`current-customer emulator: ${config.backendUrl}: ${line}`);

  /** Asks the emulator to check the developer's backend; shows and logs what it found. */
  const checkBackend = (withToken) =>
    fetch(`${config.checkUrl}${withToken ? '?token=1' : ''}`, { method: 'POST', cache: 'no-store' })
      .then((response) => (response.ok ? response.json() : null))
      .then((check) => {
        if (!check) return null;
        const lines = check.problems.map((problem) => problem.message);
        show(
          'backend-check',
          lines.length ? lines.map((line) => `• ${line}`).join('\n') : 'CORS answers as needed',
        );
        for (const line of lines) warn(line);
        return check;
      })
      .catch(() => null);

  /** What a network error or a 4xx from the developer's backend means, once the check says. */
  const explain = (code) => {
    if (code === 'network') {
      const hint = `the page could not read an answer from your backend: it is down, or it refused CORS for ${config.storefrontOrigin} (its allowedOrigins must hold it)`;
      show('error', `network: ${hint}`);
      warn(hint);
      checkBackend(false).then((check) => {
        const first = check?.problems[0];
        if (first) show('error', `network: ${first.message}`);
      });
    } else if (/^backend_http_4/.test(code)) {
      checkBackend(true).then((check) => {
        const refused = check?.problems.find((problem) => problem.kind === 'refused');
        if (refused) show('error', `${code}: ${refused.message}`);
      });
    }
  };

  on('error', (detail) => {
    const error = payloadOf(detail, 'error');
    const code = error && typeof error === 'object' && 'code' in error ? error.code : 'error';
    const message = error && typeof error === 'object' && 'message' in error ? error.message : '';
    show('error', `${code}${message && message !== code ? `: ${message}` : ''}`);
    setState('error');
    if (config.checkUrl) explain(code);
  });

  setState(state);
  // The last check found problems: check again (the backend may be fixed by now), and say what remains.
  if (config.checkUrl && config.backendProblems.length > 0) checkBackend(false);
  show('customer', config.customer ? `#${config.customer.id} ${config.customer.email}` : 'guest');
  refreshStats();
  setInterval(() => {
    tick();
    refreshStats();
  }, 1000);
})();
