// Every call into a browser is bounded: a broken driver or page must fail the test, never hang it.

export const CALL_TIMEOUT_MS = 20_000;

/** `promise`, or a rejection naming `what` after `ms`. */
export function bounded<T>(promise: Promise<T>, what: string, ms = CALL_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. A throwing check counts as false. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    const held = await bounded(Promise.resolve(check()), what, remaining).catch(() => false);
    if (held) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(30);
  }
}

/** The source text that calls `fn` with `arg`, for protocols that take an expression. */
export function callSource(fn: (arg: never) => unknown, arg: unknown): string {
  return `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`;
}

/** Waits until the tab shows a complete document at another URL than `from` (after back). */
export function leftFor(
  evaluate: (fn: () => string) => Promise<unknown>,
  from: string,
): Promise<void> {
  return waitFor(async () => {
    const [href, state] = String(
      await evaluate(() => `${location.href} ${document.readyState}`),
    ).split(' ');
    return href !== from && state === 'complete';
  }, `another page than ${from} after back`);
}

/** An init script's source: a string as given, or a function called with no argument. */
export const scriptSource = (script: string | (() => void)): string =>
  typeof script === 'string' ? script : `${callSource(script, undefined)};`;
