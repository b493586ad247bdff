// Request and response helpers of the storefront emulator: plain-text answers, its session cookie, same-origin
// redirects, and its small HTML forms (read with a size limit).
import { readLimited } from '../server/body.js';

/** A plain-text answer, never cached. */
export function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

/** The value of cookie `name` in the request, if any. */
export function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A same-origin path to go back to after logging in or out; anything else becomes `/`. */
export function safeRedirect(candidate: string | null | undefined, request: Request): string {
  if (candidate?.startsWith('/') && !candidate.startsWith('//') && !candidate.includes('\\')) {
    return candidate;
  }
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      const from = new URL(referer);
      if (from.origin === new URL(request.url).origin) return `${from.pathname}${from.search}`;
    } catch {
      // not a URL: ignore it
    }
  }
  return '/';
}

/** The emulator's forms are a few fields: a larger body is refused. */
const MAX_FORM_BYTES = 64 * 1024;

/** A form body too large to be one of the emulator's forms: answered 413. */
export class FormTooLarge extends Error {}

/** The request body as text, reading no more than `MAX_FORM_BYTES`. */
async function boundedText(request: Request): Promise<string> {
  const body = await readLimited(request, MAX_FORM_BYTES);
  if (body === 'too_large') throw new FormTooLarge();
  return new TextDecoder().decode(body);
}

export async function formParams(request: Request): Promise<URLSearchParams> {
  const params = new URL(request.url).searchParams;
  if (request.method === 'POST') {
    const type = request.headers.get('content-type') ?? '';
    if (type.startsWith('application/x-www-form-urlencoded')) {
      for (const [key, value] of new URLSearchParams(await boundedText(request))) {
        params.set(key, value);
      }
    }
  }
  return params;
}
