// Renders Stencil templates through the local storefront emulator's renderer (src/dev/renderer.ts), which
// wraps BigCommerce's real one, so the theme tests exercise what the emulator ships. What is left here is
// for tests only: a theme held in memory, and a render call that takes the theme settings from the context.
import type { ThemeRenderer, ThemeSource } from '../../../src/dev/renderer.js';

/** A theme of templates held in memory, keyed like `layout/base`, without settings or translations. */
export function memoryTheme(templates: Record<string, string>): ThemeSource {
  return { dir: '(templates in memory)', engine: 'v4', settings: {}, templates, translations: {} };
}

export interface PageOptions {
  /** The page to render, e.g. `layout/base`. */
  page: string;
  /** The render context; its `theme_settings` are the theme settings the helpers read. */
  context: Record<string, unknown>;
  siteSettings: Record<string, unknown>;
  /** The Content-Security-Policy nonce the `nonce` helper prints. */
  nonce?: string;
}

/** Renders one page, its theme settings taken from `context.theme_settings`. */
export function renderPage(renderer: ThemeRenderer, options: PageOptions): Promise<string> {
  const { theme_settings: themeSettings = {}, ...context } = options.context;
  return renderer.render({
    page: options.page,
    context,
    siteSettings: options.siteSettings,
    themeSettings: themeSettings as Record<string, unknown>,
    nonce: options.nonce,
  });
}
