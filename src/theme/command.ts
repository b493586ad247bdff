// `stencil-current-customer install | uninstall | doctor <theme-dir>`: argument parsing and printing only; the
// work is in installer.ts and doctor.ts.
import { parseArgs } from 'node:util';
import { diagnose } from './doctor.js';
import { ThemeError } from './errors.js';
import { applyChanges, type Plan, planInstall, planUninstall } from './installer.js';

const NAME = 'stencil-current-customer';

/** The exit statuses, as every usage text states them; the same for install, uninstall and doctor. */
export const EXIT_STATUS = {
  /** Done (doctor: nothing missing or wrong). */
  ok: 0,
  /** The theme was refused (nothing written), a write failed (what was written put back), or doctor found a problem. */
  failed: 1,
  /** The command line is wrong: unknown option, missing or extra argument, a bad --client-id or --endpoint. */
  usage: 2,
} as const;

const EXIT_STATUS_TEXT = `exit status: 0 done; 1 the theme was refused or a write failed (nothing is left half-written),
or doctor found a problem; 2 the command line is wrong (unknown option, missing or extra
argument, a bad --client-id or --endpoint)`;

const INSTALL_USAGE = `usage: ${NAME} install <theme-dir> [options]

Copies the current-customer partials and drop-in file into a Stencil theme, merges its settings into
config.json (once, in the top-level "settings": variations inherit them), schema.json and
schemaTranslations.json, and includes the partial before </body> of templates/layout/base.html. Running it
again changes nothing.

options:
  --client-id <id>    the app's client id, written as the default of current_customer_app_client_id
  --endpoint <url>    the app backend's URL, written as the default of current_customer_endpoint
                      (on a re-run, each fills its setting where it is still ""; another value is kept)
  --force             replace the values of --client-id and --endpoint wherever they are set, in
                      "settings" and in each variation that sets them
  --layout <file>     another layout to patch (repeatable), e.g. --layout empty.html
  --dry-run           print what would change and write nothing
  -h, --help          show this help

${EXIT_STATUS_TEXT}`;

const UNINSTALL_USAGE = `usage: ${NAME} uninstall <theme-dir> [options]

Removes exactly what install added: the partials, the drop-in file, the settings, the theme-editor group,
the translations and the include in every template. Every current_customer_* setting goes, including one
the theme had before install (install keeps such a setting as it is).

options:
  --dry-run           print what would change and write nothing
  -h, --help          show this help

${EXIT_STATUS_TEXT}`;

const DOCTOR_USAGE = `usage: ${NAME} doctor <theme-dir> [options]

Reports what is missing or wrong in a theme's integration; exits 1 when something is. Removes the
temporary files an interrupted install or uninstall left, and says so.

options:
  --layout <file>     another layout that should include the partial (repeatable)
  -h, --help          show this help

${EXIT_STATUS_TEXT}`;

class UsageError extends Error {}

function parse(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>,
  usage: string,
): { themeDir: string | null; values: Record<string, string | boolean | string[] | undefined> } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) return { themeDir: null, values };
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `${parsed.positionals.length === 0 ? 'missing <theme-dir>' : `unexpected arguments: ${parsed.positionals.slice(1).join(' ')}`}\n\n${usage}`,
    );
  }
  return { themeDir: parsed.positionals[0] ?? null, values };
}

function describe(plan: Plan, dryRun: boolean, verb: string): void {
  if (plan.changes.length === 0) {
    console.log(`${NAME}: ${plan.themeDir}: nothing to change (already ${verb})`);
    return;
  }
  console.log(
    dryRun
      ? `${NAME}: dry run, nothing written; ${verb === 'installed' ? 'install' : 'uninstall'} would change ${plan.themeDir}:`
      : `${NAME}: ${verb} in ${plan.themeDir}:`,
  );
  for (const change of plan.changes) {
    console.log(`  ${change.action} ${change.path}`);
    for (const detail of change.details) console.log(`      ${detail}`);
  }
}

function printNotes(plan: Plan): void {
  for (const note of plan.notes) console.log(`note: ${note}`);
}

async function run(body: () => number): Promise<number> {
  try {
    return body();
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${NAME}: ${error.message}`);
      return EXIT_STATUS.usage;
    }
    if (error instanceof ThemeError) {
      console.error(`${NAME}: ${error.message}`);
      return error.code === 'invalid_option' ? EXIT_STATUS.usage : EXIT_STATUS.failed;
    }
    throw error;
  }
}

const strings = (value: string | boolean | string[] | undefined): string[] =>
  Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];

export async function install(args: string[]): Promise<number> {
  return run(() => {
    const { themeDir, values } = parse(
      args,
      {
        'client-id': { type: 'string' },
        endpoint: { type: 'string' },
        force: { type: 'boolean' },
        layout: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
      },
      INSTALL_USAGE,
    );
    if (themeDir === null) {
      console.log(INSTALL_USAGE);
      return EXIT_STATUS.ok;
    }
    const clientId = typeof values['client-id'] === 'string' ? values['client-id'] : undefined;
    const endpoint = typeof values.endpoint === 'string' ? values.endpoint : undefined;
    const plan = planInstall(themeDir, {
      clientId,
      endpoint,
      force: values.force === true,
      layouts: strings(values.layout),
    });
    const dryRun = values['dry-run'] === true;
    if (!dryRun) applyChanges(plan);
    describe(plan, dryRun, 'installed');
    printNotes(plan);
    if (!dryRun && plan.changes.length > 0) {
      console.log(
        `next: switch on "Current Customer" in the theme editor (or set current_customer_enabled), then run \`${NAME} doctor ${themeDir}\``,
      );
    }
    return EXIT_STATUS.ok;
  });
}

export async function uninstall(args: string[]): Promise<number> {
  return run(() => {
    const { themeDir, values } = parse(args, { 'dry-run': { type: 'boolean' } }, UNINSTALL_USAGE);
    if (themeDir === null) {
      console.log(UNINSTALL_USAGE);
      return EXIT_STATUS.ok;
    }
    const plan = planUninstall(themeDir);
    const dryRun = values['dry-run'] === true;
    if (!dryRun) applyChanges(plan);
    describe(plan, dryRun, 'uninstalled');
    printNotes(plan);
    return EXIT_STATUS.ok;
  });
}

export async function doctor(args: string[]): Promise<number> {
  return run(() => {
    const { themeDir, values } = parse(
      args,
      { layout: { type: 'string', multiple: true } },
      DOCTOR_USAGE,
    );
    if (themeDir === null) {
      console.log(DOCTOR_USAGE);
      return EXIT_STATUS.ok;
    }
    const report = diagnose(themeDir, { layouts: strings(values.layout) });
    for (const problem of report.problems)
      console.log(`problem: ${problem.message} [${problem.code}]`);
    for (const note of report.notes) console.log(`note: ${note}`);
    if (report.problems.length > 0) {
      console.log(`${NAME}: ${report.problems.length} problem(s) in ${report.themeDir}`);
      return EXIT_STATUS.failed;
    }
    console.log(`${NAME}: ${report.themeDir}: the current-customer integration is complete`);
    return EXIT_STATUS.ok;
  });
}
