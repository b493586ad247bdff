// The driver layer's vocabulary: what a browser test may ask of any engine. Each engine (chromium.ts,
// firefox.ts, webkit.ts) implements it with its own protocol; the tests see only these types.

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface LaunchOptions {
  /** Keep the back/forward cache on (Playwright turns Chromium's off by default). */
  backForwardCache?: boolean;
  /**
   * Host names this browser resolves to 127.0.0.1 besides 127.0.0.1 itself (as a DNS rebinding attacker
   * arranges). Chromium only (its host resolver rules); the other engines refuse the option.
   */
  mapToLoopback?: readonly string[];
}

/** A running browser. */
export interface Session {
  readonly engine: EngineName;
  /** A fresh cookie jar; its tabs share BroadcastChannel and Web Locks, as tabs of one browser profile do. */
  newContext(): Promise<Context>;
  close(): Promise<void>;
}

export interface Context {
  /** A new tab (a visible window where the engine has no other way to make one visible). */
  newTab(): Promise<Tab>;
  /**
   * Script run in every document of this context before the page's own scripts, for tabs opened after the
   * call. WebKit: injected into each HTML response by the context's proxy, with the page's CSP nonce.
   * A function is called with no argument (its source text: it must not close over anything).
   */
  addInitScript(script: string | (() => void)): Promise<void>;
  close(): Promise<void>;
}

export interface Cookie {
  name: string;
  value: string;
}

export interface Tab {
  readonly engine: EngineName;
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /** `history.back()`; resolves once the document of the previous entry shows (loaded or restored). */
  back(): Promise<void>;
  reload(): Promise<void>;
  /**
   * Runs `fn` in the page (its source text: it must not close over anything) with `arg` (JSON) and
   * resolves with its JSON result, awaited when it is a promise.
   */
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  bringToFront(): Promise<void>;
  /**
   * What the current document logged, as `type: text` (`warning` for console.warn), and its uncaught
   * errors as `pageerror: message` (Firefox's own network and security notices as `browser: message`).
   * Chromium and Firefox: from the protocol, since the tab opened
   * (browser messages included); WebKit: recorded in the page, for the current document only.
   */
  log(): Promise<string[]>;
  /** The cookies the browser holds for the current document's URL, HttpOnly ones included. */
  cookies(): Promise<Cookie[]>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** Why this machine cannot run the engine (what to install), or undefined when it can. */
  missing(): string | undefined;
  /** The browser's own version line. */
  version(): string;
  launch(options?: LaunchOptions): Promise<Session>;
}
