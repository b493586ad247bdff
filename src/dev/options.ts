// Settings of the dev command, from flags and environment variables (flags win), with defaults that work
// with no configuration at all.
import { randomBytes } from 'node:crypto';
import { APP_CLIENT_ID } from '../client/options.js';
import { DevError } from './errors.js';
import { type BackendFault, FAULT_SPELLINGS, parseFault, type StorefrontFault } from './faults.js';
import {
  parseStoreApiFault,
  STORE_API_FAULT_SPELLINGS,
  type StoreApiFault,
} from './store-api-fault.js';

export const DEFAULT_PORT = 3737;
export const DEFAULT_BACKEND_PORT = 3738;
export const DEFAULT_CLIENT_ID = 'stencil-current-customer-dev';
export const DEFAULT_TOKEN_TTL = 900;
export const DEFAULT_STORE_HASH = 'dev123';
/** What a store hash looks like (BigCommerce's are lower-case letters and digits). */
const STORE_HASH = /^[a-z0-9]{1,32}$/;
/** BigCommerce issues 15-minute tokens and the package's verifier refuses anything longer. */
export const MAX_TOKEN_TTL = 900;

export interface DevOptions {
  /** Storefront port on 127.0.0.1; 0 picks any free port. */
  port: number;
  /** App backend port on 127.0.0.1; 0 picks any free port. */
  backendPort: number;
  clientId: string;
  clientSecret: string;
  /** True when no secret was given and a random one was made for this run. */
  secretGenerated: boolean;
  /** True when the secret came from `--client-secret`, where every local user can read it (`ps`). */
  secretOnCommandLine: boolean;
  /** Lifetime of the tokens the storefront issues, in seconds. */
  tokenTtl: number;
  /** The store hash in the tokens (`store_hash`, `sub`). */
  storeHash: string;
  /** The developer's own backend endpoint, instead of the demo backend. */
  endpoint: string | undefined;
  /** Start the demo backend even with an endpoint. */
  demoBackend: boolean;
  /** Fault injected into /customer/current.jwt from the start. */
  jwtFault: StorefrontFault;
  /** Fault injected into the demo backend from the start. */
  backendFault: BackendFault;
  /** Fault injected into the emulated store API from the start. */
  storeApiFault: StoreApiFault;
  /** A Stencil theme folder to render instead of the built-in demo theme. */
  theme: string | undefined;
  /** Send a Content-Security-Policy header with a per-request nonce. */
  csp: boolean;
  /** Add the demo panel to every page. */
  panel: boolean;
  showSecret: boolean;
  help: boolean;
}

export const DEV_USAGE = `usage: stencil-current-customer dev [options]

Runs a storefront emulator on 127.0.0.1, and a demo app backend or points the pages at yours.

options (environment variable in brackets; flags win):
  --port <n>            storefront port, 0 = any free port (default ${DEFAULT_PORT}) [CURRENT_CUSTOMER_PORT]
  --backend-port <n>    app backend port, 0 = any free port (default ${DEFAULT_BACKEND_PORT}) [CURRENT_CUSTOMER_BACKEND_PORT]
  --client-id <id>      the app's client id (default ${DEFAULT_CLIENT_ID}) [CURRENT_CUSTOMER_CLIENT_ID]
  --client-secret <s>   the app's client secret (default: random for each run) [CURRENT_CUSTOMER_CLIENT_SECRET];
                        prefer the variable: other users of this machine can read flags (ps)
  --token-ttl <s>       token lifetime in seconds, 1 to ${MAX_TOKEN_TTL} (default ${DEFAULT_TOKEN_TTL}) [CURRENT_CUSTOMER_TOKEN_TTL]
  --store-hash <hash>   the store hash in the tokens (default ${DEFAULT_STORE_HASH}) [CURRENT_CUSTOMER_STORE_HASH]
  --theme <dir>         render this Stencil theme (after 'install') instead of the demo theme [CURRENT_CUSTOMER_THEME]
  --endpoint <url>      post the token to your own backend instead of the demo backend; prints the
                        environment it needs [CURRENT_CUSTOMER_ENDPOINT]
  --demo-backend        with --endpoint, start the demo backend anyway
  --jwt-fault <f>       /customer/current.jwt answers with a fault: ${FAULT_SPELLINGS.storefront.join(', ')}
                        (<s>: seconds) [CURRENT_CUSTOMER_JWT_FAULT]
  --backend-fault <f>   the demo backend answers with a fault: ${FAULT_SPELLINGS.backend.join(', ')}
                        [CURRENT_CUSTOMER_BACKEND_FAULT]
  --store-api-fault <f> the emulated store API answers with a fault: ${STORE_API_FAULT_SPELLINGS.join(', ')}
                        [CURRENT_CUSTOMER_STORE_API_FAULT]
  --no-csp              do not send a Content-Security-Policy header
  --no-panel            do not add the demo panel to pages
  --show-secret         print the client secret (also in the environment printed for --endpoint)
  -h, --help            show this help

exit status: 0 stopped (Ctrl-C); 1 could not start (a theme that is not one, a port in use);
2 the command line is wrong (an unknown option, a bad option value)`;

type Env = Record<string, string | undefined>;

const VALUE_FLAGS: Record<string, string> = {
  '--port': 'CURRENT_CUSTOMER_PORT',
  '--backend-port': 'CURRENT_CUSTOMER_BACKEND_PORT',
  '--client-id': 'CURRENT_CUSTOMER_CLIENT_ID',
  '--client-secret': 'CURRENT_CUSTOMER_CLIENT_SECRET',
  '--token-ttl': 'CURRENT_CUSTOMER_TOKEN_TTL',
  '--store-hash': 'CURRENT_CUSTOMER_STORE_HASH',
  '--theme': 'CURRENT_CUSTOMER_THEME',
  '--endpoint': 'CURRENT_CUSTOMER_ENDPOINT',
  '--jwt-fault': 'CURRENT_CUSTOMER_JWT_FAULT',
  '--backend-fault': 'CURRENT_CUSTOMER_BACKEND_FAULT',
  '--store-api-fault': 'CURRENT_CUSTOMER_STORE_API_FAULT',
};
/** Printed when the secret is given as a flag. */
export const SECRET_FLAG_WARNING =
  '--client-secret is visible to every user of this machine (ps, /proc/<pid>/cmdline): set CURRENT_CUSTOMER_CLIENT_SECRET in the environment instead';

const BOOLEAN_FLAGS = new Set([
  '--no-csp',
  '--no-panel',
  '--show-secret',
  '--demo-backend',
  '--help',
  '-h',
]);

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new DevError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new DevError(`${name} must be from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** An absolute http(s) URL without credentials, normalised; `name` (flag or variable) starts any error. */
export function checkEndpoint(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DevError(`${name} must be an absolute http(s) URL, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DevError(`${name} must be an http: or https: URL, got '${raw}'`);
  }
  if (url.username || url.password)
    throw new DevError(`${name} must not hold a user name or password`);
  return url.href;
}

/** Parses the dev command's arguments; throws a `DevError` with a one-line message on bad input. */
export function parseDevOptions(args: readonly string[], env: Env = process.env): DevOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag in VALUE_FLAGS) {
      let value: string | undefined;
      if (flag !== arg) value = arg.slice(eq + 1);
      else {
        value = args[i + 1];
        i++;
      }
      if (value === undefined || (flag === arg && value.startsWith('--'))) {
        throw new DevError(`${flag} needs a value`);
      }
      values.set(flag, value);
    } else if (BOOLEAN_FLAGS.has(arg)) {
      switches.add(arg === '-h' ? '--help' : arg);
    } else {
      throw new DevError(`unknown option '${arg}' (see --help)`);
    }
  }

  const pick = (flag: string): { name: string; value: string } | undefined => {
    const fromFlag = values.get(flag);
    if (fromFlag !== undefined) return { name: flag, value: fromFlag };
    const variable = VALUE_FLAGS[flag] as string;
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return { name: variable, value: fromEnv };
    return undefined;
  };

  const port = pick('--port');
  const backendPort = pick('--backend-port');
  const ttl = pick('--token-ttl');
  const clientId = pick('--client-id');
  const secret = pick('--client-secret');
  const theme = pick('--theme');
  const storeHash = pick('--store-hash');
  const endpoint = pick('--endpoint');
  const jwtFault = pick('--jwt-fault');
  const backendFault = pick('--backend-fault');
  const storeApiFault = pick('--store-api-fault');

  const options: DevOptions = {
    port: port ? integer(port.name, port.value, 0, 65535) : DEFAULT_PORT,
    backendPort: backendPort
      ? integer(backendPort.name, backendPort.value, 0, 65535)
      : DEFAULT_BACKEND_PORT,
    clientId: clientId ? clientId.value.trim() : DEFAULT_CLIENT_ID,
    clientSecret: secret ? secret.value : randomBytes(32).toString('base64url'),
    secretGenerated: secret === undefined,
    secretOnCommandLine: secret?.name === '--client-secret',
    tokenTtl: ttl ? integer(ttl.name, ttl.value, 1, MAX_TOKEN_TTL) : DEFAULT_TOKEN_TTL,
    storeHash: storeHash ? storeHash.value.trim() : DEFAULT_STORE_HASH,
    endpoint: endpoint ? checkEndpoint(endpoint.name, endpoint.value.trim()) : undefined,
    demoBackend: switches.has('--demo-backend'),
    jwtFault: jwtFault ? parseFault('storefront', jwtFault.value, jwtFault.name) : { kind: 'none' },
    backendFault: backendFault
      ? parseFault('backend', backendFault.value, backendFault.name)
      : { kind: 'none' },
    storeApiFault: storeApiFault
      ? parseStoreApiFault(storeApiFault.value, storeApiFault.name)
      : { kind: 'none' },
    theme: theme ? theme.value : undefined,
    csp: !switches.has('--no-csp'),
    panel: !switches.has('--no-panel'),
    showSecret: switches.has('--show-secret'),
    help: switches.has('--help'),
  };

  if (!APP_CLIENT_ID.test(options.clientId) || options.clientId.length > 128) {
    throw new DevError(
      `${clientId?.name ?? '--client-id'} must be 1 to 128 letters, digits, '_' or '-'`,
    );
  }
  if (options.clientSecret.length < 8) {
    throw new DevError(`${secret?.name ?? '--client-secret'} must be at least 8 characters`);
  }
  if (!STORE_HASH.test(options.storeHash)) {
    throw new DevError(
      `${storeHash?.name ?? '--store-hash'} must be 1 to 32 lower-case letters or digits`,
    );
  }
  if (options.endpoint !== undefined && backendFault && options.backendFault.kind !== 'none') {
    throw new DevError(
      `${backendFault.name} acts on the demo backend, but ${endpoint?.name} points the pages at yours`,
    );
  }
  if (options.endpoint !== undefined && !options.demoBackend) return options;
  if (options.port !== 0 && options.port === options.backendPort) {
    throw new DevError(`--port and --backend-port must differ (both are ${options.port})`);
  }
  return options;
}
