// The whole local loop in one call: a storefront emulator and a demo app backend on 127.0.0.1. Used
// in-process by the tests and by the dev command.
import { randomBytes } from 'node:crypto';
import { BACKEND_PATH, type Backend, emptyBackendStats, startBackend } from './backend.js';
import { close, createServer, HOST, listen, nodeListener } from './http.js';
import { DEFAULT_CLIENT_ID, DEFAULT_TOKEN_TTL } from './options.js';
import { createPanel } from './panel.js';
import { createThemeRenderer } from './renderer.js';
import { createStorefront, emptyStorefrontStats } from './storefront.js';
import { loadDemoTheme, loadTheme, type Theme } from './theme.js';

export interface EmulatorOptions {
  /** Storefront port; default 0 (any free port). */
  port?: number;
  /** Backend port; default 0 (any free port). */
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
}

export interface Emulator {
  /** e.g. `http://127.0.0.1:3737/` */
  storefrontUrl: string;
  /** The backend endpoint the module posts to, e.g. `http://127.0.0.1:3738/current-customer`. */
  backendUrl: string;
  clientId: string;
  clientSecret: string;
  storeHash: string;
  tokenTtl: number;
  theme: Theme;
  /** Live counters: what each server saw. */
  stats: {
    storefront: ReturnType<typeof emptyStorefrontStats>;
    backend: ReturnType<typeof emptyBackendStats>;
  };
  /** Take the backend down (connection refused), make it answer 500, or bring it back. */
  setBackendMode: Backend['setMode'];
  close(): Promise<void>;
}

/** The browser module's default leeway, for the panel's "refresh in". */
const MODULE_LEEWAY_SECONDS = 30;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const tokenTtl = options.tokenTtl ?? DEFAULT_TOKEN_TTL;
  const storeHash = options.storeHash ?? 'dev123';
  const theme = options.theme === undefined ? loadDemoTheme() : loadTheme(options.theme);
  const renderer = await createThemeRenderer(theme);
  const stats = { storefront: emptyStorefrontStats(), backend: emptyBackendStats() };

  let storefrontOrigin = '';
  let backendUrl = '';
  const panelSettings = () => ({
    clientId,
    backendUrl,
    tokenTtl,
    leewaySeconds: MODULE_LEEWAY_SECONDS,
  });
  const storefront = createStorefront({
    theme,
    renderer,
    token: {
      clientId,
      clientSecret,
      storeHash,
      applicationId: `${clientId}-app`,
      ttl: tokenTtl,
    },
    stats: stats.storefront,
    origin: () => storefrontOrigin,
    endpoint: () => backendUrl,
    csp: options.csp ?? true,
    themeNonce: options.themeNonce ?? true,
    panel: options.panel === false ? null : createPanel(panelSettings),
    statsSnapshot: () => stats,
  });

  const server = createServer(nodeListener(storefront.handle));
  const port = await listen(server, options.port ?? 0, 'storefront', '--port');
  storefrontOrigin = `http://${HOST}:${port}`;
  let backend: Backend;
  try {
    backend = await startBackend({
      port: options.backendPort ?? 0,
      clientId,
      clientSecret,
      storeHash,
      storefrontOrigin: () => storefrontOrigin,
      stats: stats.backend,
    });
  } catch (error) {
    await close(server);
    throw error;
  }
  backendUrl = `${backend.origin}${BACKEND_PATH}`;

  return {
    storefrontUrl: `${storefrontOrigin}/`,
    backendUrl,
    clientId,
    clientSecret,
    storeHash,
    tokenTtl,
    theme,
    stats,
    setBackendMode: (mode) => backend.setMode(mode),
    async close() {
      await Promise.all([close(server), backend.close()]);
    },
  };
}
