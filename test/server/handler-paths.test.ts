// One table of requests, each sent over real HTTP to the handler on both of toNodeListener's paths: the Fetch path
// (the handler reached as any Fetch handler is, through a Request and a Response) and the direct path (the
// handler's endpoint on Node's own request and response). Both must give the table's answer, and the same one.
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CurrentCustomerHandlerOptions,
  createCurrentCustomerHandler,
  MAX_BODY_BYTES,
  toNodeListener,
} from '../../src/server/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  claims,
  NOW,
  nowMs,
  STORE_HASH,
  sign,
  writeHugeJsonBody,
} from './helpers.js';

const STOREFRONT = 'https://store.example.com';
const EVIL = 'https://evil.example.net';
const BODY_TIMEOUT_MS = 400;

const baseOptions: CurrentCustomerHandlerOptions = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  storeHash: STORE_HASH,
  now: nowMs,
  allowedOrigins: [STOREFRONT, 'http://localhost:3000/'],
};

/** The handler configurations the table uses, by name. */
const configurations = {
  default: {},
  credentials: { allowCredentials: true },
  originFunction: {
    allowedOrigins: (origin: string, request: Request) =>
      origin.endsWith('.mybigcommerce.com') && request.headers.get('x-shop') === 'yes',
  },
  throws: {
    onCustomer: () => {
      throw new Error('database down');
    },
    onError: () => {},
  },
  nothing: { onCustomer: () => undefined },
  unicode: { onCustomer: () => ({ name: 'Zoë Ångström 😀 中文', lone: '\ud800' }) },
  response: {
    onCustomer: ({ customer }) =>
      new Response(`customer ${customer.id}`, {
        status: 201,
        headers: {
          'content-type': 'text/plain',
          'content-length': '3',
          'x-app': 'yes',
          vary: 'Accept',
        },
      }),
  },
  cookies: {
    onCustomer: () => {
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
      headers.append('set-cookie', 'b=2; Path=/; Secure');
      return new Response('{}', { headers });
    },
  },
  readsRequest: {
    onCustomer: (verified, request) => ({
      id: verified.customer.id,
      isRequest: request instanceof Request,
      method: request.method,
      path: new URL(request.url).pathname,
      shop: request.headers.get('x-shop'),
      bodyUsed: request.bodyUsed,
    }),
  },
  lookupRefuses: { storeHash: async () => false },
  lookupFails: {
    storeHash: async () => {
      throw new Error('store database down');
    },
    onError: () => {},
  },
} satisfies Record<string, Partial<CurrentCustomerHandlerOptions>>;

type Configuration = keyof typeof configurations;
type PathName = 'Fetch path' | 'direct path';
const PATHS: PathName[] = ['Fetch path', 'direct path'];

const servers: Server[] = [];
const urls = new Map<string, string>();

async function urlOf(configuration: Configuration, path: PathName): Promise<string> {
  const key = `${configuration} ${path}`;
  const known = urls.get(key);
  if (known !== undefined) return known;
  const handler = createCurrentCustomerHandler({
    ...baseOptions,
    ...configurations[configuration],
  } as CurrentCustomerHandlerOptions);
  const listener = toNodeListener(
    path === 'direct path' ? handler : (request: Request) => handler(request),
    { bodyTimeoutMs: BODY_TIMEOUT_MS },
  );
  const server = createServer(listener as Parameters<typeof createServer>[1]);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/current-customer`;
  urls.set(key, url);
  return url;
}

afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the body is sent: whole, in two parts with a pause, or as an endless chunked stream. */
type Body =
  | { kind: 'none' }
  | { kind: 'whole'; text: string }
  | { kind: 'slow'; text: string; pauseMs: number }
  | { kind: 'stalled'; declared: number; text: string }
  | { kind: 'endless' };

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Body,
  target?: (url: URL) => string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = { ...headers };
    const options = target
      ? { method, headers: outgoing, path: target(new URL(url)) }
      : { method, headers: outgoing };
    if (body.kind === 'whole' || body.kind === 'slow') {
      outgoing['content-length'] = String(Buffer.byteLength(body.text));
    }
    if (body.kind === 'stalled') outgoing['content-length'] = String(body.declared);
    const req = httpRequest(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    // The server may close while a body is still being sent: the answer is what counts then.
    req.on('error', body.kind === 'endless' || body.kind === 'stalled' ? () => {} : reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer')));
    if (body.kind === 'none') req.end();
    else if (body.kind === 'whole') req.end(body.text);
    else if (body.kind === 'slow') {
      const half = Math.floor(body.text.length / 2);
      req.write(body.text.slice(0, half));
      setTimeout(() => req.end(body.text.slice(half)), body.pauseMs);
    } else if (body.kind === 'stalled') {
      req.write(body.text);
    } else {
      writeHugeJsonBody(req);
    }
  });
}

interface Case {
  name: string;
  configuration?: Configuration;
  method?: string;
  headers?: Record<string, string>;
  body?: Body | ((token: string) => Body);
  status: number;
  /** The JSON body, or the text body when a string. */
  answer?: unknown;
  /** Header values the answer must have; `null`: the header must be absent. */
  answerHeaders?: Record<string, string | null>;
  /** The request target, when not the URL's path (an absolute-form target, say). */
  target?: (url: URL) => string;
}

const fromStore = { origin: STOREFRONT, 'content-type': 'application/json' };
const json = (token: string): Body => ({ kind: 'whole', text: JSON.stringify({ token }) });
/** The browser module's default POST: the token alone as text/plain, a CORS simple request. */
const asText = { origin: STOREFRONT, 'content-type': 'text/plain;charset=UTF-8' };
const text = (token: string): Body => ({ kind: 'whole', text: token });
const withCors = {
  'access-control-allow-origin': STOREFRONT,
  'access-control-expose-headers': 'Retry-After',
  vary: 'Origin',
  'cache-control': 'no-store',
};
const noCors = { 'access-control-allow-origin': null, 'access-control-expose-headers': null };
const defaultAnswer = {
  customer: { id: 4927, email: 'john.doe@gmail.com', groupId: '6' },
  storeHash: STORE_HASH,
};

let token = '';
const tokens: Record<string, string> = {};
beforeAll(async () => {
  token = await sign();
  tokens.wrongSecret = await sign(claims(), 'wrong-secret');
  tokens.expired = await sign(claims({ iat: NOW - 2000, exp: NOW - 1100 }));
  tokens.otherStore = await sign(claims({ store_hash: 'attackertrial', sub: 'attackertrial' }));
  tokens.hs512 = await sign(claims(), CLIENT_SECRET, { alg: 'HS512' });
  tokens.otherAudience = await sign(claims({ aud: 'another-app-client-id' }));
});

/** A text body of exactly the limit: the token, then spaces. */
const paddedText = (): string => `${token}${' '.repeat(MAX_BODY_BYTES - token.length)}`;

const padded = (): string => {
  const fits = JSON.stringify({ token, p: '' });
  return fits.replace('"p":""', `"p":"${'x'.repeat(MAX_BODY_BYTES - fits.length)}"`);
};

const cases: Case[] = [
  {
    name: 'a valid token in a JSON body: 200, the default answer, CORS headers',
    headers: fromStore,
    body: json,
    status: 200,
    answer: defaultAnswer,
    answerHeaders: {
      ...withCors,
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-credentials': null,
    },
  },
  {
    name: 'a valid token as Authorization: Bearer, no body',
    headers: { origin: STOREFRONT },
    body: () => ({ kind: 'none' }),
    status: 200,
    answer: defaultAnswer,
    answerHeaders: withCors,
  },
  {
    name: 'credentials, when configured',
    configuration: 'credentials',
    headers: fromStore,
    body: json,
    status: 200,
    answerHeaders: { ...withCors, 'access-control-allow-credentials': 'true' },
  },
  {
    name: 'a preflight from an allowed origin: 204 with methods, headers and max age',
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    status: 204,
    answer: '',
    answerHeaders: {
      'access-control-allow-origin': 'http://localhost:3000',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': '7200',
      allow: 'POST, OPTIONS',
      vary: 'Origin',
    },
  },
  {
    name: 'a preflight from another origin: 403, no CORS headers',
    method: 'OPTIONS',
    headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    status: 403,
    answer: { error: 'origin_not_allowed' },
    answerHeaders: { ...noCors, vary: 'Origin' },
  },
  {
    name: 'a POST from another origin: 403 before any verification',
    headers: { ...fromStore, origin: EVIL },
    body: () => ({ kind: 'whole', text: '{"token":"x.y.z"}' }),
    status: 403,
    answer: { error: 'origin_not_allowed' },
    answerHeaders: noCors,
  },
  {
    name: 'Origin "null": 403',
    headers: { ...fromStore, origin: 'null' },
    body: json,
    status: 403,
    answer: { error: 'origin_not_allowed' },
  },
  {
    name: 'an origin function that reads the request: allowed',
    configuration: 'originFunction',
    headers: { ...fromStore, origin: 'https://a.mybigcommerce.com', 'x-shop': 'yes' },
    body: json,
    status: 200,
    answerHeaders: { 'access-control-allow-origin': 'https://a.mybigcommerce.com' },
  },
  {
    name: 'an origin function that reads the request: refused',
    configuration: 'originFunction',
    headers: { ...fromStore, origin: 'https://a.mybigcommerce.com' },
    body: json,
    status: 403,
    answer: { error: 'origin_not_allowed' },
  },
  {
    name: 'no Origin header (server to server): served, no CORS headers',
    headers: { 'content-type': 'application/json' },
    body: json,
    status: 200,
    answer: defaultAnswer,
    answerHeaders: { ...noCors, vary: 'Origin', 'cache-control': 'no-store' },
  },
  {
    name: 'GET: 405 with Allow',
    method: 'GET',
    headers: { origin: STOREFRONT },
    status: 405,
    answer: { error: 'method_not_allowed' },
    answerHeaders: { ...withCors, allow: 'POST, OPTIONS' },
  },
  {
    name: 'PUT: 405 with Allow',
    method: 'PUT',
    headers: fromStore,
    body: json,
    status: 405,
    answer: { error: 'method_not_allowed' },
    answerHeaders: { allow: 'POST, OPTIONS' },
  },
  {
    name: 'TRACE, which the Fetch API refuses: 405, never 500',
    method: 'TRACE',
    headers: { origin: STOREFRONT },
    status: 405,
    answer: { error: 'method_not_allowed' },
    answerHeaders: { allow: 'POST, OPTIONS' },
  },
  ...['text/html', 'application/x-www-form-urlencoded', 'application/jsonx'].map(
    (type): Case => ({
      name: `content type ${type}: 415`,
      headers: { ...fromStore, 'content-type': type },
      body: json,
      status: 415,
      answer: { error: 'unsupported_media_type' },
      answerHeaders: withCors,
    }),
  ),
  {
    name: 'content type Application/JSON; charset=utf-8: read',
    headers: { ...fromStore, 'content-type': 'Application/JSON; charset=utf-8' },
    body: json,
    status: 200,
  },
  ...(
    [
      ['{"token":', 'invalid_json'],
      ['', 'invalid_json'],
      ['\xff', 'invalid_json'],
      ['{}', 'token_missing'],
      ['{"token":""}', 'token_missing'],
      ['{"token":42}', 'token_missing'],
      ['["x"]', 'token_missing'],
      ['null', 'token_missing'],
    ] as const
  ).map(
    ([text, code]): Case => ({
      name: `body ${JSON.stringify(text)}: 400 ${code}`,
      headers: fromStore,
      body: () => ({ kind: 'whole', text }),
      status: 400,
      answer: { error: code },
      answerHeaders: withCors,
    }),
  ),
  {
    name: 'a valid token as text/plain (no preflight): 200, the default answer, CORS headers',
    headers: asText,
    body: text,
    status: 200,
    answer: defaultAnswer,
    answerHeaders: { ...withCors, 'content-type': 'application/json; charset=utf-8' },
  },
  {
    name: 'text/plain with whitespace around the token, Text/Plain spelled any way: 200',
    headers: { ...asText, 'content-type': 'Text/Plain ; charset=utf-8' },
    body: (token) => ({ kind: 'whole', text: `\r\n\t ${token} \n\n` }),
    status: 200,
    answer: defaultAnswer,
  },
  ...(
    [
      ['', 'token_missing'],
      [' \r\n\t ', 'token_missing'],
    ] as const
  ).map(
    ([body, code]): Case => ({
      name: `text/plain ${JSON.stringify(body)}: 400 ${code}`,
      headers: asText,
      body: () => ({ kind: 'whole', text: body }),
      status: 400,
      answer: { error: code },
      answerHeaders: withCors,
    }),
  ),
  {
    name: 'text/plain holding JSON: 401 token_malformed',
    headers: asText,
    body: (token) => ({ kind: 'whole', text: `{"token":"${token}"}` }),
    status: 401,
    answer: { error: 'token_malformed' },
  },
  {
    name: 'a text/plain body of exactly 8 KiB: read',
    headers: asText,
    body: () => ({ kind: 'whole', text: paddedText() }),
    status: 200,
  },
  {
    name: 'a text/plain content-length over 8 KiB: 413',
    headers: asText,
    body: () => ({ kind: 'whole', text: `${paddedText()} ` }),
    status: 413,
    answer: { error: 'payload_too_large' },
    answerHeaders: withCors,
  },
  {
    name: 'an endless chunked text/plain body: 413, and the connection is closed without reading it all',
    headers: asText,
    body: () => ({ kind: 'endless' }),
    status: 413,
    answer: { error: 'payload_too_large' },
    answerHeaders: { connection: 'close' },
  },
  {
    name: 'a text/plain POST from another origin (a simple request, no preflight): 403',
    headers: { ...asText, origin: EVIL },
    body: text,
    status: 403,
    answer: { error: 'origin_not_allowed' },
    answerHeaders: noCors,
  },
  {
    name: 'a token for another client id: 401 claim_invalid naming aud',
    headers: asText,
    body: () => text(tokens.otherAudience ?? ''),
    status: 401,
    answer: { error: 'claim_invalid', claim: 'aud' },
    answerHeaders: withCors,
  },
  {
    name: 'a Host with userinfo: dropped from the URL the callbacks get, never 500',
    configuration: 'readsRequest',
    headers: { ...asText, host: 'user@app.example.com' },
    body: text,
    status: 200,
    answer: {
      id: 4927,
      isRequest: true,
      method: 'POST',
      path: '/api/current-customer',
      shop: null,
      bodyUsed: true,
    },
  },
  {
    name: 'an absolute-form target with user:pass@: dropped from the URL the callbacks get, never 500',
    configuration: 'readsRequest',
    headers: asText,
    body: text,
    target: (url) => `http://user:pass@${url.host}${url.pathname}`,
    status: 200,
    answer: {
      id: 4927,
      isRequest: true,
      method: 'POST',
      path: '/api/current-customer',
      shop: null,
      bodyUsed: true,
    },
  },
  {
    name: 'a bare Authorization: Bearer: 400 token_missing',
    headers: { origin: STOREFRONT, authorization: 'Bearer' },
    status: 400,
    answer: { error: 'token_missing' },
  },
  ...(
    [
      ['wrongSecret', 'signature_invalid'],
      ['expired', 'token_expired'],
      ['hs512', 'algorithm_not_allowed'],
      ['otherStore', 'store_not_allowed'],
    ] as const
  ).map(
    ([name, code]): Case => ({
      name: `a token refused (${code}): 401`,
      headers: fromStore,
      body: () => json(tokens[name] ?? ''),
      status: 401,
      answer: { error: code },
      answerHeaders: withCors,
    }),
  ),
  {
    name: 'a store lookup that answers false: 401 store_not_allowed',
    configuration: 'lookupRefuses',
    headers: fromStore,
    body: json,
    status: 401,
    answer: { error: 'store_not_allowed' },
  },
  {
    name: 'a store lookup that fails: 503 with Retry-After',
    configuration: 'lookupFails',
    headers: fromStore,
    body: json,
    status: 503,
    answer: { error: 'store_lookup_failed' },
    answerHeaders: { ...withCors, 'retry-after': '5' },
  },
  {
    name: 'a body of exactly 8 KiB: read',
    headers: fromStore,
    body: () => ({ kind: 'whole', text: padded() }),
    status: 200,
  },
  {
    name: 'content-length over 8 KiB: 413',
    headers: fromStore,
    body: () => ({ kind: 'whole', text: `${padded()} ` }),
    status: 413,
    answer: { error: 'payload_too_large' },
    answerHeaders: withCors,
  },
  {
    name: 'an endless chunked body: 413, and the connection is closed without reading it all',
    headers: fromStore,
    body: () => ({ kind: 'endless' }),
    status: 413,
    answer: { error: 'payload_too_large' },
    answerHeaders: { connection: 'close' },
  },
  {
    name: 'a content-length the body never reaches: 408 after bodyTimeoutMs, connection closed',
    headers: fromStore,
    body: (token) => ({ kind: 'stalled', declared: 2000, text: JSON.stringify({ token }) }),
    status: 408,
    answer: { error: 'request_timeout' },
    answerHeaders: { connection: 'close' },
  },
  {
    name: 'a body that arrives slowly, but within bodyTimeoutMs: read',
    headers: fromStore,
    body: (token) => ({ kind: 'slow', text: JSON.stringify({ token }), pauseMs: 150 }),
    status: 200,
    answer: defaultAnswer,
  },
  {
    name: 'onCustomer throws: 500 with a generic body',
    configuration: 'throws',
    headers: fromStore,
    body: json,
    status: 500,
    answer: { error: 'internal_error' },
    answerHeaders: withCors,
  },
  {
    name: 'onCustomer returns text beyond ASCII: its length in bytes, not in characters',
    configuration: 'unicode',
    headers: fromStore,
    body: json,
    status: 200,
    answer: { name: 'Zoë Ångström 😀 中文', lone: '\ud800' },
    answerHeaders: {
      'content-length': String(
        Buffer.byteLength(JSON.stringify({ name: 'Zoë Ångström 😀 中文', lone: '\ud800' })),
      ),
    },
  },
  {
    name: 'onCustomer returns nothing: 204',
    configuration: 'nothing',
    headers: fromStore,
    body: json,
    status: 204,
    answer: '',
    answerHeaders: withCors,
  },
  {
    name: 'onCustomer returns a Response: passed through with CORS added and its framing left to Node',
    configuration: 'response',
    headers: fromStore,
    body: json,
    status: 201,
    answer: 'customer 4927',
    answerHeaders: {
      'access-control-allow-origin': STOREFRONT,
      'access-control-expose-headers': 'Retry-After',
      'x-app': 'yes',
      vary: 'Accept, Origin',
      'content-length': '13',
    },
  },
  {
    name: 'onCustomer reads the Request: method, URL and headers as sent, the body used up',
    configuration: 'readsRequest',
    headers: { ...fromStore, 'x-shop': 'main' },
    body: json,
    status: 200,
    answer: {
      id: 4927,
      isRequest: true,
      method: 'POST',
      path: '/api/current-customer',
      shop: 'main',
      bodyUsed: true,
    },
  },
];

/** Headers that describe the connection or the moment, not the answer. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
const stable = (headers: IncomingHttpHeaders): Record<string, unknown> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !VOLATILE.has(name)));

describe.each(cases)('$name', (c) => {
  const answers = new Map<PathName, Answer>();

  it.each(PATHS)('%s', async (path) => {
    const url = await urlOf(c.configuration ?? 'default', path);
    const body =
      typeof c.body === 'function' ? c.body(token) : (c.body ?? ({ kind: 'none' } as Body));
    const headers = { ...c.headers };
    if (c.headers === undefined || (!('authorization' in headers) && body.kind === 'none')) {
      if (c.method === undefined) headers.authorization = `Bearer ${token}`;
    }
    const answer = await send(url, c.method ?? 'POST', headers, body, c.target);
    answers.set(path, answer);
    expect(answer.status).toBe(c.status);
    if (c.answer !== undefined) {
      if (typeof c.answer === 'string') expect(answer.body).toBe(c.answer);
      else expect(JSON.parse(answer.body)).toEqual(c.answer);
    }
    for (const [name, value] of Object.entries(c.answerHeaders ?? {})) {
      expect(answer.headers[name], name).toBe(value ?? undefined);
    }
  });

  it('gives the same answer on both paths', () => {
    const [fetchPath, direct] = PATHS.map((path) => answers.get(path));
    expect(fetchPath).toBeDefined();
    expect(direct?.status).toBe(fetchPath?.status);
    expect(direct?.body).toBe(fetchPath?.body);
    expect(stable(direct?.headers ?? {})).toEqual(stable(fetchPath?.headers ?? {}));
  });
});

describe('the direct path', () => {
  it('is taken for a handler made by another copy of the module (a dual CommonJS and ES module install)', async () => {
    // The built entry is a second module instance, with module state of its own: the endpoint must be found
    // through the handler itself, not through a map held by one copy. Needs `npm run build`.
    const built = (await import(
      '../../dist/server.js' as string
    )) as typeof import('../../src/server/index.js');
    const handler = built.createCurrentCustomerHandler(baseOptions);
    const server = createServer(toNodeListener(handler) as Parameters<typeof createServer>[1]);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const requests = vi.fn();
    const Original = globalThis.Request;
    globalThis.Request = class extends Original {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args);
        requests();
      }
    };
    try {
      const answer = await send(url, 'POST', fromStore, json(token));
      expect(answer.status).toBe(200);
      // The Fetch path would have built a Request for the handler.
      expect(requests).not.toHaveBeenCalled();
    } finally {
      globalThis.Request = Original;
    }
  });

  it('builds no Request for an answer whose callbacks do not ask for one', async () => {
    const built = vi.fn();
    const Original = globalThis.Request;
    class CountingRequest extends Original {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args);
        built();
      }
    }
    globalThis.Request = CountingRequest;
    try {
      const url = await urlOf('default', 'direct path');
      const ok = await send(url, 'POST', fromStore, json(token));
      expect(ok.status).toBe(200);
      expect(built).not.toHaveBeenCalled();
      // An onCustomer that is given the Request but does not touch it.
      const ignores = await urlOf('nothing', 'direct path');
      expect((await send(ignores, 'POST', fromStore, json(token))).status).toBe(204);
      expect(built).not.toHaveBeenCalled();
      const reads = await urlOf('readsRequest', 'direct path');
      const read = await send(reads, 'POST', fromStore, json(token));
      expect(read.status).toBe(200);
      expect(built).toHaveBeenCalledTimes(1);
    } finally {
      globalThis.Request = Original;
    }
  });
});
