// What the first identification puts on the network, counted in Chromium through the DevTools protocol:
// no CORS preflight (the POST is a simple request), and the POST goes out on a connection to the backend
// that was opened before the token arrived (the partial's <link rel=preconnect>), so it pays no handshake.
//
// The emulator's storefront answers /customer/current.jwt one second late (its `slow:1` fault), so "opened
// before the token arrived" is a second apart, not a race. The page posts through a TCP relay of the test's
// own in front of the demo backend, which notes when each connection to the backend was opened.
//
// The browser is a profile on disk, not playwright's browser.newContext(): that is an off-the-record
// profile, where Chromium ignores <link rel=preconnect>.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/dev/emulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeBrowser, waitFor } from './browser.js';

/** A TCP relay to `port` on 127.0.0.1 that notes when each connection through it was opened. */
async function startRelay(
  port: () => number,
): Promise<{ origin: string; openedAt: number[]; close(): Promise<void> }> {
  const openedAt: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    openedAt.push(Date.now());
    const upstream = connect({ host: '127.0.0.1', port: port() });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    openedAt,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface NetworkEvent {
  method: 'Network.requestWillBeSent' | 'Network.responseReceived';
  // biome-ignore lint/suspicious/noExplicitAny: DevTools protocol payloads, read field by field below
  params: any;
}

/** What one first identification did on the network. */
interface Identification {
  backendOrigin: string;
  events: NetworkEvent[];
  /** When each connection to the backend was opened (ms since the epoch). */
  backendConnections: number[];
}

describeBrowser('the first identification on the network (Chromium, DevTools protocol)', () => {
  let emulator: Emulator | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let identification: Identification | undefined;

  beforeAll(async () => {
    let backendPort = 0;
    relay = await startRelay(() => backendPort);
    emulator = await startEmulator({
      port: 0,
      backendPort: 0,
      panel: false,
      endpoint: `${relay.origin}/current-customer`,
      demoBackend: true,
      // Its start-up check of the endpoint would open connections of its own through the relay.
      checkBackend: false,
      faults: { storefront: { kind: 'slow', seconds: 1 } },
    });
    backendPort = Number(new URL(emulator.demoBackendUrl as string).port);
    profile = mkdtempSync(join(tmpdir(), 'latency-test-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const events: NetworkEvent[] = [];
    const cdp = await context.newCDPSession(page);
    for (const method of ['Network.requestWillBeSent', 'Network.responseReceived'] as const)
      cdp.on(method, (params: unknown) => events.push({ method, params }));
    await cdp.send('Network.enable');
    const emu = emulator;
    // The emulator logs in on a POST (its login form's); the context's request shares the profile's cookies.
    const login = await context.request.post(new URL('/login', emu.storefrontUrl).href, {
      maxRedirects: 0,
    });
    expect(login.status()).toBe(303);
    const connectionsBefore = relay.openedAt.length;
    await page.goto(emu.storefrontUrl);
    await waitFor(() => emu.stats.backend.verified >= 1, 'the backend to verify a token', 15_000);
    // The backend has answered; wait for Chromium to report the answer too.
    const postIds = () =>
      events
        .filter(
          (e) => e.method === 'Network.requestWillBeSent' && e.params.request.method === 'POST',
        )
        .map((e) => e.params.requestId);
    await waitFor(
      () =>
        events.some(
          (e) => e.method === 'Network.responseReceived' && postIds().includes(e.params.requestId),
        ),
      "Chromium's report of the POST's answer",
    );
    identification = {
      backendOrigin: relay.origin,
      events,
      backendConnections: relay.openedAt.slice(connectionsBefore),
    };
  });

  afterAll(async () => {
    await context?.close();
    await emulator?.close();
    await relay?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const observed = (): Identification => {
    if (!identification) throw new Error('the identification did not run');
    return identification;
  };
  const requests = (id: Identification, method: string) =>
    id.events.filter(
      (e) =>
        e.method === 'Network.requestWillBeSent' &&
        e.params.request.method === method &&
        new URL(e.params.request.url).origin === id.backendOrigin,
    );
  const responseTo = (id: Identification, request: NetworkEvent) =>
    id.events.find(
      (e) =>
        e.method === 'Network.responseReceived' && e.params.requestId === request.params.requestId,
    );

  it('makes no OPTIONS request: the POST is a CORS simple request', () => {
    const id = observed();
    expect(requests(id, 'POST')).toHaveLength(1);
    expect(requests(id, 'OPTIONS').map((e) => e.params.request.url)).toEqual([]);
    const [post] = requests(id, 'POST');
    const type =
      post?.params.request.headers['Content-Type'] ?? post?.params.request.headers['content-type'];
    expect(type).toMatch(/^text\/plain/);
  });

  it('posts on a connection to the backend opened before the token arrived', () => {
    const id = observed();
    const tokenRequest = id.events.find(
      (e) =>
        e.method === 'Network.requestWillBeSent' &&
        e.params.request.url.includes('/customer/current.jwt'),
    );
    if (!tokenRequest) throw new Error('no /customer/current.jwt request');
    const tokenResponse = responseTo(id, tokenRequest);
    if (!tokenResponse) throw new Error('no answer to /customer/current.jwt');
    // The token's arrival on the wall clock: the request's wallTime plus the monotonic time to its answer.
    const tokenArrived =
      (tokenRequest.params.wallTime +
        tokenResponse.params.timestamp -
        tokenRequest.params.timestamp) *
      1000;

    const [post] = requests(id, 'POST');
    if (!post) throw new Error('no POST to the backend');
    const answer = responseTo(id, post);
    if (!answer) throw new Error('no answer to the POST');
    // Chromium's own view: the POST went on a socket it already had.
    expect(answer.params.response.connectionReused).toBe(true);
    expect(answer.params.response.timing.connectStart).toBe(-1);
    // The backend's view: one connection for the whole identification, opened before the token came.
    expect(id.backendConnections).toHaveLength(1);
    expect(id.backendConnections[0]).toBeLessThan(tokenArrived - 500);
  });
});
