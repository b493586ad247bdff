import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';

export const CLIENT_ID = '6sv16tfx3j5gsopm42ss5dd67g2srvq';
export const CLIENT_SECRET = 'test-client-secret-4f1d0b7e9a2c';
export const STORE_HASH = 'abc123';
/** A fixed "now" for every test, in seconds. */
export const NOW = 1_700_000_000;
export const nowMs = (): number => NOW * 1000;

export const secretBytes = new TextEncoder().encode(CLIENT_SECRET);

/** The claims BigCommerce issues, fresh at NOW, with overrides (undefined deletes a claim). */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    customer: { id: 4927, email: 'john.doe@gmail.com', group_id: '6' },
    iss: 'bc/apps',
    sub: STORE_HASH,
    iat: NOW - 5,
    exp: NOW - 5 + 900,
    version: 1,
    aud: CLIENT_ID,
    application_id: '6sv16tasdgr2b5hs5dd67g2srvq',
    store_hash: STORE_HASH,
    operation: 'current_customer',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

/** A token signed by jose's SignJWT. */
export function sign(
  payload: Record<string, unknown> = claims(),
  secret: string = CLIENT_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader(header as { alg: string })
    .sign(new TextEncoder().encode(secret));
}

export const b64url = (value: string | Uint8Array): string =>
  Buffer.from(value).toString('base64url');

/** A token built by hand: any header, any payload text, HS256-signed with `secret` (or no signature). */
export function handBuilt(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  secret: string | null = CLIENT_SECRET,
): string {
  const h = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64url(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const input = `${h}.${p}`;
  if (secret === null) return `${input}.`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Signs an already-encoded signing input (for odd encodings). */
export function signInput(input: string, secret: string = CLIENT_SECRET): string {
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Writes a JSON body of 4 MiB and more (`{"token":"xxx…"}`), waiting for `drain` as it goes: far past any limit. */
export function writeHugeJsonBody(req: {
  write(chunk: string): boolean;
  end(chunk: string): void;
  once(event: 'drain', listener: () => void): unknown;
}): void {
  const chunk = 'x'.repeat(1024);
  req.write('{"token":"');
  let sent = 0;
  const pump = (): void => {
    while (sent < 4 * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) {
        req.once('drain', pump);
        return;
      }
    }
    req.end('"}');
  };
  pump();
}
