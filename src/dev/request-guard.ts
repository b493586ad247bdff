// What the storefront emulator refuses before routing, because it signs real tokens with the developer's secret:
// a request for another host name (a DNS rebinding page would send one) and a state-changing request sent by
// another site (a cross-site form or fetch to log in, log out or set faults).

/** A refusal: the status and the one line that says why. */
export interface Refusal {
  status: number;
  reason: string;
}

/** The host names the emulator answers to, each with its port: what a browser on this machine sends. */
const LOCAL_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** `127.0.0.1:<port>`, `localhost:<port>` and `[::1]:<port>`: the only `Host` values answered. */
export function localHosts(port: number): string[] {
  return LOCAL_NAMES.map((name) => `${name}:${port}`);
}

/**
 * Refuses a request whose `Host` is not one of `localHosts(port)` with 421 Misdirected Request. The header is
 * read as sent (not the parsed URL, which falls back to `localhost` for a `Host` it cannot parse).
 */
export function checkHost(request: Request, port: number): Refusal | null {
  const host = request.headers.get('host')?.trim().toLowerCase() ?? '';
  const allowed = localHosts(port);
  if (allowed.includes(host)) return null;
  const given = host === '' ? 'no Host header' : `Host '${host.slice(0, 100)}'`;
  return {
    status: 421,
    reason: `refused: ${given}. This emulator answers only ${allowed.join(', ')}: a request for another name comes from something other than your browser on this machine (a DNS rebinding page, for one).`,
  };
}

/** `Sec-Fetch-Site` values of a request this origin made itself, or that the user made (`none`). */
const OWN_SITES = new Set(['same-origin', 'none']);

/**
 * Refuses a state-changing request that another origin sent, with 403: an `Origin` other than this one
 * (`http://<Host>`), or a `Sec-Fetch-Site` other than `same-origin` or `none`. `same-site` is refused too: on
 * 127.0.0.1 every other port is the same site. A request with neither header (curl, a test's fetch) passes:
 * browsers send `Origin` with every POST. Call it after `checkHost`.
 */
export function checkSameOrigin(request: Request): Refusal | null {
  const site = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  const own = `http://${request.headers.get('host')?.trim().toLowerCase()}`;
  const refuse = (why: string): Refusal => ({
    status: 403,
    reason: `refused: ${why}. Log in, log out, switch customers and set faults from this storefront's own pages (its panel and login page).`,
  });
  if (site !== null && !OWN_SITES.has(site.toLowerCase())) {
    return refuse(
      `${request.method} ${new URL(request.url).pathname} came from another site (Sec-Fetch-Site: ${site.slice(0, 40)})`,
    );
  }
  if (origin !== null && origin.toLowerCase() !== own) {
    return refuse(
      `${request.method} ${new URL(request.url).pathname} came from another origin (Origin: ${origin.slice(0, 100)})`,
    );
  }
  return null;
}
