// Settings of the dev command, from flags and environment variables (flags win), with defaults that work
// with no configuration at all.
import { randomBytes } from 'node:crypto';
import { APP_CLIENT_ID } from '../client/options.js';
import { DevError } from './errors.js';

export const DEFAULT_PORT = 3737;
export const DEFAULT_BACKEND_PORT = 3738;
export const DEFAULT_CLIENT_ID = 'stencil-current-customer-dev';
export const DEFAULT_TOKEN_TTL = 900;
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
  /** Lifetime of the tokens the storefront issues, in seconds. */
  tokenTtl: number;
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

Runs a storefront emulator and a demo app backend on 127.0.0.1.

options (environment variable in brackets; flags win):
  --port <n>            storefront port, 0 = any free port (default ${DEFAULT_PORT}) [CURRENT_CUSTOMER_PORT]
  --backend-port <n>    app backend port, 0 = any free port (default ${DEFAULT_BACKEND_PORT}) [CURRENT_CUSTOMER_BACKEND_PORT]
  --client-id <id>      the app's client id (default ${DEFAULT_CLIENT_ID}) [CURRENT_CUSTOMER_CLIENT_ID]
  --client-secret <s>   the app's client secret (default: random for each run) [CURRENT_CUSTOMER_CLIENT_SECRET]
  --token-ttl <s>       token lifetime in seconds, 1 to ${MAX_TOKEN_TTL} (default ${DEFAULT_TOKEN_TTL}) [CURRENT_CUSTOMER_TOKEN_TTL]
  --theme <dir>         render this Stencil theme (after 'install') instead of the demo theme [CURRENT_CUSTOMER_THEME]
  --no-csp              do not send a Content-Security-Policy header
  --no-panel            do not add the demo panel to pages
  --show-secret         print the client secret
  -h, --help            show this help`;

type Env = Record<string, string | undefined>;

const VALUE_FLAGS: Record<string, string> = {
  '--port': 'CURRENT_CUSTOMER_PORT',
  '--backend-port': 'CURRENT_CUSTOMER_BACKEND_PORT',
  '--client-id': 'CURRENT_CUSTOMER_CLIENT_ID',
  '--client-secret': 'CURRENT_CUSTOMER_CLIENT_SECRET',
  '--token-ttl': 'CURRENT_CUSTOMER_TOKEN_TTL',
  '--theme': 'CURRENT_CUSTOMER_THEME',
};
const BOOLEAN_FLAGS = new Set(['--no-csp', '--no-panel', '--show-secret', '--help', '-h']);

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

  const options: DevOptions = {
    port: port ? integer(port.name, port.value, 0, 65535) : DEFAULT_PORT,
    backendPort: backendPort
      ? integer(backendPort.name, backendPort.value, 0, 65535)
      : DEFAULT_BACKEND_PORT,
    clientId: clientId ? clientId.value.trim() : DEFAULT_CLIENT_ID,
    clientSecret: secret ? secret.value : randomBytes(32).toString('base64url'),
    secretGenerated: secret === undefined,
    tokenTtl: ttl ? integer(ttl.name, ttl.value, 1, MAX_TOKEN_TTL) : DEFAULT_TOKEN_TTL,
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
  if (options.port !== 0 && options.port === options.backendPort) {
    throw new DevError(`--port and --backend-port must differ (both are ${options.port})`);
  }
  return options;
}
