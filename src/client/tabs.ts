import type { EarlyChannel } from './early.js';

/**
 * One identity per browser: the tabs of one store and one app share their tokens and the backend's
 * answers, so that the browser makes one storefront request and one POST per token lifetime however
 * many tabs are open, and a logout or a customer switch seen in one tab reaches all of them at once.
 *
 * Two browser parts in memory, and one record in storage that holds no token, claim or customer:
 *
 * - A `BroadcastChannel` named `current-customer:<location origin>:<app client id>` carries
 *   {@link TabMessage}s to every other tab of the store and app (never back to the sender). Each tab
 *   signs its messages with a random `from`, which is how the tabs count each other:
 *   - `ask`: sent when a tab opens (or comes back from the back/forward cache) and when it needs a
 *     token. A tab holding a valid token replies with its `state`.
 *   - `state`: what a tab holds, sent when it fetched a token (or got a 404: `token` is `null`), when
 *     it got the backend's answer, and in reply to `ask`. `ttl` is counted on the sender's monotonic
 *     clock, so no tab trusts another's wall clock. A `fresh` token (just fetched) for another
 *     customer than a receiver's page is how a switch travels: that receiver drops it and emits
 *     `changed`. A reply to `ask` is not fresh: for another customer, it is stale and ignored. An
 *     answer is taken only with its own token. `checked`: the storefront was asked after a guest hint.
 *   - `bye`: the tab is leaving (pagehide, stop()): the others stop counting it.
 *   - `guest`: posted by the theme's inline script on a guest page (no `from`: it is not a tab). A
 *     hint, never a verdict: a tab that hears it asks the storefront again (see refresh.ts).
 *
 * - One Web Lock (`navigator.locks`), `<channel name>`, exclusive, held only while a tab fetches or
 *   posts, so one tab works at a time; never across a wait (backoff, Retry-After, the refresh retry),
 *   and never by an idle page (Firefox keeps no page holding a lock in its back/forward cache). A tab
 *   that gets it checks first whether what it came to do was done meanwhile. A tab that goes away
 *   mid-request loses the lock with its document, and the next tab in line carries on.
 *
 * - A presence record per open tab in `localStorage`: the key `<channel name> <from>`, the value only the
 *   time (`Date.now()`) until which it counts, {@link PRESENCE} ms after the tab opened or last sent its
 *   `state`. Removed when the tab closes its channel (pagehide, stop()); one left by a crashed tab is
 *   removed by the next tab that finds it expired. It says "a tab may answer", nothing more: a tab that
 *   finds no record of another tab does not wait for replies (see below).
 *
 * Counting tabs: a tab knows the others from their messages (added on any message, removed on `bye`).
 * Only a tab that holds something is worth asking. A tab just opened knows nobody yet: if another tab's
 * presence record is live, its first count waits for the first reply to its opening `ask`, at most
 * {@link ASK_TIMEOUT} ms; if none is (the shopper's only tab, or the next page in it), it counts nobody at
 * once, so a lone tab asks the storefront without waiting. An `ask` that brings nothing in time empties
 * the count (those tabs hold nothing, or crashed without a `bye`), so a tab alone again, or among tabs
 * that hold nothing, asks the storefront without waiting. The record only saves a wait: one that is
 * missing, stale or unreadable (storage blocked, a clock that jumped) costs one storefront request more,
 * or the wait, never a wrong customer, since who is logged in travels only in messages.
 *
 * The channel may be the one the partial's early start opened before this file arrived (early.ts): the messages
 * it heard meanwhile are replayed, in order, before the first lock is granted.
 *
 * Without `BroadcastChannel` or Web Locks, {@link openTabs} returns `undefined` and each tab works on
 * its own. This module only moves messages and locks; what a message means is the client's business.
 */

/**
 * What one tab tells the others (see above). A `token` of `null` means nobody is logged in; `ttl` is how
 * many milliseconds the token stays valid; `answered` says that `data` is the backend's answer to it.
 */
export type TabMessage =
  | { type: 'ask' | 'bye' | 'guest'; from?: number }
  | {
      type: 'state';
      from?: number;
      token: string | null;
      ttl?: number;
      /** Just fetched from the storefront, so it names who is logged in now. */
      fresh?: boolean;
      /** Fetched after its sender heard a guest hint: the hint is answered. */
      checked?: boolean;
      answered?: boolean;
      data?: unknown;
    };

/** How long a tab waits for other tabs' replies before it fetches itself. */
export const ASK_TIMEOUT = 50;

/**
 * How long a presence record counts without news from its tab: a token's lifetime (15 minutes) and one
 * more, since a tab holding a token sends its `state` again at least once per token.
 */
export const PRESENCE = 960_000;

export interface Tabs {
  /** Sends `message` to every other tab. */
  _send(message: TabMessage): void;
  /** Runs `task` holding the exclusive lock; `signal` withdraws the request while it waits. */
  _exclusive(task: () => Promise<void>, signal: AbortSignal): Promise<unknown>;
  /** Whether another tab of this store and app is open, so that asking may help. */
  _othersOpen(): Promise<boolean>;
  /** Forgets the tabs counted: none of them holds what this one needs. */
  _alone(): void;
  /** Says `bye` and closes the channel. */
  _close(): void;
}

/** Opens the channel for `appClientId` in this store; `undefined` when the browser lacks a part. */
export const openTabs = (
  appClientId: string,
  receive: (message: TabMessage) => void,
  adopted?: EarlyChannel,
): Tabs | undefined => {
  const locks = globalThis.navigator?.locks;
  if (typeof BroadcastChannel !== 'function' || !locks) {
    adopted?._channel.close();
    return undefined;
  }
  // The inline scripts of the partials (config.html's early start, script.html's guest hint) use this name too.
  const name = `current-customer:${location.origin}:${appClientId}`;
  /** This tab's id in its messages. */
  const from = Math.random();
  const others = new Set<number>();
  // The early start's channel (early.ts) when there is one: the messages it heard are replayed below.
  const channel = adopted?._channel ?? new BroadcastChannel(name);
  const record = `${name} ${from}`;
  /** Runs `use` on localStorage; where storage is blocked (it throws), returns `blocked`. */
  const storage = <T>(use: (store: Storage) => T, blocked: T): T => {
    try {
      return use(localStorage);
    } catch {
      return blocked;
    }
  };
  const present = () =>
    storage((store) => store.setItem(record, `${Date.now() + PRESENCE}`), undefined);
  /**
   * Whether another tab's record is live (read at opening, before this tab writes its own); expired ones
   * are removed. Unreadable: maybe, so wait.
   */
  const othersRecorded = () =>
    storage((store) => {
      let live = false;
      for (const key of Object.keys(store))
        if (key.startsWith(`${name} `)) {
          if (Number(store.getItem(key)) > Date.now()) live = true;
          else store.removeItem(key);
        }
      return live;
    }, true);
  /**
   * Ends the opening wait: at the first reply, or ASK_TIMEOUT ms after opening; at once when no other
   * tab's record is live.
   */
  let introduced: () => void;
  const introduction = new Promise<void>((resolve) => {
    introduced = resolve;
    if (othersRecorded()) setTimeout(resolve, ASK_TIMEOUT);
    else resolve();
  });
  const send = (message: TabMessage) => {
    if (message.type === 'state') present();
    channel.postMessage({ ...message, from });
  };
  const hear = (data: TabMessage) => {
    if (data.from !== undefined) {
      if (data.type === 'bye') others.delete(data.from);
      else others.add(data.from);
      introduced();
    }
    receive(data);
  };
  channel.onmessage = ({ data }: MessageEvent<TabMessage>) => hear(data);
  present();
  send({ type: 'ask' });
  // After the caller holds the returned Tabs (what the messages start runs under the lock), before any lock
  // is granted (a task).
  queueMicrotask(() => {
    for (const data of adopted?._heard ?? []) hear(data as TabMessage);
  });

  return {
    _send: send,
    _exclusive: (task, signal) => locks.request(name, { signal }, task),
    async _othersOpen() {
      await introduction;
      return others.size > 0;
    },
    _alone: () => others.clear(),
    _close() {
      send({ type: 'bye' });
      storage((store) => store.removeItem(record), undefined);
      channel.close();
      introduced();
    },
  };
};
