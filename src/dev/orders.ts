// The demo store's catalog and orders, served by the emulated store API (store-api.ts). The first demo
// customer has several orders over several products (one of them a custom line with no catalog product, one
// a product the store has since hidden); the second has none; other shoppers' orders sit in between, so a
// lookup that forgets its `customer_id` filter shows someone else's purchases.
import { DEMO_CUSTOMERS } from './customers.js';
import type { DemoCustomer } from './token.js';

export interface CatalogProduct {
  id: number;
  name: string;
  sku: string;
  /** Decimal, as v3 sends it (a number). */
  price: number;
  /** The storefront path, as v3's `custom_url.url`. */
  path: string;
  /** The image's file name; null: the product has no image. */
  image: string | null;
  /** False: hidden from the storefront (v3 `is_visible`). */
  visible: boolean;
}

export interface OrderLine {
  /** 0 for a custom product that is not in the catalog (as v2 documents it). */
  productId: number;
  name: string;
  quantity: number;
}

export interface DemoOrder {
  id: number;
  customerId: number;
  /** ISO 8601; v2 answers it as an RFC 2822 date. */
  createdAt: string;
  status: [id: number, name: string];
  lines: OrderLine[];
}

/** Products named after Cornerstone's sample catalog. */
export const CATALOG: readonly CatalogProduct[] = [
  product(77, 'Fog Linen Chambray Towel - Beige Stripe', 'FLCT', 49, 'fog-linen-chambray-towel'),
  product(80, 'Orbit Terrarium - Large', 'OTL', 109, 'orbit-terrarium-large'),
  product(81, 'Orbit Terrarium - Small', 'OTS', 89, 'orbit-terrarium-small'),
  product(86, 'Able Brewing System', 'ABS', 225, 'able-brewing-system'),
  product(88, 'Chemex Coffeemaker 3 Cup', 'CC3C', 49.5, 'chemex-coffeemaker-3-cup'),
  product(97, 'Tiered Wire Basket', 'TWB', 119.95, 'tiered-wire-basket'),
  product(103, '[Sample] Utility Caddy', 'OFSUC', 45.95, 'utility-caddy', false),
  product(104, 'Canvas Laundry Cart', 'CLC', 200, 'canvas-laundry-cart'),
  product(107, 'Dustpan & Brush', 'DPB', 34.95, 'dustpan-brush'),
];

function product(
  id: number,
  name: string,
  sku: string,
  price: number,
  slug: string,
  visible = true,
): CatalogProduct {
  return { id, name, sku, price, path: `/${slug}/`, image: `${slug}.jpg`, visible };
}

const line = (productId: number, quantity = 1): OrderLine => ({
  productId,
  name: CATALOG.find((p) => p.id === productId)?.name ?? 'Gift wrapping service',
  quantity,
});

const JANE = DEMO_CUSTOMERS[0] as DemoCustomer;
const SAM = DEMO_CUSTOMERS[1] as DemoCustomer;
/** A shopper who is not a demo customer: their orders must never show. */
export const OTHER_SHOPPER_ID = 7001;

/** Ids ascending; dates deliberately not in id order (an order imported later can be older). */
export const ORDERS: readonly DemoOrder[] = [
  order(100, JANE.id, '2024-03-02T10:15:00Z', [line(86), line(88, 2)]),
  order(101, OTHER_SHOPPER_ID, '2024-04-11T08:00:00Z', [line(104)]),
  order(102, JANE.id, '2024-05-19T16:42:00Z', [line(80), line(0)]),
  order(103, JANE.id, '2024-01-20T09:30:00Z', [line(77, 3), line(86)]),
  order(104, 0, '2024-06-01T12:00:00Z', [line(97)]),
  order(105, JANE.id, '2024-06-28T18:05:00Z', [line(97), line(103)]),
  order(106, OTHER_SHOPPER_ID, '2024-07-02T11:11:00Z', [line(107)]),
];

function order(id: number, customerId: number, createdAt: string, lines: OrderLine[]): DemoOrder {
  return { id, customerId, createdAt, status: [10, 'Completed'], lines };
}

/** The demo customer with no orders (the empty state). */
export const CUSTOMER_WITHOUT_ORDERS = SAM.id;
