/**
 * One identity per browser: the tabs of one store and one app share their tokens and the backend's
 * answers, so that the browser makes one storefront request and one POST per token lifetime however
 * many tabs are open, and a logout or a customer switch seen in one tab reaches all of them at once.
 *
 * Two browser parts, both in memory only (never storage, cookies or the DOM):
 *
 * - A `BroadcastChannel` named `current-customer:<location origin>:<app client id>` carries
 *   {@link TabMessage}s to every other tab of the store and app (never back to the sender):
 *   - `state`: what a tab holds, sent when it fetched a token (or got a 404: `token` is `null`), when
 *     it got the backend's answer, and in reply to `ask`. `ttl` is counted on the sender's monotonic
 *     clock, so no tab trusts another's wall clock. A `fresh` token (just fetched) for another
 *     customer than a receiver's page is how a switch travels: that receiver drops it and emits
 *     `changed`. A reply to `ask` is not fresh: for another customer, it is stale and ignored. An answer is taken
 *     only with its own token, so an answer about a token that is no longer current is ignored.
 *   - `ask`: a tab that needs a token asks; a tab holding a valid token replies with its `state`.
 *
 * - Web Locks (`navigator.locks`), two of them:
 *   - `<channel name>` (exclusive) is held while a tab fetches or posts, so one tab works at a time.
 *     A tab that gets it checks first whether what it came to do was done meanwhile (the token and
 *     the answer arrived on the channel while it waited) and then does nothing. A tab that goes
 *     away mid-request loses the lock with its document, and the next tab in line carries on.
 *   - `<channel name>:tab` (shared) is held by every open tab. A tab that needs a token or an
 *     answer asks `locks.query()` whether any other tab is open: only then does it send `ask` and
 *     wait (at most {@link ASK_TIMEOUT} ms) for a reply, so a lone tab never waits. This also covers
 *     the one race the parts leave open: the channel and the lock manager do not promise to deliver
 *     in one order, so the next tab in line may get the lock before the answer that preceded it.
 *
 * Speed: every answer of the lock manager is a task on the page's main thread, which waits behind
 * the page's parsing and rendering (about 10 ms each on a long page). So the first count of tabs is
 * asked at once, next to this tab's own lock request and the first exclusive one, and all three come
 * back together: one wait before the first storefront request, not three in a row.
 *
 * Without `BroadcastChannel` or Web Locks, {@link openTabs} returns `undefined` and each tab works on
 * its own. This module only moves messages and locks; what a message means is the client's business.
 */

/**
 * What one tab tells the others: `ask` for the current state, or the `state` this tab holds. A
 * `token` of `null` means nobody is logged in; `ttl` is how many milliseconds the token stays valid
 * (on the sender's monotonic clock); `answered` says that `data` is the backend's answer to it.
 */
export type TabMessage =
  | { type: 'ask' }
  | {
      type: 'state';
      token: string | null;
      ttl?: number;
      /** Just fetched from the storefront, so it names who is logged in now. */
      fresh?: boolean;
      answered?: boolean;
      data?: unknown;
    };

/** How long a tab that needs a token waits for another tab's reply before fetching itself. */
export const ASK_TIMEOUT = 50;

export interface Tabs {
  /** Sends `message` to every other tab. */
  send(message: TabMessage): void;
  /** Runs `task` holding the exclusive lock; `signal` gives up waiting for it. */
  exclusive(task: () => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Whether another tab of this store and app is open, so that asking may help. */
  othersOpen(): Promise<boolean>;
  /** Closes the channel and lets go of the tab lock. */
  close(): void;
}

/** Opens the channel for `appClientId` in this store; `undefined` when the browser lacks a part. */
export const openTabs = (
  appClientId: string,
  receive: (message: TabMessage) => void,
): Tabs | undefined => {
  const locks = globalThis.navigator?.locks;
  if (typeof BroadcastChannel !== 'function' || !locks) return undefined;
  const name = `current-customer:${location.origin}:${appClientId}`;
  const tabLock = `${name}:tab`;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent<TabMessage>) => receive(event.data);
  // Held (shared) from here to close(), so that other tabs can count this one.
  let open = true;
  let letGo: (() => void) | undefined;
  locks
    .request(tabLock, { mode: 'shared' }, () =>
      open
        ? new Promise<void>((release) => {
            letGo = release;
          })
        : undefined,
    )
    .catch(() => {});
  // Asked right after the request above: the lock manager answers one page's calls in order, so this
  // tab's own lock is in the count (held, or pending should it not be granted yet). Used once.
  let census: Promise<LockManagerSnapshot> | undefined = locks.query();

  return {
    send: (message) => channel.postMessage(message),
    async exclusive(task, signal) {
      await locks.request(name, { signal }, task);
    },
    async othersOpen() {
      const { held = [], pending = [] } = await (census ?? locks.query());
      census = undefined;
      const tabsOpen = [...held, ...pending].filter((lock) => lock.name === tabLock).length;
      return tabsOpen > (open ? 1 : 0);
    },
    close() {
      open = false;
      channel.close();
      letGo?.();
    },
  };
};
