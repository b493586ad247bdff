// The whole local loop in one call: a storefront emulator on 127.0.0.1 and either a demo app backend or the
// developer's own (`endpoint`). Used in-process by the tests and by the dev command.
import { randomBytes } from 'node:crypto';
import {
  BACKEND_PATH,
  type Backend,
  type BackendMode,
  emptyBackendStats,
  startBackend,
} from './backend.js';
import { type BackendCheck, checkBackend } from './backend-check.js';
import { findDemoCustomer } from './customers.js';
import { DevError } from './errors.js';
import {
  type BackendFault,
  type FaultSide,
  type Faults,
  parseFault,
  type StorefrontFault,
} from './faults.js';
import { close, HOST, listen, serve } from './http.js';
import { createLiveTheme } from './live-theme.js';
import {
  checkEndpoint,
  DEFAULT_CLIENT_ID,
  DEFAULT_STORE_HASH,
  DEFAULT_TOKEN_TTL,
} from './options.js';
import { createPanel } from './panel.js';
import { createStoreApi, emptyStoreApiStats, storeApiPath } from './store-api.js';
import type { StoreApiFault } from './store-api-fault.js';
import { createStorefront, emptyStorefrontStats } from './storefront.js';
import { loadDemoTheme, loadTheme, type Theme } from './theme.js';
import { type DemoCustomer, signCustomerToken, type TokenSettings } from './token.js';

export interface EmulatorOptions {
  /** Storefront port; default 0 (any free port). */
  port?: number;
  /** Demo backend port; default 0 (any free port). */
  backendPort?: number;
  clientId?: string;
  /** Default: random for this emulator. */
  clientSecret?: string;
  /** Token lifetime in seconds; default 900. */
  tokenTtl?: number;
  /** A Stencil theme folder; default the built-in demo theme. */
  theme?: string;
  /** Content-Security-Policy with a per-request nonce; default true. */
  csp?: boolean;
  /** Let `{{nonce}}` print the nonce; default true. False proves the partial's nonce matters. */
  themeNonce?: boolean;
  /** Add the demo panel to pages; default true. */
  panel?: boolean;
  /** Default `dev123`. */
  storeHash?: string;
  /**
   * The developer's own backend endpoint (`http(s)://…`): the pages' configuration and CSP point at it, and
   * the demo backend is not started unless `demoBackend` is true.
   */
  endpoint?: string;
  /** Start the demo backend even with `endpoint` (it then only serves requests sent to it directly). */
  demoBackend?: boolean;
  /** Faults in force from the start; default none. */
  faults?: Partial<Faults>;
  /** The emulated store API's fault from the start; default none. */
  storeApiFault?: StoreApiFault;
  /** The emulated store API's access token (`X-Auth-Token`); default: random for this emulator. */
  storeApiToken?: string;
  /** Hears of every theme reload after a change on disk (the dev command prints it). */
  onThemeReload?(theme: Theme): void;
  /**
   * With `endpoint`: check its CORS answers at start (`backendCheck`) before resolving; default true. The
   * panel asks for the check again when the page hits an error.
   */
  checkBackend?: boolean;
  /** Hears of each check of `endpoint` whose problems differ from the last one heard (the dev command prints it). */
  onBackendCheck?(check: BackendCheck): void;
}

export interface Emulator {
  /** e.g. `http://127.0.0.1:3737/` */
  storefrontUrl: string;
  /** e.g. `http://127.0.0.1:3737`: what the app backend's `allowedOrigins` must hold. */
  storefrontOrigin: string;
  /** The endpoint the module posts to: `endpoint`, or the demo backend's (`http://127.0.0.1:3738/current-customer`). */
  backendUrl: string;
  /** The demo backend's endpoint, when it runs. */
  demoBackendUrl: string | undefined;
  clientId: string;
  clientSecret: string;
  storeHash: string;
  tokenTtl: number;
  /** The emulated store API's base URL, e.g. `http://127.0.0.1:3737/stores/dev123/` (then `v2/orders`). */
  storeApiUrl: string;
  /** The access token the emulated store API wants in `X-Auth-Token`. */
  storeApiToken: string;
  /** The theme as last loaded (it reloads on the page load after a change on disk). */
  readonly theme: Theme;
  /** Live counters: what each server saw (the backend's stay at zero without the demo backend). */
  stats: {
    storefront: ReturnType<typeof emptyStorefrontStats>;
    backend: ReturnType<typeof emptyBackendStats>;
    storeApi: ReturnType<typeof emptyStoreApiStats>;
  };
  /** The emulated store API's fault in force. */
  readonly storeApiFault: StoreApiFault;
  setStoreApiFault(fault: StoreApiFault): void;
  /** The faults in force. */
  readonly faults: Faults;
  /** With `endpoint`: the latest check of it (the start-up one until the panel asks again). */
  readonly backendCheck: BackendCheck | undefined;
  /** With `endpoint`: checks it now, posting a token for customer `customerId` when given. */
  checkBackend(customerId?: number): Promise<BackendCheck>;
  setFault(side: 'storefront', fault: StorefrontFault): Promise<void>;
  setFault(side: 'backend', fault: BackendFault): Promise<void>;
  /** The older switch: `ok` (no fault), `fail` (500), `down` (connection refused). */
  setBackendMode(mode: BackendMode): Promise<void>;
  close(): Promise<void>;
}

/** The browser module's default leeway, for the panel's "refresh in". */
const MODULE_LEEWAY_SECONDS = 30;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const tokenTtl = options.tokenTtl ?? DEFAULT_TOKEN_TTL;
  const storeHash = options.storeHash ?? DEFAULT_STORE_HASH;
  const ownEndpoint =
    options.endpoint === undefined ? undefined : checkEndpoint('--endpoint', options.endpoint);
  const withDemoBackend = ownEndpoint === undefined || options.demoBackend === true;
  const faults: Faults = {
    storefront: options.faults?.storefront ?? { kind: 'none' },
    backend: options.faults?.backend ?? { kind: 'none' },
  };
  if (!withDemoBackend && faults.backend.kind !== 'none') {
    throw new DevError('--backend-fault needs the demo backend: it cannot act on --endpoint');
  }
  const live = await createLiveTheme(
    () => (options.theme === undefined ? loadDemoTheme() : loadTheme(options.theme)),
    options.onThemeReload,
  );
  const stats = {
    storefront: emptyStorefrontStats(),
    backend: emptyBackendStats(),
    storeApi: emptyStoreApiStats(),
  };
  const storeApiToken = options.storeApiToken ?? randomBytes(16).toString('hex');
  let storeApiFault: StoreApiFault = options.storeApiFault ?? { kind: 'none' };

  let storefrontOrigin = '';
  let backendUrl = ownEndpoint ?? '';
  let backend: Backend | undefined;

  async function setFault(side: FaultSide, fault: StorefrontFault | BackendFault): Promise<void> {
    if (side === 'storefront') {
      faults.storefront = fault as StorefrontFault;
      return;
    }
    if (!backend || ownEndpoint !== undefined) {
      throw new DevError(
        'backend faults act on the demo backend, and the page posts to --endpoint',
      );
    }
    await backend.setFault(fault as BackendFault);
    faults.backend = fault as BackendFault;
  }

  const token: TokenSettings = {
    clientId,
    clientSecret,
    storeHash,
    applicationId: `${clientId}-app`,
    ttl: tokenTtl,
  };
  let backendCheck: BackendCheck | undefined;
  /** The problems last told to `onBackendCheck`, to tell only of a change. */
  let heard: string | undefined;
  async function checkOwnBackend(customer: DemoCustomer | null): Promise<BackendCheck> {
    const check = await checkBackend({
      endpoint: ownEndpoint as string,
      origin: storefrontOrigin,
      clientId,
      storeHash,
      ...(customer ? { token: signCustomerToken(customer, token) } : {}),
    });
    backendCheck = check;
    const problems = JSON.stringify(check.problems);
    if (problems !== heard) {
      heard = problems;
      options.onBackendCheck?.(check);
    }
    return check;
  }

  const panelSettings = () => ({
    clientId,
    backendUrl,
    ownBackend: ownEndpoint !== undefined,
    storefrontOrigin,
    backendCheck,
    tokenTtl,
    leewaySeconds: MODULE_LEEWAY_SECONDS,
    faults,
  });
  const storefront = createStorefront({
    theme: live,
    token,
    stats: stats.storefront,
    origin: () => storefrontOrigin,
    endpoint: () => backendUrl,
    csp: options.csp ?? true,
    themeNonce: options.themeNonce ?? true,
    panel: options.panel === false ? null : createPanel(panelSettings),
    statsSnapshot: () => ({ ...stats, faults }),
    faults: () => faults,
    setFault: (side, spelling) => setFault(side, parseFault(side, spelling, `${side} fault`)),
    checkBackend: ownEndpoint === undefined ? null : checkOwnBackend,
    storeApi: createStoreApi({
      storeHash,
      accessToken: storeApiToken,
      storefrontOrigin: () => storefrontOrigin,
      stats: stats.storeApi,
      fault: () => storeApiFault,
    }).handle,
  });

  const server = serve(storefront.handle);
  const port = await listen(server, options.port ?? 0, 'storefront', '--port');
  storefrontOrigin = `http://${HOST}:${port}`;
  if (withDemoBackend) {
    try {
      backend = await startBackend({
        port: options.backendPort ?? 0,
        clientId,
        clientSecret,
        storeHash,
        storefrontOrigin: () => storefrontOrigin,
        stats: stats.backend,
        fault: faults.backend,
        storeApi: {
          base: `${storefrontOrigin}${storeApiPath(storeHash)}`,
          accessToken: storeApiToken,
        },
      });
    } catch (error) {
      await close(server);
      throw error;
    }
  }
  const demoBackendUrl = backend ? `${backend.origin}${BACKEND_PATH}` : undefined;
  backendUrl = ownEndpoint ?? (demoBackendUrl as string);
  // Before the first page: a backend that will refuse the storefront's origin is reported now.
  if (ownEndpoint !== undefined && options.checkBackend !== false) await checkOwnBackend(null);

  return {
    storefrontUrl: `${storefrontOrigin}/`,
    storefrontOrigin,
    backendUrl,
    demoBackendUrl,
    clientId,
    clientSecret,
    storeHash,
    tokenTtl,
    storeApiUrl: `${storefrontOrigin}${storeApiPath(storeHash)}`,
    storeApiToken,
    get storeApiFault() {
      return storeApiFault;
    },
    setStoreApiFault(fault) {
      storeApiFault = fault;
    },
    get theme() {
      return live.last.theme;
    },
    stats,
    get faults() {
      return faults;
    },
    setFault: setFault as Emulator['setFault'],
    get backendCheck() {
      return backendCheck;
    },
    checkBackend(customerId) {
      if (ownEndpoint === undefined) {
        return Promise.reject(new DevError('the check is for your own backend (--endpoint)'));
      }
      const customer = customerId === undefined ? null : findDemoCustomer(customerId);
      if (customer === undefined) {
        return Promise.reject(new DevError(`no demo customer ${customerId}`));
      }
      return checkOwnBackend(customer);
    },
    setBackendMode: (mode) =>
      setFault(
        'backend',
        mode === 'ok' ? { kind: 'none' } : mode === 'fail' ? { kind: '500' } : { kind: 'down' },
      ),
    async close() {
      await Promise.all([close(server), backend?.close()]);
    },
  };
}

/**
 * What the developer's backend needs to accept this emulator's tokens, as `NAME=value` pairs: the
 * client id, the client secret (only when `withSecret`), the store hash and the storefront origin.
 */
export function backendEnvironment(emulator: Emulator, withSecret: boolean): [string, string][] {
  const pairs: [string, string][] = [['CLIENT_ID', emulator.clientId]];
  if (withSecret) pairs.push(['CLIENT_SECRET', emulator.clientSecret]);
  pairs.push(['STORE_HASH', emulator.storeHash], ['ALLOWED_ORIGINS', emulator.storefrontOrigin]);
  return pairs;
}
