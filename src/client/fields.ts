// Declarative fields and the page state, for theme markup that shows the backend's answer without
// JavaScript. Driven by the `current-customer:*` events on `document` alone, so it works with any client
// on the page (the drop-in file's, or a bundled one).
import { textAt } from './answer-path.js';

/** Names the answer's dot path to show, e.g. `data-current-customer-field="loyalty.points"`. */
const FIELD = 'data-current-customer-field';
/**
 * Optional: the app client id whose answer a field shows, when several apps are on the page. Without it, a
 * field shows the first app, in the page order of the configuration elements, whose answer has a value at
 * its path (apps without a configuration element, bundled ones, come after, in the order they answered).
 */
const APP = 'data-current-customer-app';
/** Optional: the text shown when the answer has no text at the field's path. */
const FALLBACK = 'data-current-customer-fallback';
/** On `document.documentElement`, for CSS: see CurrentCustomerPageState. */
const STATE = 'data-current-customer';

/**
 * `pending` until an answer; `verified` once the backend answered; `guest` when nobody is logged in any
 * more (or the customer changed to nobody); `error` when a request failed for good before any answer. A
 * change to another customer goes back to `pending`.
 */
export type CurrentCustomerPageState = 'pending' | 'verified' | 'guest' | 'error';

interface Detail {
  appClientId: string;
  data?: unknown;
  to?: unknown;
}

/**
 * Fills every `[data-current-customer-field]` element of `doc` with `textContent` (never markup) from the
 * backend's answer when it arrives, and again at `DOMContentLoaded` for elements parsed later; empties them
 * on `guest` and `changed`. Sets `data-current-customer` on the root element. Call it once per document
 * (the drop-in file does; a theme that bundles the module calls it itself, before starting its clients).
 */
export const bindCurrentCustomerFields = (doc: Document = document): void => {
  const root = doc.documentElement;
  /** The latest answer per app client id; `null` once a guest or a change of customer cleared it. */
  const answers = new Map<string, { data: unknown } | null>();
  const state = (value: CurrentCustomerPageState) => root.setAttribute(STATE, value);
  /**
   * The text of a field whose path is `path`, from the first of `ids` whose answer has a value there; else
   * the fallback when one of them answered, `''` when they were all cleared, and `undefined` (leave the
   * field as the page rendered it) when none has answered yet.
   */
  const textFor = (ids: Iterable<string>, path: string, fallback: string | null) => {
    let text: string | undefined;
    for (const id of ids) {
      const answer = answers.get(id);
      if (answer) {
        const value = textAt(answer.data, path);
        if (value !== undefined) return value;
        text = fallback ?? '';
      } else if (answer === null) text ??= '';
    }
    return text;
  };
  const fill = () => {
    /** The app client ids in page order: the configuration elements', then the others that answered. */
    const order = new Set<string>();
    // The configuration elements carry the same attribute as the root element.
    for (const element of doc.querySelectorAll(`script[${STATE}]`))
      try {
        order.add(JSON.parse(element.textContent as string).appClientId);
      } catch {}
    for (const id of answers.keys()) order.add(id);
    for (const element of doc.querySelectorAll(`[${FIELD}]`)) {
      const app = element.getAttribute(APP);
      const text = textFor(
        app === null ? order : [app],
        element.getAttribute(FIELD) as string,
        element.getAttribute(FALLBACK),
      );
      if (text !== undefined) element.textContent = text;
    }
  };
  // A second call (a theme that also binds the fields) must not send a verified page back to pending.
  if (!root.hasAttribute(STATE)) state('pending');
  doc.addEventListener('DOMContentLoaded', fill);
  for (const type of ['response', 'guest', 'changed', 'error'])
    doc.addEventListener(`current-customer:${type}`, (event) => {
      const detail = (event as CustomEvent<Detail | null>).detail;
      if (type === 'error') {
        // A failed refresh does not undo an answer already shown.
        if (root.getAttribute(STATE) !== 'verified') state('error');
      } else if (detail) {
        // (An event without detail is not one of ours: ignored rather than a throw into the page.)
        answers.set(detail.appClientId, type === 'response' ? { data: detail.data } : null);
        // `changed` to another customer (`to` an id) waits for that customer's answer; to nobody is a guest.
        state(type === 'response' ? 'verified' : detail.to != null ? 'pending' : 'guest');
        fill();
      }
    });
};
