// Renders a theme's pages with BigCommerce's own renderer, @bigcommerce/stencil-paper-handlebars, the way
// the storefront does: templates precompiled once with the renderer's pre-processor, then, for every
// request, a fresh renderer (the `inject` helper's storage lives as long as the renderer) with the site
// settings, the theme settings and the request's CSP nonce.
import { DevError } from './errors.js';
import type { Theme } from './theme.js';

/** The part of paper-handlebars' `HandlebarsRenderer` that the emulator uses. */
interface PaperRenderer {
  getPreProcessor(): (templates: Record<string, string>) => Record<string, string>;
  addTemplates(templates: Record<string, string>): void;
  setTranslator(translator: Translator | null): void;
  render(path: string, context: Record<string, unknown>): Promise<string>;
}

type PaperRendererClass = new (
  siteSettings: Record<string, unknown>,
  themeSettings: Record<string, unknown>,
  hbVersion: 'v3' | 'v4',
  logger?: Logger,
  logLevel?: string,
  params?: { security?: { nonce?: string } },
) => PaperRenderer;

interface Logger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  log(...args: unknown[]): void;
}

/** The subset of paper's Translator that the `lang` and `langJson` helpers call. */
interface Translator {
  translate(key: string, params?: Record<string, unknown>): string;
  getLanguage(filter?: string): Record<string, string>;
  getLocale(): string;
}

export const PAPER_PACKAGE = '@bigcommerce/stencil-paper-handlebars';

// A specifier in a variable: the package has no type declarations, and it must stay a runtime import.
const importModule = (specifier: string): Promise<unknown> => import(specifier);

/** Loads the renderer, an optional peer dependency, with a clear error when it is not installed. */
export async function loadPaper(load = importModule): Promise<PaperRendererClass> {
  try {
    const module = (await load(PAPER_PACKAGE)) as {
      default?: PaperRendererClass;
    } & PaperRendererClass;
    return module.default ?? module;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new DevError(
        `the dev command needs ${PAPER_PACKAGE}: run 'npm install --save-dev ${PAPER_PACKAGE}'`,
      );
    }
    throw error;
  }
}

function translator(translations: Record<string, string>): Translator {
  return {
    translate(key, params = {}) {
      const text = translations[key];
      if (text === undefined) return key;
      return text.replace(/\{\s*(\w+)\s*\}/g, (whole, name: string) =>
        params[name] === undefined ? whole : String(params[name]),
      );
    },
    getLanguage(filter) {
      if (!filter) return { ...translations };
      const subset: Record<string, string> = {};
      for (const [key, value] of Object.entries(translations)) {
        if (key === filter || key.startsWith(`${filter}.`)) subset[key] = value;
      }
      return subset;
    },
    getLocale: () => 'en',
  };
}

// Always `console` itself: given any other logger, paper-handlebars replaces the process-wide console.log,
// console.info, console.warn and console.error with it.
const logger: Logger = console;

export interface RenderInput {
  /** Template key, e.g. `pages/home`. */
  page: string;
  context: Record<string, unknown>;
  siteSettings: Record<string, unknown>;
  themeSettings: Record<string, unknown>;
  /** The request's CSP nonce, what `{{nonce}}` prints; omitted, it prints nothing. */
  nonce: string | undefined;
}

/** What rendering needs of a theme: a loaded one, or templates held in memory. */
export type ThemeSource = Pick<Theme, 'dir' | 'engine' | 'settings' | 'templates' | 'translations'>;

export interface ThemeRenderer {
  hasTemplate(key: string): boolean;
  render(input: RenderInput): Promise<string>;
}

export async function createThemeRenderer(
  theme: ThemeSource,
  Paper?: PaperRendererClass,
): Promise<ThemeRenderer> {
  const Renderer = Paper ?? (await loadPaper());
  let precompiled: Record<string, string>;
  try {
    precompiled = new Renderer({}, theme.settings, theme.engine, logger).getPreProcessor()(
      theme.templates,
    );
  } catch (error) {
    const path = (error as { details?: { path?: unknown } }).details?.path;
    throw new DevError(
      `cannot compile ${path ? `templates/${String(path)}.html` : 'the theme'} in ${theme.dir}: ${
        error instanceof Error ? error.message.split('\n')[0] : String(error)
      }`,
    );
  }
  const language = translator(theme.translations);
  return {
    hasTemplate: (key) => Object.hasOwn(precompiled, key),
    async render({ page, context, siteSettings, themeSettings, nonce }) {
      const renderer = new Renderer(
        siteSettings,
        themeSettings,
        theme.engine,
        logger,
        'warn',
        nonce ? { security: { nonce } } : {},
      );
      renderer.setTranslator(language);
      renderer.addTemplates(precompiled);
      return renderer.render(page, { ...context, theme_settings: themeSettings });
    },
  };
}
