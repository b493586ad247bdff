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
  // The emulator (the dev command): safe to run with a real secret.
  {
    id: 'emulator-any-host',
    rule: 'the storefront emulator answers requests for any Host (DNS rebinding mints real tokens)',
    file: 'src/dev/storefront.ts',
    search: 'checkHost(request, port()) ??',
    replace: 'null ??',
    tests: { file: 'test/dev/request-guard.test.ts', name: 'repro: a rebinding page' },
  },
  {
    id: 'emulator-cross-site-post',
    rule: 'another origin may log in, log out or set faults with a POST',
    file: 'src/dev/storefront.ts',
    search: ': checkSameOrigin(request));',
    replace: ': null);',
    tests: { file: 'test/dev/request-guard.test.ts', name: 'repro: a cross-site form POST' },
  },
  {
    id: 'emulator-same-site-post',
    rule: 'a page on another port of 127.0.0.1 (the same site) may drive the emulator',
    file: 'src/dev/request-guard.ts',
    search: "new Set(['same-origin', 'none'])",
    replace: "new Set(['same-origin', 'same-site', 'none'])",
    tests: { file: 'test/dev/request-guard.test.ts', name: 'refuses Sec-Fetch-Site cross-site' },
  },
  {
    id: 'emulator-get-login',
    rule: 'GET /login?customer=<id> signs in (a cross-site top-level navigation carries the Lax cookie)',
    file: 'src/dev/storefront.ts',
    search: "if (method === 'POST') return leaving ? logout(request) : login(request);",
    replace:
      "if (method === 'POST' || url.searchParams.has('customer')) return leaving ? logout(request) : login(request);",
    tests: { file: 'test/dev/request-guard.test.ts', name: 'repro: GET /login?customer=4927' },
  },
  {
    id: 'emulator-token-signing-input',
    rule: "the emulator's HS256 signature covers header.payload exactly as jose does",
    file: 'src/dev/token.ts',
    search: '.update(input)',
    replace: ".update(input + '.')",
    tests: { file: 'test/dev/token.test.ts', name: 'byte for byte what jose signs' },
  },
  {
    id: 'backend-check-any-origin',
    rule: "the backend check accepts an Access-Control-Allow-Origin for another origin than the storefront's",
    file: 'src/dev/backend-check.ts',
    search: "if (allowed === origin || allowed === '*') return null;",
    replace: 'if (allowed !== null) return null;',
    tests: { file: 'test/dev/backend-check.test.ts', name: 'allows another origin says which' },
  },
  {
    id: 'backend-check-ignores-claim',
    rule: 'a refused token\'s claim (the backend\'s {"claim": "aud"}) is shown',
    file: 'src/dev/backend-check.ts',
    search: "...(typeof body?.claim === 'string' ? { claim: body.claim.slice(0, 100) } : {}),",
    replace: '',
    tests: {
      file: 'test/dev/backend-check.test.ts',
      name: 'reads the claim when the backend names it',
    },
  },
  {
    id: 'dev-secret-flag-silent',
    rule: '--client-secret warns that other local users can read it, naming the environment variable',
    file: 'src/dev/command.ts',
    search: 'if (options.secretOnCommandLine) console.warn',
    replace: 'if (false) console.warn',
    tests: { file: 'test/dev/command.test.ts', name: 'warns to prefer the environment variable' },
    build: true,
  },
  // The browser module.
  {
    id: 'secrecy-error-cause',
    rule: 'an HTTP error carries the request body (which holds the token) as its cause',
    file: 'src/client/client.ts',
    search: '          undefined,\n          undefined,\n          status,',
    replace: '          undefined,\n          settings.body,\n          status,',
    tests: { file: 'test/client/secrecy.test.ts', name: 'the token stays in memory' },
  },
  {
    id: 'secrecy-debug-log',
    rule: 'the debug log names the token too',
    file: 'src/client/client.ts',
    search: 'if (config.debug) console.debug(name, appClientId);',
    replace: 'if (config.debug) console.debug(name, appClientId, { token });',
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
    file: 'src/client/client.ts',
    search: '    expiresAt = Date.now() + ttl;\n    deadline = now() + ttl;',
    replace:
      '    expiresAt = (decoded.exp - leewaySeconds) * 1000;\n    deadline = Number.POSITIVE_INFINITY;',
    tests: {
      file: 'test/client/client.test.ts',
      name: 'a 15-minute token is cached for 14.5 minutes',
    },
  },
  {
    id: 'client-no-single-flight',
    rule: 'concurrent callers share one request',
    file: 'src/client/client.ts',
    search: 'if (!current || since !== scope) {',
    replace: 'if (true) {',
    tests: { file: 'test/client/client.test.ts', name: 'single flight' },
  },
  {
    id: 'client-posts-for-guest',
    rule: 'nothing is posted for a guest',
    file: 'src/client/client.ts',
    // Both guards: the first answers null for a guest, the second refuses a token gone since.
    edits: [
      { search: '    if (!jwt) return null;\n', replace: '' },
      {
        search:
          "if (!jwt || generation !== since) throw new CurrentCustomerError('customer_changed');",
        replace: "if (generation !== since) throw new CurrentCustomerError('customer_changed');",
      },
    ],
    tests: { file: 'test/client/client.test.ts', name: 'posts nothing' },
  },
  {
    id: 'client-timeout-zero',
    rule: 'a request is aborted after timeoutMs, not at once',
    file: 'src/client/client.ts',
    search: 'const result = await race(timeoutMs, async',
    replace: 'const result = await race(0, async',
    tests: { file: 'test/client/client.test.ts', name: 'a custom timeoutMs applies' },
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
    search: 'return nodeCrypto.timingSafeEqual(expected, signature);',
    replace: 'return true;',
    tests: { file: 'test/server/verifier.test.ts', name: 'signature_invalid' },
  },
  {
    id: 'hmac-rotation-first-only',
    rule: 'during a rotation, the second secret is tried when the first does not match',
    file: 'src/server/hmac.ts',
    search: '(next !== undefined && matches(next, signingInput, signature))',
    replace: 'false',
    tests: {
      file: 'test/server/verifier.test.ts',
      name: 'accepts a token signed with either secret',
    },
  },
  {
    id: 'store-hash-shape-off',
    rule: "a store hash is checked for BigCommerce's shape at creation",
    file: 'src/server/store.ts',
    search: "if (typeof value === 'string' && STORE_HASH_SHAPE.test(value)) return undefined;",
    replace: "if (typeof value === 'string' && value.trim() !== '') return undefined;",
    tests: { file: 'test/server/verifier.test.ts', name: 'saying what a store hash looks like' },
  },
  {
    id: 'verifier-then-outside-try',
    rule: "a store lookup's answer, its then getter included, is read inside the verdict's error handling",
    file: 'src/server/verifier.ts',
    edits: [
      { search: '    pending = isThenable(answer);\n', replace: '' },
      {
        search: '  if (!pending) return answer',
        replace: '  pending = isThenable(answer);\n  if (!pending) return answer',
      },
    ],
    tests: { file: 'test/server/verifier.test.ts', name: 'then getter throws' },
  },
  {
    id: 'node-timeout-ignores-complete',
    rule: 'a body that has arrived whole is not late, however long the handler takes',
    file: 'src/server/node.ts',
    search: 'if (exchange.ended || exchange.answered || req.complete === true) return undefined;',
    replace: 'if (exchange.ended || exchange.answered) return undefined;',
    tests: { file: 'test/server/node.test.ts', name: 'slow after the body has arrived' },
  },
  {
    id: 'node-bodyless-not-complete',
    rule: 'a request without a body is complete on arrival: its answer keeps the connection open',
    file: 'src/server/node-request.ts',
    search: "return length === undefined || length === '0';",
    replace: 'return false;',
    tests: { file: 'test/server/node.test.ts', name: 'answers every pipelined request' },
  },
  {
    id: 'node-userinfo-kept',
    rule: 'userinfo is dropped from the URL the callbacks get',
    file: 'src/server/node-request.ts',
    search: "  if (url.username !== '' || url.password !== '') {",
    replace: '  if (false) {',
    tests: { file: 'test/server/handler-paths.test.ts', name: 'userinfo' },
  },
  {
    id: 'body-limit-miscounted',
    rule: "the Fetch handler's body limit counts every chunk",
    file: 'src/server/body.ts',
    search: 'total += value.byteLength;',
    replace: 'total = value.byteLength;',
    tests: { file: 'test/server/handler.test.ts', name: 'stops reading a stream past 8 KiB' },
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
    rule: 'a preflight answer may be cached for 7200 s (Access-Control-Max-Age)',
    file: 'src/server/cors.ts',
    search: "    'access-control-max-age': PREFLIGHT_MAX_AGE,\n",
    replace: '',
    tests: {
      file: 'test/server/handler.test.ts',
      name: 'answers a preflight from an allowed origin',
    },
  },

  // The theme installer (issue 24: it stays inside the theme).
  {
    id: 'theme-link-out-followed',
    rule: 'a symbolic link that leads out of the theme is refused before anything is written',
    file: 'src/theme/theme-paths.ts',
    search: 'if (real !== undefined && isInside(root, real)) return real;',
    replace: 'if (real !== undefined) return real;',
    tests: { file: 'test/theme/theme-paths.test.ts', name: 'refuses a folder link out' },
  },
  {
    id: 'theme-link-replaced-by-file',
    rule: 'a file reached through a link inside the theme is edited where it is, and the link stays a link',
    file: 'src/theme/plan.ts',
    search: 'const target = targets[index] as string;',
    replace: 'const target = targets[index] === undefined ? file : file;',
    tests: {
      file: 'test/theme/theme-paths.test.ts',
      name: 'edits a linked layout and config.json',
    },
  },
  {
    id: 'theme-aliased-paths-written',
    rule: 'two paths that are one file (through a link) are refused',
    file: 'src/theme/theme-paths.ts',
    search: 'if (other !== undefined) {',
    replace: 'if (false) {',
    tests: { file: 'test/theme/theme-paths.test.ts', name: 'refuses two paths that are one file' },
  },
  {
    id: 'theme-folder-removed-through-link',
    rule: 'uninstall removes an empty folder only at its own place in the theme, never through a link',
    file: 'src/theme/plan.ts',
    search: 'if (real !== dir || !isInside(root, real)) return;',
    replace: '',
    tests: { file: 'test/theme/theme-paths.test.ts', name: 'removes no folder through it' },
  },
  {
    id: 'theme-leftovers-kept',
    rule: 'the next install or uninstall removes the temporary files a killed run left',
    file: 'src/theme/theme-paths.ts',
    search: 'else if (entry.isFile() && TEMP_FILE.test(entry.name)) out.push(prefix + entry.name);',
    replace: '',
    tests: { file: 'test/theme/theme-paths.test.ts', name: 'removes those a killed run left' },
  },
  {
    id: 'theme-json-depth-unbounded',
    rule: 'JSON nested 5,000 deep is a json_too_deep ThemeError, not a stack overflow',
    file: 'src/theme/json-text.ts',
    search: "if ((c === '{' || c === '[') && depth >= MAX_DEPTH) throw new JsonDepthError(pos);",
    replace: '',
    tests: { file: 'test/theme/json-file.test.ts', name: 'raises json_too_deep' },
  },
  {
    id: 'theme-json-number-length-bounded',
    rule: 'numbers of any length JSON allows are accepted',
    file: 'src/theme/json-text.ts',
    search: 'const match = SCALAR.exec(text);',
    replace: 'const match = SCALAR.exec(text.slice(0, pos + 400));',
    tests: { file: 'test/theme/json-text.test.ts', name: 'reads numbers of any length' },
  },
  {
    id: 'theme-json-utf8-rewritten',
    rule: 'bytes that are not UTF-8 in a JSON file are refused, naming the byte offset, never rewritten',
    file: 'src/theme/json-file.ts',
    search: 'if (!isUtf8(bytes)) {',
    replace: 'if (false) {',
    tests: { file: 'test/theme/json-file.test.ts', name: 'refuses bytes that are not UTF-8' },
  },
  {
    id: 'theme-template-utf8-rewritten',
    rule: 'templates are kept byte for byte whatever their encoding',
    file: 'src/theme/layout-plan.ts',
    edits: [
      {
        search: "bytes.toString('latin1');",
        replace: "bytes.toString('utf8');",
      },
      { search: "Buffer.from(text, 'latin1');", replace: "Buffer.from(text, 'utf8');" },
    ],
    tests: { file: 'test/theme/installer.test.ts', name: 'when they are not valid UTF-8' },
  },
  {
    id: 'theme-commented-include-removed',
    rule: 'uninstall leaves an include inside a multi-line Handlebars or HTML comment alone',
    file: 'src/theme/layout.ts',
    search: 'return seen !== line || line',
    replace: 'return line',
    tests: {
      file: 'test/theme/installer.test.ts',
      name: 'is left alone by doctor, install and uninstall',
    },
  },
  {
    id: 'theme-inline-script-nonce-unchecked',
    rule: 'doctor reports an inline script in the partials without the nonce',
    file: 'src/theme/doctor.ts',
    search: 'return tags.filter((tag) => runs(tag) &&',
    replace: 'return tags.filter((tag) => /\\ssrc=/i.test(tag) &&',
    tests: { file: 'test/theme/doctor.test.ts', name: 'finds script tags without the nonce' },
  },
  {
    id: 'cli-unknown-command-status',
    rule: 'a wrong command line exits 2, as every --help says, an unknown command included',
    file: 'src/cli.ts',
    search: '    return USAGE_ERROR;\n  }\n  return (await load())(args);',
    replace: '    return 1;\n  }\n  return (await load())(args);',
    tests: { file: 'test/theme/command.test.ts', name: 'exits as the --help texts say' },
    build: true,
  },
];
