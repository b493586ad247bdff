// Renders Stencil templates with BigCommerce's real renderer, @bigcommerce/stencil-paper-handlebars, the way a
// storefront does: every template of a theme is precompiled with the renderer's own pre-processor, registered,
// then one page is rendered. A fresh renderer per render, because helper storage (inject, assignVar) persists
// on a renderer.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

interface Translator {
  translate(key: string, params?: Record<string, unknown>): string;
  getLocale(): string;
  getLanguage(filter?: string): Record<string, unknown>;
}

interface PaperRenderer {
  getPreProcessor(): (templates: Record<string, string>) => Record<string, string>;
  addTemplates(templates: Record<string, string>): void;
  setTranslator(translator: Translator | null): void;
  render(path: string, context: Record<string, unknown>): Promise<string>;
}

type PaperRendererConstructor = new (
  siteSettings: Record<string, unknown>,
  themeSettings: Record<string, unknown>,
  hbVersion: 'v3' | 'v4',
  logger: Pick<Console, 'info' | 'warn' | 'error' | 'log'>,
  logLevel: string,
  params: Record<string, unknown>,
) => PaperRenderer;

const require = createRequire(import.meta.url);
const HandlebarsRenderer =
  require('@bigcommerce/stencil-paper-handlebars') as PaperRendererConstructor;

/** Every `.html` file under `templatesDir`, keyed the way Stencil names templates: `layout/base`. */
export function loadTemplates(templatesDir: string): Record<string, string> {
  const templates: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.html')) {
        const name = relative(templatesDir, path)
          .split(sep)
          .join('/')
          .replace(/\.html$/, '');
        templates[name] = readFileSync(path, 'utf8');
      }
    }
  };
  walk(templatesDir);
  return templates;
}

/** A translator over a flat or nested `lang/en.json` object, enough for Cornerstone's `lang` helpers. */
export function simpleTranslator(language: Record<string, unknown>): Translator {
  const flat: Record<string, string> = {};
  const flatten = (prefix: string, value: unknown): void => {
    if (typeof value === 'string') flat[prefix] = value;
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value))
        flatten(prefix ? `${prefix}.${key}` : key, inner);
    }
  };
  flatten('', language);
  return {
    translate: (key) => flat[key] ?? '',
    getLocale: () => 'en',
    getLanguage: (filter) => {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(flat)) {
        if (!filter || key.startsWith(`${filter}.`)) out[key] = value;
      }
      return out;
    },
  };
}

export interface RenderOptions {
  /** All templates, keyed like `layout/base` (see loadTemplates). */
  templates: Record<string, string>;
  /** The page to render, e.g. `layout/base`. */
  page: string;
  /** The render context; `theme_settings` belongs here. */
  context: Record<string, unknown>;
  /** Theme settings for helpers (cdn); defaults to `context.theme_settings`. */
  themeSettings?: Record<string, unknown>;
  siteSettings?: Record<string, unknown>;
  /** The Content-Security-Policy nonce the `nonce` helper prints. */
  nonce?: string;
  translator?: Translator;
}

/** Renders one page with a fresh renderer. */
export async function renderPage(options: RenderOptions): Promise<string> {
  const themeSettings =
    options.themeSettings ?? (options.context.theme_settings as Record<string, unknown>) ?? {};
  const renderer = new HandlebarsRenderer(
    options.siteSettings ?? {
      cdn_url: 'https://cdn.example.test/s-abc123',
      theme_version_id: 'v1',
    },
    themeSettings,
    'v4',
    console,
    'error',
    options.nonce === undefined ? {} : { security: { nonce: options.nonce } },
  );
  const processed = renderer.getPreProcessor()(options.templates);
  renderer.addTemplates(processed);
  if (options.translator) renderer.setTranslator(options.translator);
  return renderer.render(options.page, structuredClone(options.context));
}
