// Declarative fields and the page state, for theme markup that shows the backend's answer without
// JavaScript. Driven by the `current-customer:*` events on `document` alone, so it works with any client
// on the page (the drop-in file's, or a bundled one).

/** Names the answer's dot path to show, e.g. `data-current-customer-field="loyalty.points"`. */
const FIELD = 'data-current-customer-field';
/** Optional: the app client id whose answer a field shows, when several apps are on the page. */
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

/** The text at `path` in `data` (own properties only) when it is a string, number or boolean. */
const textAt = (data: unknown, path: string): string | undefined => {
  let value = data;
  // Own properties only (`constructor` or `__proto__` find nothing), without Object.hasOwn, which Safari
  // lacks before 15.4.
  for (const key of path.split('.'))
    value =
      value !== null && typeof value === 'object'
        ? Object.getOwnPropertyDescriptor(value, key)?.value
        : undefined;
  // The answer is parsed JSON or text, which hold no functions or symbols: a value that is neither null,
  // undefined nor an object (or array) is a string, a number or a boolean.
  return value != null && typeof value !== 'object' ? String(value) : undefined;
};

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
  /** The app that last answered or cleared: what a field without `data-current-customer-app` shows. */
  let latest = '';
  const state = (value: CurrentCustomerPageState) => root.setAttribute(STATE, value);
  const fill = () => {
    for (const element of doc.querySelectorAll(`[${FIELD}]`)) {
      const answer = answers.get(element.getAttribute(APP) ?? latest);
      // An app that has not answered yet leaves the field as the page rendered it.
      if (answer !== undefined)
        element.textContent = answer
          ? (textAt(answer.data, element.getAttribute(FIELD) as string) ??
            element.getAttribute(FALLBACK) ??
            '')
          : '';
    }
  };
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
        latest = detail.appClientId;
        answers.set(latest, type === 'response' ? { data: detail.data } : null);
        // `changed` to another customer (`to` an id) waits for that customer's answer; to nobody is a guest.
        state(type === 'response' ? 'verified' : detail.to != null ? 'pending' : 'guest');
        fill();
      }
    });
};
