// What this tab tells the other tabs and makes of what they tell it (tabs.ts moves the messages). The
// rules: only a token just fetched says who is logged in now; an older one is taken only for the customer
// this tab has already seen; an answer is taken only with its own token; a guest page is a hint that
// makes one tab ask the storefront, never a logout by itself.
import { type Identity, sameCustomer } from './identity.js';
import { wait } from './scope.js';
import { type ClientState, done, forget, remaining, valid } from './state.js';
import { ASK_TIMEOUT, type TabMessage, type Tabs } from './tabs.js';
import { decodeToken } from './token.js';

export interface Sync {
  /** The other tabs while this one is connected; `undefined` when working alone. */
  _tabs: Tabs | undefined;
  /**
   * Tells the other tabs the valid token this one holds, with its answer when there is one. (Only a 404
   * just received says "nobody": an old one may be stale.)
   */
  _share(): void;
  _receive(message: TabMessage): void;
  /**
   * Asks the other tabs, if any is open, for their token and answer, and waits until they arrive, at
   * most ASK_TIMEOUT ms. A short bounded wait (under the lock: the next tab in line may get the lock
   * before the message that tells it the work was done). Rejects with `aborted` on abortAll().
   */
  _askOthers(): Promise<void>;
  /**
   * After a guest hint, under the lock: waits, at most ASK_TIMEOUT ms and only if another tab is open,
   * for the word of a tab that asked the storefront since the hint (it sends it before it lets go of the
   * lock, but the message may come after the lock). So the browser asks once per hint, not once per tab.
   */
  _awaitCheck(): Promise<void>;
}

/**
 * `refresh` runs the automatic fetch and post (another tab's token: this one posts if that tab goes away
 * before posting); `recheck` asks the storefront again after a guest hint.
 */
export const createSync = <TResponse>(
  state: ClientState<TResponse>,
  identity: Identity<TResponse>,
  refresh: () => void,
  recheck: () => void,
): Sync => {
  /** Called after each message from another tab (the wait of askOthers() listens here). */
  let heard: (() => void) | undefined;

  const takeState = (message: Extract<TabMessage, { type: 'state' }>) => {
    if (message.checked) state._guestHint = false;
    const { token } = message;
    if (token === null) {
      if (message.fresh && (state._seen !== null || !state._halted)) identity._logout();
      return;
    }
    if (token !== state._token) {
      const claims = decodeToken(token);
      // Only a token just fetched says who is logged in now. An older one is taken only for the customer
      // this tab has seen: else it is stale, not a switch, and a tab that has seen nobody yet learns who is
      // logged in from the storefront (its own fetch, or a tab's fetch), never from an older token.
      if (
        !message.fresh &&
        (state._seen === undefined || !sameCustomer(claims.customer.id, state._seen))
      )
        return;
      forget(state);
      identity._accept(token, claims, message.ttl as number);
      refresh();
    }
    if (message.answered && token === state._token && state._answered !== token)
      identity._take(token, message.data as TResponse);
  };

  /** Waits until `until()` holds after a message from another tab, at most ASK_TIMEOUT ms. */
  const listen = async (until: () => boolean) => {
    try {
      await wait(
        state,
        ASK_TIMEOUT,
        () =>
          new Promise<void>((resolve) => {
            heard = () => {
              if (until()) resolve();
            };
          }),
      );
    } finally {
      heard = undefined;
    }
  };

  const sync: Sync = {
    _tabs: undefined,
    _share() {
      if (valid(state))
        sync._tabs?._send({
          type: 'state',
          token: state._token,
          ttl: remaining(state),
          answered: state._answered === state._token,
          data: state._response,
        });
    },
    _receive(message) {
      try {
        if (message.type === 'ask') sync._share();
        else if (message.type === 'guest') {
          state._guestHint = true;
          recheck();
        } else if (message.type === 'state') takeState(message);
      } catch {
        // A malformed token, or another customer's (observe() emitted `changed`).
      }
      heard?.();
    },
    async _askOthers() {
      const tabs = sync._tabs;
      const settled = () => state._halted || done(state);
      if (!tabs || !(await tabs._othersOpen()) || settled()) return;
      tabs._send({ type: 'ask' });
      await listen(settled);
      // No tab holds what this one needs: it will not ask them again until one of them says something.
      if (!settled()) tabs._alone();
    },
    async _awaitCheck() {
      if (await sync._tabs?._othersOpen()) await listen(() => state._halted || !state._guestHint);
    },
  };
  return sync;
};
