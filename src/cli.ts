// The `stencil-current-customer` command. Each command lives in its own module and is loaded on demand,
// so `install` does not load the emulator and `dev` does not load the installer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

const USAGE = `usage: stencil-current-customer <command> [options]

commands:
  install <theme-dir>     copy the partials, drop-in file and settings into a Stencil theme
  uninstall <theme-dir>   remove exactly what install added
  doctor <theme-dir>      report what is missing or wrong in a theme's integration
  dev [--theme <dir>]     run the local storefront emulator and demo app backend

run a command with --help for its options; --version prints the package's version

exit status: 0 done; 1 install or uninstall refused the theme or could not write, doctor found
a problem, or dev could not start (a theme that is not one, a port in use); 2 the command line is wrong
(no or an unknown command, an unknown option, a missing or extra argument, a bad option value)`;

/** A command line that is wrong, as every command's usage text states it. */
const USAGE_ERROR = 2;

/** The version in this package's package.json. */
function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return String(manifest.version);
}

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  install: async () => (await import('./theme/command.js')).install,
  uninstall: async () => (await import('./theme/command.js')).uninstall,
  doctor: async () => (await import('./theme/command.js')).doctor,
  dev: async () => (await import('./dev/command.js')).dev,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(USAGE);
    return USAGE_ERROR;
  }
  if (name === '--help' || name === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`stencil-current-customer: unknown command '${name}'\n\n${USAGE}`);
    return USAGE_ERROR;
  }
  return (await load())(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      `stencil-current-customer: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
  },
);
