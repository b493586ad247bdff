import { describe, expect, it } from 'vitest';
import { DevError } from '../../src/dev/errors.js';
import {
  DEFAULT_BACKEND_PORT,
  DEFAULT_CLIENT_ID,
  DEFAULT_PORT,
  DEFAULT_STORE_HASH,
  DEFAULT_TOKEN_TTL,
  parseDevOptions,
} from '../../src/dev/options.js';

describe('dev options', () => {
  it('works with no configuration at all', () => {
    const options = parseDevOptions([], {});
    expect(options).toMatchObject({
      port: DEFAULT_PORT,
      backendPort: DEFAULT_BACKEND_PORT,
      clientId: DEFAULT_CLIENT_ID,
      tokenTtl: DEFAULT_TOKEN_TTL,
      theme: undefined,
      csp: true,
      panel: true,
      showSecret: false,
      secretGenerated: true,
      secretOnCommandLine: false,
      help: false,
      storeHash: DEFAULT_STORE_HASH,
      endpoint: undefined,
      demoBackend: false,
      jwtFault: { kind: 'none' },
      backendFault: { kind: 'none' },
    });
    expect(options.clientSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('makes a different random secret for every run', () => {
    expect(parseDevOptions([], {}).clientSecret).not.toBe(parseDevOptions([], {}).clientSecret);
  });

  it('reads flags in both --flag value and --flag=value forms', () => {
    const options = parseDevOptions([
      '--port',
      '0',
      '--backend-port=4001',
      '--client-id',
      'abc123',
      '--client-secret=s3cret-value',
      '--token-ttl',
      '20',
      '--theme',
      '/tmp/theme',
      '--no-csp',
      '--no-panel',
      '--show-secret',
    ]);
    expect(options).toMatchObject({
      port: 0,
      backendPort: 4001,
      clientId: 'abc123',
      clientSecret: 's3cret-value',
      secretGenerated: false,
      secretOnCommandLine: true,
      tokenTtl: 20,
      theme: '/tmp/theme',
      csp: false,
      panel: false,
      showSecret: true,
    });
  });

  it('reads environment variables, and flags win over them', () => {
    const env = {
      CURRENT_CUSTOMER_PORT: '4100',
      CURRENT_CUSTOMER_BACKEND_PORT: '4101',
      CURRENT_CUSTOMER_CLIENT_ID: 'from-env',
      CURRENT_CUSTOMER_CLIENT_SECRET: 'env-secret-123',
      CURRENT_CUSTOMER_TOKEN_TTL: '60',
      CURRENT_CUSTOMER_THEME: '/tmp/env-theme',
    };
    expect(parseDevOptions([], env)).toMatchObject({
      port: 4100,
      backendPort: 4101,
      clientId: 'from-env',
      clientSecret: 'env-secret-123',
      secretGenerated: false,
      secretOnCommandLine: false,
      tokenTtl: 60,
      theme: '/tmp/env-theme',
    });
    expect(parseDevOptions(['--port', '4200', '--client-id', 'flag'], env)).toMatchObject({
      port: 4200,
      clientId: 'flag',
    });
    // A flag over the variable is still on the command line, for `ps` to show.
    expect(parseDevOptions(['--client-secret', 'flag-secret-1'], env).secretOnCommandLine).toBe(
      true,
    );
  });

  it.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be from 0 to 65535/],
    [['--backend-port', '-1'], /--backend-port/],
    [['--token-ttl', '0'], /--token-ttl must be from 1 to 900/],
    [['--token-ttl', '901'], /--token-ttl must be from 1 to 900/],
    [['--client-id', 'has space'], /--client-id must be/],
    [['--client-secret', 'short'], /--client-secret must be at least 8/],
    [['--port', '4000', '--backend-port', '4000'], /must differ/],
    [['--theme'], /--theme needs a value/],
    [['--port', '--no-csp'], /--port needs a value/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--endpoint', 'nope'], /--endpoint must be an absolute http\(s\) URL, got 'nope'/],
    [['--endpoint', 'ftp://x.example/'], /--endpoint must be an http: or https: URL/],
    [['--endpoint', 'http://u:p@127.0.0.1:8799/'], /--endpoint must not hold a user name/],
    [['--endpoint'], /--endpoint needs a value/],
    [['--jwt-fault', 'down'], /--jwt-fault must be one of/],
    [['--backend-fault', '429'], /--backend-fault must be one of/],
    [
      ['--endpoint', 'http://127.0.0.1:8799/current-customer', '--backend-fault', '401'],
      /--backend-fault acts on the demo backend, but --endpoint points the pages at yours/,
    ],
    [['--store-hash', 'Not A Hash'], /--store-hash must be 1 to 32 lower-case letters or digits/],
  ])('refuses %j with one clear line', (args, message) => {
    let caught: unknown;
    try {
      parseDevOptions(args, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DevError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('reads --endpoint, --demo-backend, the faults and the store hash, from flags and the environment', () => {
    const options = parseDevOptions([
      '--endpoint',
      'http://127.0.0.1:8799/current-customer',
      '--demo-backend',
      '--jwt-fault=429:3',
      '--store-hash',
      'abc123',
    ]);
    expect(options).toMatchObject({
      endpoint: 'http://127.0.0.1:8799/current-customer',
      demoBackend: true,
      jwtFault: { kind: '429', seconds: 3 },
      backendFault: { kind: 'none' },
      storeHash: 'abc123',
    });
    const env = {
      CURRENT_CUSTOMER_ENDPOINT: 'https://app.example.com/cc',
      CURRENT_CUSTOMER_JWT_FAULT: 'html',
      CURRENT_CUSTOMER_STORE_HASH: 'fromenv',
    };
    expect(parseDevOptions([], env)).toMatchObject({
      endpoint: 'https://app.example.com/cc',
      demoBackend: false,
      jwtFault: { kind: 'html' },
      storeHash: 'fromenv',
    });
    expect(parseDevOptions(['--backend-fault', 'slow:2'], {}).backendFault).toEqual({
      kind: 'slow',
      seconds: 2,
    });
    // Without the demo backend its port cannot clash with the storefront's.
    expect(parseDevOptions(['--port', '4000', '--backend-port', '4000'], env).endpoint).toBe(
      'https://app.example.com/cc',
    );
  });

  it('names the environment variable when that is where a bad value came from', () => {
    expect(() => parseDevOptions([], { CURRENT_CUSTOMER_TOKEN_TTL: 'soon' })).toThrow(
      /CURRENT_CUSTOMER_TOKEN_TTL/,
    );
    expect(() => parseDevOptions([], { CURRENT_CUSTOMER_ENDPOINT: '/relative' })).toThrow(
      /^CURRENT_CUSTOMER_ENDPOINT must be an absolute/,
    );
    expect(() => parseDevOptions([], { CURRENT_CUSTOMER_BACKEND_FAULT: 'teapot' })).toThrow(
      /^CURRENT_CUSTOMER_BACKEND_FAULT must be one of/,
    );
  });
});
