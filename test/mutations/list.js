// The mutations `npm run test:mutations` applies, one at a time, each to a scratch copy of the package. Each breaks
// one rule the package promises, with a search/replace on one file; `tests` names the test that claims to cover that
// rule (a file, and the part of a test's name that picks it), and that test must fail. A `search` that no longer
// matches exactly once is an error naming the mutation: update it with the code it targets.
// A mutation that needs two edits in its file lists them as `edits` instead.
// `build: true`: the test runs the built drop-in file, so the scratch copy is built after the change.

/** @typedef {{ file: string, name?: string }} TestRef */
/** @typedef {{ search: string, replace: string }} Edit */
/**
 * @typedef {{ id: string, rule: string, file: string, search?: string, replace?: string, edits?: Edit[],
 *   tests: TestRef, build?: boolean }} Mutation
 */

/** @type {Mutation[]} */
export const MUTATIONS = [
  // The browser module.
  {
    id: 'secrecy-error-cause',
    rule: 'an HTTP error carries the request body (which holds the token) as its cause',
    file: 'src/client/requests.ts',
    search: '      undefined,\n      undefined,\n      status,',
    replace: '      undefined,\n      init.body,\n      status,',
    tests: { file: 'test/client/secrecy.test.ts', name: 'the token stays in memory' },
  },
  {
    id: 'secrecy-debug-log',
    rule: 'the debug log names the token too',
    file: 'src/client/emitter.ts',
    search: 'if (debug) console.debug(name, appClientId);',
    replace: 'if (debug) console.debug(name, appClientId, { token: state.token });',
    tests: { file: 'test/client/secrecy.test.ts', name: 'the token stays in memory' },
  },
  {
    id: 'secrecy-malformed-cause',
    rule: 'a token the module refuses is not carried in the error',
    file: 'src/client/token.ts',
    search: "throw new CurrentCustomerError('token_malformed');",
    replace: "throw new CurrentCustomerError('token_malformed', undefined, jwt);",
    tests: { file: 'test/client/secrecy.test.ts', name: 'the token stays in memory' },
  },
  {
    id: 'client-exp-storefront-clock',
    rule: "expiry is the token's exp compared with Date.now(), not a lifetime on the local clock",
    file: 'src/client/identity.ts',
    search: '      state.expiresAt = Date.now() + ttl;\n      state.deadline = now() + ttl;',
    replace:
      '      state.expiresAt = (claims.exp - 30) * 1000;\n      state.deadline = Number.POSITIVE_INFINITY;',
    tests: {
      file: 'test/client/client.test.ts',
      name: 'a 15-minute token is cached for 14.5 minutes',
    },
  },
  {
    id: 'client-no-single-flight',
    rule: 'concurrent callers share one request',
    file: 'src/client/scope.ts',
    search: 'if (!current || since !== state.scope) {',
    replace: 'if (true) {',
    tests: { file: 'test/client/client.test.ts', name: 'single flight' },
  },
  {
    id: 'client-posts-for-guest',
    rule: 'nothing is posted for a guest',
    file: 'src/client/exchange.ts',
    // Both guards: the first answers null for a guest, the second refuses a token gone since.
    edits: [
      { search: '      if (!(await getToken())) return null;\n', replace: '' },
      {
        search:
          "if (!jwt || state.generation !== since) throw new CurrentCustomerError('customer_changed');",
        replace:
          "if (state.generation !== since) throw new CurrentCustomerError('customer_changed');",
      },
    ],
    tests: { file: 'test/client/client.test.ts', name: 'posts nothing' },
  },
  {
    id: 'client-timeout-zero',
    rule: 'a request is aborted after timeoutMs, not at once',
    file: 'src/client/requests.ts',
    search: 'await timeout(state, timeoutMs, async',
    replace: 'await timeout(state, 0, async',
    tests: { file: 'test/client/client.test.ts', name: 'a custom timeoutMs applies' },
  },
  {
    id: 'client-retry-keeps-token',
    rule: 'a POST retried after a wait carries a fresh token (a switch may happen on pages without the module)',
    file: 'src/client/exchange.ts',
    search: '    forget(state);\n    return wait(state, ms);',
    replace: '    return wait(state, ms);',
    tests: {
      file: 'test/client/client.test.ts',
      name: 'carries a fresh token from the storefront',
    },
  },
  {
    id: 'client-timed-out-post-retried',
    rule: 'a POST that timed out is not sent again',
    file: 'src/client/requests.ts',
    search: "    if (side === 'backend' && error.code === 'timeout') final.add(error);\n",
    replace: '',
    tests: { file: 'test/client/client.test.ts', name: 'a POST that timed out is not sent again' },
  },
  {
    id: 'client-401-unbounded',
    rule: 'a backend that answers 401 gets one fresh token and one more POST, not a loop',
    file: 'src/client/exchange.ts',
    search:
      "if (refused || (error as CurrentCustomerError).code !== 'backend_http_401') throw error;",
    replace: "if ((error as CurrentCustomerError).code !== 'backend_http_401') throw error;",
    tests: { file: 'test/client/client.test.ts', name: 'backend 401: fetches a fresh token once' },
  },
  {
    id: 'client-leeway-loop',
    rule: 'a leeway as long as the lifetime still caches a token for half its lifetime',
    file: 'src/client/exchange.ts',
    search: 'const ttl = Math.max(lifetime - leewaySeconds, lifetime / 2) * 1000;',
    replace: 'const ttl = (lifetime - leewaySeconds) * 1000;',
    tests: { file: 'test/client/client.test.ts', name: 'a leeway as long as the lifetime' },
  },
  {
    id: 'tabs-adopt-unseen',
    rule: 'a client without customerId never adopts an older token for an identity it has not seen',
    file: 'src/client/sync.ts',
    search: '(state.seen === undefined || !sameCustomer(claims.customer.id, state.seen))',
    replace: '(state.seen !== undefined && !sameCustomer(claims.customer.id, state.seen))',
    tests: { file: 'test/client/tabs.test.ts', name: 'never adopts an open tab' },
  },
  {
    id: 'tabs-full-ttl',
    rule: 'a token from another tab keeps the lifetime that tab says remains',
    file: 'src/client/sync.ts',
    search: 'identity.accept(token, claims, message.ttl as number);',
    replace: 'identity.accept(token, claims, (claims.exp - claims.iat) * 1000);',
    tests: { file: 'test/client/tabs.test.ts', name: 'keeps the lifetime that tab says remains' },
  },
  {
    id: 'tabs-guest-hint-ignored',
    rule: 'a guest hint makes one tab ask the storefront',
    file: 'src/client/sync.ts',
    search: '          state.guestHint = true;\n          recheck();\n',
    replace: '',
    tests: { file: 'test/client/tabs.test.ts', name: 'a logout that lands on a guest page' },
  },
  {
    id: 'tabs-hint-every-tab',
    rule: 'a guest hint costs one storefront request for the whole browser, not one per tab',
    file: 'src/client/sync.ts',
    search: '    if (message.checked) state.guestHint = false;\n',
    replace: '',
    tests: { file: 'test/client/tabs.test.ts', name: 'a stale guest page' },
  },
  {
    id: 'tabs-bye-ignored',
    rule: 'the count of open tabs is not reused after a tab closed',
    file: 'src/client/tabs.ts',
    search:
      "      if (data.type === 'bye') others.delete(data.from);\n      else others.add(data.from);",
    replace: '      others.add(data.from);',
    tests: { file: 'test/client/tabs.test.ts', name: 'alone again later, it never waits' },
  },
  {
    id: 'tabs-answer-of-previous-token',
    rule: 'the answer shared with other tabs is the answer to the current token',
    file: 'src/client/sync.ts',
    search: 'answered: state.answered === state.token,',
    replace: 'answered: state.answered !== undefined,',
    tests: { file: 'test/client/tabs.test.ts', name: 'never the previous token' },
  },
  {
    id: 'fields-page-order',
    rule: 'an unscoped field shows the first app in page order with a value at its path',
    file: 'src/client/fields.ts',
    search: 'app === null ? order : [app],',
    replace: 'app === null ? [...order].reverse() : [app],',
    tests: { file: 'test/client/fields.test.ts', name: 'the first app, in page order' },
  },
  {
    id: 'fields-rebind-pending',
    rule: 'a second bindCurrentCustomerFields() does not reset a verified page to pending',
    file: 'src/client/fields.ts',
    search: "  if (!root.hasAttribute(STATE)) state('pending');",
    replace: "  state('pending');",
    tests: { file: 'test/client/fields.test.ts', name: 'a second bindCurrentCustomerFields()' },
  },
  {
    id: 'e2e-backoff-zero',
    rule: 'retries wait a backoff between attempts',
    file: 'src/client/retry.ts',
    search:
      'retryAfter ?? Math.floor(random() * Math.min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)));',
    replace: '0;',
    tests: { file: 'test/e2e/current-customer.test.ts', name: 'bounded retries with backoff' },
    build: true,
  },

  // The verifier and the handler.
  {
    id: 'claims-aud-off',
    rule: "the token's aud must be the app's client id",
    file: 'src/server/claims.ts',
    search: "if (!audienceMatches) return invalid('aud'",
    replace: "if (false) return invalid('aud'",
    tests: {
      file: 'test/server/property.test.ts',
      name: 'payloads re-encoded with changed claims',
    },
  },
  {
    id: 'claims-operation-off',
    rule: 'the operation claim must be current_customer',
    file: 'src/server/claims.ts',
    search: 'if (claims.operation !== OPERATION) {',
    replace: 'if (false) {',
    tests: {
      file: 'test/server/property.test.ts',
      name: 'payloads re-encoded with changed claims',
    },
  },
  {
    id: 'claims-store-check-off',
    rule: 'the token must come from an allowed store',
    file: 'src/server/claims.ts',
    search:
      "if (rules.store.kind === 'list' && !rules.store.hashes.has(storeHash)) return storeNotAllowed();",
    replace: '',
    tests: { file: 'test/server/verifier.test.ts', name: 'store_not_allowed' },
  },
  {
    id: 'hmac-no-compare',
    rule: 'the HMAC is compared with the signature',
    file: 'src/server/hmac.ts',
    search:
      'signature.length === SIGNATURE_BYTES && nodeCrypto.timingSafeEqual(expected, signature)',
    replace: 'signature.length === SIGNATURE_BYTES',
    tests: { file: 'test/server/verifier.test.ts', name: 'signature_invalid' },
  },
  {
    id: 'jws-alg-none',
    rule: 'HS256 is the only algorithm',
    file: 'src/server/jws.ts',
    search: "if (alg !== 'HS256') {",
    replace: "if (alg !== 'HS256' && alg.toLowerCase() !== 'none') {",
    tests: { file: 'test/server/verifier.test.ts', name: 'alg none' },
  },
  {
    id: 'verifier-empty-client-id',
    rule: 'an empty clientId is a configuration error',
    file: 'src/server/verifier.ts',
    search: "if (typeof clientId !== 'string' || clientId.trim() === '') {",
    replace: "if (typeof clientId !== 'string') {",
    tests: {
      file: 'test/server/verifier.test.ts',
      name: 'never puts the secret in a configuration error',
    },
  },
  {
    id: 'handler-origins-guard-off',
    rule: 'allowedOrigins must be a list or a function',
    file: 'src/server/cors.ts',
    search: 'if (!Array.isArray(allowed)) {',
    replace: 'if (false) {',
    tests: {
      file: 'test/server/handler.test.ts',
      name: 'refuses configuration errors at creation',
    },
  },
  {
    id: 'cors-no-max-age',
    rule: 'a preflight answer may be cached for 600 s (Access-Control-Max-Age)',
    file: 'src/server/cors.ts',
    search: "    'access-control-max-age': PREFLIGHT_MAX_AGE,\n",
    replace: '',
    tests: {
      file: 'test/server/handler.test.ts',
      name: 'answers a preflight from an allowed origin',
    },
  },
];
