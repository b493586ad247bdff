// The demo customers a developer can sign in as, shaped like Stencil's `customer` render context.
import type { DemoCustomer } from './token.js';

function customer(
  id: number,
  first: string,
  last: string,
  group: [number, string],
  credit: number,
): DemoCustomer {
  return {
    id,
    email: `${first}.${last}@example.com`.toLowerCase(),
    first_name: first,
    last_name: last,
    name: `${first} ${last}`,
    phone: '555-0100',
    customer_group_id: group[0],
    customer_group_name: group[1],
    store_credit: { value: credit, currency: 'USD', formatted: `$${credit.toFixed(2)}` },
  };
}

export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  customer(4927, 'Jane', 'Doe', [6, 'Retail'], 0),
  customer(5012, 'Sam', 'Rivera', [2, 'Wholesale'], 25),
];

export function findDemoCustomer(id: number | undefined): DemoCustomer | undefined {
  if (id === undefined) return DEMO_CUSTOMERS[0];
  return DEMO_CUSTOMERS.find((c) => c.id === id);
}

/** The demo loyalty balance the backend answers (the README's worked example shows 1250). */
export function loyaltyPoints(customerId: number): number {
  return customerId === DEMO_CUSTOMERS[0]?.id ? 1250 : (customerId * 37) % 2000;
}

export interface DemoProduct {
  id: number;
  name: string;
  sku: string;
  price: string;
  purchasedAt: string;
}

const CATALOG = [
  ['Orbit Terrarium - Large', 'OTL', '109.00'],
  ['Utility Caddy', 'OFSUC', '45.95'],
  ['Canvas Laundry Cart', 'CLC', '200.00'],
  ['Chemex Coffeemaker 3 Cup', 'CC3C', '49.50'],
  ['Able Brewing System', 'ABS', '225.00'],
  ['Sample Dustpan & Brush', 'DPB', '34.95'],
  ['Tiered Wire Basket', 'TWB', '119.95'],
  ['Fog Linen Chambray Towel', 'FLCT', '49.00'],
] as const;

/** A few "recently purchased products", the same every time for the same customer id. */
export function recentlyPurchased(customerId: number, count = 3): DemoProduct[] {
  const products: DemoProduct[] = [];
  for (let i = 0; i < count; i++) {
    const index = (customerId * 7 + i * 3) % CATALOG.length;
    const [name, sku, price] = CATALOG[index] as (typeof CATALOG)[number];
    const day = 1 + ((customerId + i * 11) % 28);
    products.push({
      id: 100 + index,
      name,
      sku,
      price,
      purchasedAt: `2024-0${1 + ((customerId + i) % 9)}-${String(day).padStart(2, '0')}`,
    });
  }
  return products;
}
