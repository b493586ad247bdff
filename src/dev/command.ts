// `stencil-current-customer dev`: runs the storefront emulator and the demo app backend (or points the pages
// at the developer's own) until Ctrl-C.
import { type BackendCheck, formatBackendCheck } from './backend-check.js';
import { backendEnvironment, startEmulator } from './emulator.js';
import { DevError } from './errors.js';
import { formatFault } from './faults.js';
import { DEV_USAGE, parseDevOptions, SECRET_FLAG_WARNING } from './options.js';
import { formatStoreApiFault } from './store-api-fault.js';

const PREFIX = 'stencil-current-customer dev';

/** A wrong command line (an unknown option, a bad value), as every command of the CLI answers it. */
const USAGE_ERROR = 2;

/** A value quoted for a POSIX shell (and for dotenv files, which read the same quotes). */
const shellQuote = (value: string): string =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** A check of the developer's backend: a line when it is fine, a warning per problem. */
function reportCheck(check: BackendCheck): void {
  const lines = formatBackendCheck(check);
  if (check.problems.length === 0) for (const line of lines) console.log(line);
  else for (const line of lines) console.warn(`warning: ${line}`);
}

export const dev = async (args: string[]): Promise<number> => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let options: ReturnType<typeof parseDevOptions>;
  /** Checks made from the panel are printed once the start-up lines are out. */
  let started = false;
  try {
    options = parseDevOptions(args);
  } catch (error) {
    if (error instanceof DevError) {
      console.error(`${PREFIX}: ${error.message}`);
      return USAGE_ERROR;
    }
    throw error;
  }
  if (options.help) {
    console.log(DEV_USAGE);
    return 0;
  }
  try {
    if (options.secretOnCommandLine) console.warn(`warning: ${SECRET_FLAG_WARNING}`);
    emulator = await startEmulator({
      port: options.port,
      backendPort: options.backendPort,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      storeHash: options.storeHash,
      tokenTtl: options.tokenTtl,
      theme: options.theme,
      csp: options.csp,
      panel: options.panel,
      endpoint: options.endpoint,
      demoBackend: options.demoBackend,
      faults: { storefront: options.jwtFault, backend: options.backendFault },
      storeApiFault: options.storeApiFault,
      onThemeReload: (theme) => {
        console.log(`theme reloaded: ${theme.name}`);
        for (const warning of theme.warnings) console.warn(`warning: ${warning}`);
      },
      onBackendCheck: (check) => {
        if (started) reportCheck(check);
      },
    });
  } catch (error) {
    if (error instanceof DevError) {
      console.error(`${PREFIX}: ${error.message}`);
      return 1;
    }
    throw error;
  }

  const ownBackend = options.endpoint !== undefined;
  console.log(`storefront:  ${emulator.storefrontUrl}`);
  console.log(`app backend: ${emulator.backendUrl}`);
  console.log(`store API:   ${emulator.storeApiUrl} (X-Auth-Token: ${emulator.storeApiToken})`);
  if (ownBackend) {
    console.log(
      emulator.demoBackendUrl
        ? `(yours; the demo backend runs too, at ${emulator.demoBackendUrl})`
        : '(yours; the demo backend is not started)',
    );
  }
  console.log(
    `theme: ${emulator.theme.name} (edits show on the next page load); client id: ${emulator.clientId}; store hash: ${emulator.storeHash}; token lifetime: ${emulator.tokenTtl} s`,
  );
  // The secret goes into the environment block when the developer chose it or asked for it.
  const withSecret = options.showSecret || (ownBackend && !options.secretGenerated);
  if (ownBackend) {
    console.log("your backend's environment (paste it into its shell or .env file):");
    for (const [name, value] of backendEnvironment(emulator, withSecret)) {
      console.log(`export ${name}=${shellQuote(value)}`);
    }
    if (!withSecret) {
      console.log(
        '# CLIENT_SECRET is random for this run: set CURRENT_CUSTOMER_CLIENT_SECRET (or pass --show-secret) to choose or print it',
      );
    }
    console.log(
      "# createCurrentCustomerHandler({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, storeHash: STORE_HASH, allowedOrigins: ALLOWED_ORIGINS.split(',') })",
    );
    if (emulator.backendCheck) reportCheck(emulator.backendCheck);
  } else {
    console.log(
      options.showSecret
        ? `client secret: ${emulator.clientSecret}`
        : `client secret: ${options.secretGenerated ? 'random for this run' : 'as given'} (--show-secret prints it)`,
    );
  }
  const { storefront, backend } = emulator.faults;
  if (storefront.kind !== 'none' || backend.kind !== 'none') {
    console.log(
      `faults: current.jwt ${formatFault(storefront)}, backend ${formatFault(backend)} (change them in the panel)`,
    );
  }
  if (emulator.storeApiFault.kind !== 'none') {
    console.log(`faults: store API ${formatStoreApiFault(emulator.storeApiFault)}`);
  }
  for (const warning of emulator.theme.warnings) console.warn(`warning: ${warning}`);
  started = true;
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Printed only once the handlers are in place: a Ctrl-C (or a test's SIGINT) sent as soon as this line
    // appears must stop the emulator cleanly, not kill it with the default action.
    console.log('press Ctrl-C to stop');
  });
  await emulator.close();
  console.log('stopped');
  return 0;
};
