// Lists bound to the backend's answer, for theme markup: one <template> for an item, cloned per entry of
// the array at a path in the answer, with text, links and images set from each entry. Text only: values go
// in with textContent or as a checked URL attribute, never as markup.
//
// Driven by one client's events (the drop-in file's, found through the ready queue). It relies on the
// client for whose answer it shows: a client emits `response` only for the token of the customer the page
// was rendered for, and after `changed` (another customer, or nobody) it takes no answer any more, so a
// list never shows another customer's entries. `changed` and `guest` empty the list at once: before the
// handlers subscribed after the list's and before the `current-customer:*` document event.
import { textAt, valueAt } from './answer-path.js';
import type { CurrentCustomer, StencilCurrentCustomerGlobal } from './client.js';

/** The answer's dot path to the array the list shows, e.g. `data-current-customer-list="products"`. */
const LIST = 'data-current-customer-list';
/** Optional: the app client id whose answer the list shows; without it, the first client on the page. */
const APP = 'data-current-customer-app';
/** Prefix of the attributes naming an entry's dot path: `-item` (text), `-item-href`, `-item-src`, `-item-date`. */
const ITEM = 'data-current-customer-item';
/** On the list element, for CSS: what it shows (see CurrentCustomerListState). */
const STATE = 'data-current-customer-list-state';
/**
 * On an optional <template> child: the state it is shown in instead of entries (`empty`, `error`, `changed`
 * or `guest`). The first <template> child without it is the item's.
 */
const WHEN = 'data-current-customer-when';

/**
 * `items` once entries are shown; `empty` for an empty array; `error` when the answer has no array at the
 * path or a request failed for good before any entry was shown; `changed` after a change of customer;
 * `guest` when nobody is logged in any more. Before any of them, the attribute is absent.
 */
export type CurrentCustomerListState = 'items' | 'empty' | 'error' | 'changed' | 'guest';

/**
 * The absolute URL of the value at `path`: one on this page's origin, over its scheme (never javascript:,
 * data: or blob:, whose href does not start with the origin), or, when `open`, any https URL.
 */
const urlAt = (data: unknown, path: string, here: Location, open: boolean) => {
  const text = textAt(data, path);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text, here.href);
    if (url.href.startsWith(`${here.origin}/`) || (open && url.protocol === 'https:'))
      return url.href;
  } catch {}
  return undefined;
};

/** The entry's values set into a clone of the item template's content. */
const fill = (fragment: DocumentFragment, entry: unknown, here: Location) => {
  const each = (suffix: string, set: (element: Element, path: string) => void) => {
    for (const element of fragment.querySelectorAll(`[${ITEM}${suffix}]`))
      set(element, element.getAttribute(ITEM + suffix) as string);
  };
  each('', (element, path) => {
    const text = textAt(entry, path);
    if (text !== undefined) element.textContent = text;
  });
  // Links only to this storefront; images from it or from any https origin (a CDN).
  for (const attribute of ['href', 'src'])
    each(`-${attribute}`, (element, path) => {
      const url = urlAt(entry, path, here, attribute === 'src');
      if (url) element.setAttribute(attribute, url);
    });
  // A date: `datetime` in ISO form, the text in the browser's locale.
  each('-date', (element, path) => {
    const date = new Date(textAt(entry, path) as string);
    if (!Number.isNaN(date.getTime())) {
      element.setAttribute('datetime', date.toISOString());
      element.textContent = date.toLocaleDateString();
    }
  });
  return fragment;
};

/** Binds one list element to `client`'s events. */
const bind = (list: Element, client: CurrentCustomer) => {
  const here = (list.ownerDocument.defaultView as Window).location;
  const templates = [...list.querySelectorAll<HTMLTemplateElement>(':scope>template')];
  const item = templates.find((template) => !template.hasAttribute(WHEN));
  /** Empties the list (its templates stay) and shows `nodes`. */
  const show = (state: CurrentCustomerListState, nodes: Node[]) => {
    list.setAttribute(STATE, state);
    list.replaceChildren(...templates, ...nodes);
  };
  const showState = (state: CurrentCustomerListState) => {
    const template = templates.find((candidate) => candidate.getAttribute(WHEN) === state);
    show(state, template ? [template.content.cloneNode(true)] : []);
  };
  // `changed` and `guest` empty the list first thing. A failure after entries were shown keeps them: they
  // are this page's customer's.
  for (const type of ['changed', 'guest', 'error'] as const)
    client.on(type, () => {
      if (type !== 'error' || list.getAttribute(STATE) !== 'items') showState(type);
    });
  client.on(
    'response',
    (answer) => {
      const entries = valueAt(answer, list.getAttribute(LIST) as string);
      if (!Array.isArray(entries) || !item) return showState('error');
      if (!entries.length) return showState('empty');
      show(
        'items',
        entries.map((entry) => fill(item.content.cloneNode(true) as DocumentFragment, entry, here)),
      );
    },
    { replay: true },
  );
};

/**
 * Binds every `[data-current-customer-list]` element of `doc` to its client in `api.clients`: at once when
 * the document is parsed, else at `DOMContentLoaded` (after the drop-in file's own boot then, so every
 * client of the page is there). An answer that came before is shown at once (`replay`). Binding one
 * element twice is harmless: both bindings render the same. Never throws.
 */
export const bindCurrentCustomerLists = (
  api: StencilCurrentCustomerGlobal,
  doc: Document = document,
): void => {
  const scan = () => {
    for (const list of doc.querySelectorAll(`[${LIST}]`)) {
      // An empty attribute (a theme setting left blank) counts as none.
      const app = list.getAttribute(APP);
      const client = app ? api.clients[app] : Object.values(api.clients)[0];
      try {
        if (client) bind(list, client);
      } catch (error) {
        console.error(error);
      }
    }
  };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', scan);
  else scan();
};
