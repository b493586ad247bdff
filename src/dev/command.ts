// `stencil-current-customer dev`: runs the storefront emulator and the demo app backend until Ctrl-C.
import { startEmulator } from './emulator.js';
import { DevError } from './errors.js';
import { DEV_USAGE, parseDevOptions } from './options.js';

const PREFIX = 'stencil-current-customer dev';

export const dev = async (args: string[]): Promise<number> => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let showSecret: boolean;
  let secretGenerated: boolean;
  try {
    const options = parseDevOptions(args);
    if (options.help) {
      console.log(DEV_USAGE);
      return 0;
    }
    showSecret = options.showSecret;
    secretGenerated = options.secretGenerated;
    emulator = await startEmulator({
      port: options.port,
      backendPort: options.backendPort,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      tokenTtl: options.tokenTtl,
      theme: options.theme,
      csp: options.csp,
      panel: options.panel,
    });
  } catch (error) {
    if (error instanceof DevError) {
      console.error(`${PREFIX}: ${error.message}`);
      return 1;
    }
    throw error;
  }

  console.log(`storefront:  ${emulator.storefrontUrl}`);
  console.log(`app backend: ${emulator.backendUrl}`);
  console.log(
    `theme: ${emulator.theme.name}; client id: ${emulator.clientId}; token lifetime: ${emulator.tokenTtl} s`,
  );
  console.log(
    showSecret
      ? `client secret: ${emulator.clientSecret}`
      : `client secret: ${secretGenerated ? 'random for this run' : 'as given'} (--show-secret prints it)`,
  );
  for (const warning of emulator.theme.warnings) console.warn(`warning: ${warning}`);
  console.log('press Ctrl-C to stop');

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  console.log('stopped');
  return 0;
};
