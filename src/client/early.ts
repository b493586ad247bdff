// The early start: what the theme partial's inline script (templates/components/current-customer/config.html)
// began before this file arrived, taken over by the client of its configuration element.
//
// On a page of a logged-in customer, where no other tab of the store and app has a live presence record
// (tabs.ts), the inline script runs while the page is parsed, long before an async file does (on a first view
// the file comes over a new CDN connection: 2 RTT, 3 with TLS). In order, it:
// 1. opens the tabs' BroadcastChannel and keeps every message it hears (`heard`);
// 2. asks the storefront for the token (`token`), exactly as exchange.ts does;
// 3. POSTs that token to the endpoint, exactly as exchange.ts does, if the storefront answered 2xx with a token
//    of the page's customer (`post`: the body sent, and the backend's answer).
// It checks the options as options.ts does first, and does nothing at all when they are wrong, the page is
// prerendered, refreshing is off or storage is blocked: the client then works as if there were no early start.
//
// The client takes these requests as its own first ones only while they can be what it would have done:
// - the token stands in for the client's first storefront request only if nothing was heard from another tab
//   since the channel opened (a message may say the customer logged out or changed meanwhile, or that a tab
//   holds a token: then the client works as usual, and asks again);
// - the POST stands in for the client's first POST only if the client posts that same body (its answer, or its
//   failure, is that attempt's);
// - and all of it only if the client arrives within EARLY_MAX_AGE of the token request (a token's lifetime
//   counts from when it arrived: an older one would look valid for longer than it is).
// A token from an early start was requested outside the lock (tabs.ts): other tabs are told about it, but not as
// `fresh` (sync.ts), since another tab may have fetched a newer one meanwhile.
import type { CurrentCustomerFetch, ResolvedOptions } from './options.js';
import { tokenUrl } from './token.js';

/** What the inline script leaves on the configuration element, as `currentCustomerEarly`. */
export interface EarlyStart {
  /** `performance.now()` when the token request left. */
  at: number;
  /** The storefront's answer to the token request (its body unread). */
  token: Promise<Response>;
  /**
   * The POST of that token, once sent: the body, and the backend's answer (which rejects as fetch does);
   * `undefined` when it posted nothing. Never rejects.
   */
  post: Promise<[string, Promise<Response>] | undefined>;
  /** The tabs' channel, opened before the token request; `undefined` without BroadcastChannel. */
  channel?: BroadcastChannel;
  /** Every message the channel brought before the client took it over. */
  heard: unknown[];
}

/** The configuration element, with what the inline script left on it. */
export type EarlyElement = Element & { currentCustomerEarly?: EarlyStart };

/** How long after the token request the client may still take it over (ms); later, it is left unused. */
export const EARLY_MAX_AGE = 10_000;

/** The early start's channel, for tabs.ts to take over: the messages heard so far are replayed to it. */
export interface EarlyChannel {
  _channel: BroadcastChannel;
  _heard: unknown[];
}

export interface Early {
  /** The client's transport: an early request where it stands for the client's own, else `config.fetch`. */
  _fetch: CurrentCustomerFetch;
  _tabs?: EarlyChannel;
  /** Whether `response` is the early start's storefront answer (told to other tabs as not fresh). */
  _isEarly(response: Response): boolean;
}

/**
 * Takes over an early start for a client with these options; `undefined` when there is none, the options are
 * bad (`config` undefined) or it is too old, and then its channel is closed.
 */
export const adoptEarly = (
  start: EarlyStart | undefined,
  config: Pick<ResolvedOptions, 'appClientId' | 'endpoint' | 'fetch'> | undefined,
): Early | undefined => {
  if (!start) return;
  const { channel, heard } = start;
  if (!config || performance.now() - start.at > EARLY_MAX_AGE) {
    channel?.close();
    return;
  }
  // The transport the client had: it is given _fetch in its place.
  const transport = config.fetch;
  let token: Promise<Response> | undefined = start.token;
  let post: EarlyStart['post'] | undefined;
  let early: Response | undefined;
  // Anything heard from another tab, before or after the take-over, and the early token is not used.
  const drop = () => {
    token = undefined;
  };
  if (heard.length) drop();
  channel?.addEventListener('message', drop);
  return {
    async _fetch(url, init) {
      if (token && url === tokenUrl(config.appClientId)) {
        const pending = token;
        token = undefined;
        early = await pending;
        post = start.post;
        return early;
      }
      if (post && url === config.endpoint) {
        const sent = await post;
        post = undefined;
        // The same POST: its answer, or its failure, is this attempt's.
        if (sent && sent[0] === init.body) return sent[1];
      }
      return transport(url, init);
    },
    _tabs: channel && { _channel: channel, _heard: heard },
    _isEarly: (response) => response === early,
  };
};
