/**
 * One identity per browser: the tabs of one store and one app share their tokens and the backend's
 * answers, so that the browser makes one storefront request and one POST per token lifetime however
 * many tabs are open, and a logout or a customer switch seen in one tab reaches all of them at once.
 *
 * Two browser parts, both in memory only (never storage, cookies or the DOM):
 *
 * - A `BroadcastChannel` named `current-customer:<location origin>:<app client id>` carries
 *   {@link TabMessage}s to every other tab of the store and app (never back to the sender):
 *   - `token`: a tab fetched a token. `ttl` is how many milliseconds it stays valid, counted on the
 *     sender's monotonic clock, so the receiver need not trust anyone's wall clock. A token for
 *     another customer than a receiver's page is how a switch travels: the receiver drops it.
 *   - `guest`: a tab's storefront request answered 404 (nobody is logged in).
 *   - `answer`: the backend's answer to POSTing `token`. A receiver takes it only while `token` is
 *     its own current token, so an answer that arrives after a switch or a refresh is ignored.
 *   - `ask`: a tab that needs a token asks the others; a tab holding a valid token replies with a
 *     `token` message, and with an `answer` when it has one.
 *
 * - Web Locks (`navigator.locks`), two of them:
 *   - `<channel name>` (exclusive) is held while a tab fetches or posts, so one tab works at a time.
 *     A tab that gets it checks first whether what it came to do was done meanwhile (the token and
 *     the answer arrived on the channel while it waited) and then does nothing. A tab that goes
 *     away mid-request loses the lock with its document: the next tab in line carries on.
 *   - `<channel name>:state` (shared) is held by every tab that holds a valid token and its answer.
 *     Before fetching, a tab asks `locks.query()` whether any other tab holds it: only then does it
 *     send `ask` and wait (at most {@link ASK_TIMEOUT} ms) for a reply, so a lone tab never waits.
 *     The holder takes it before it lets the exclusive lock go, so a tab next in line always sees it
 *     (the channel and the lock manager do not promise to deliver in one order).
 *
 * Without `BroadcastChannel` or Web Locks, {@link openTabs} returns `undefined` and each tab works on
 * its own. This module only moves messages and locks; what a message means is the client's business.
 */

/** What one tab tells the others. */
export type TabMessage =
  | { type: 'token'; token: string; ttl: number }
  | { type: 'guest' }
  | { type: 'answer'; token: string; data: unknown }
  | { type: 'ask' };

/** How long a tab that needs a token waits for another tab's reply before fetching itself. */
export const ASK_TIMEOUT = 50;

export interface Tabs {
  /** Sends `message` to every other tab. */
  send(message: TabMessage): void;
  /** Runs `task` holding the exclusive lock; `signal` gives up waiting for it. */
  exclusive(task: () => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Takes (`true`) or lets go of (`false`) the shared state lock; resolves once that is done. */
  hold(holding: boolean): Promise<void>;
  /** Whether another tab holds the state lock, so that asking may help. */
  othersHold(): Promise<boolean>;
  /** Closes the channel and lets go of the state lock. */
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
  const stateLock = `${name}:state`;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent<TabMessage>) => receive(event.data);

  /** Set while this tab holds (or waits for) the state lock: calling it lets go. */
  let release: (() => void) | undefined;
  /** Resolves when the state lock was granted. */
  let granted: Promise<void> = Promise.resolve();
  /** Resolves when the state lock was let go. */
  let released: Promise<unknown> = Promise.resolve();
  let mine = false;

  const hold = (holding: boolean): Promise<void> => {
    if (holding && !release) {
      const letGo = new Promise<void>((resolve) => {
        release = resolve;
      });
      granted = new Promise<void>((resolve) => {
        released = locks
          .request(stateLock, { mode: 'shared' }, () => {
            mine = true;
            resolve();
            return letGo;
          })
          .catch(() => resolve())
          .finally(() => {
            mine = false;
          });
      });
    } else if (!holding && release) {
      release();
      release = undefined;
      return released.then(() => {});
    }
    return holding ? granted : released.then(() => {});
  };

  return {
    send: (message) => channel.postMessage(message),
    async exclusive(task, signal) {
      await locks.request(name, { signal }, task);
    },
    hold,
    async othersHold() {
      const { held = [] } = await locks.query();
      return held.filter((lock) => lock.name === stateLock).length > (mine ? 1 : 0);
    },
    close() {
      channel.close();
      void hold(false);
    },
  };
};
