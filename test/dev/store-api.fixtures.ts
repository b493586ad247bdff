// Shapes from BigCommerce's published API reference, for the emulated store API's tests: the v2 "List
// Orders" and "List Order Products" response examples and a v3 catalog product with `include=primary_image`
// and `custom_url`. Values are the documented examples' (trimmed to the fields the emulator sends); the
// tests compare field names and JSON types, not values.

export const V2_ORDER = {
  id: 100,
  customer_id: 10,
  date_created: 'Wed, 14 Nov 2012 19:26:23 +0000',
  date_modified: 'Wed, 14 Nov 2012 19:26:23 +0000',
  date_shipped: '',
  status_id: 11,
  status: 'Awaiting Fulfillment',
  subtotal_ex_tax: '79.0000',
  subtotal_inc_tax: '79.0000',
  total_ex_tax: '79.0000',
  total_inc_tax: '79.0000',
  items_total: 1,
  payment_method: 'cash',
  currency_code: 'USD',
  ip_address: '50.58.18.2',
  is_deleted: false,
  billing_address: {
    first_name: 'Trisha',
    last_name: 'McLaughlin',
    street_1: '12345 W Anderson Ln',
    city: 'Austin',
    state: 'Texas',
    zip: '78757',
    country: 'United States',
    country_iso2: 'US',
    phone: '',
    email: 'elsie@example.com',
  },
  products: {
    url: 'https://store-bwvr466.mybigcommerce.com/api/v2/orders/100/products.json',
    resource: '/orders/100/products',
  },
  shipping_addresses: {
    url: 'https://store-bwvr466.mybigcommerce.com/api/v2/orders/100/shippingaddresses.json',
    resource: '/orders/100/shippingaddresses',
  },
  coupons: {
    url: 'https://store-bwvr466.mybigcommerce.com/api/v2/orders/100/coupons.json',
    resource: '/orders/100/coupons',
  },
};

export const V2_ORDER_PRODUCT = {
  id: 16,
  order_id: 115,
  product_id: 0,
  order_address_id: 16,
  name: 'Cynthia Gilbert Signature Collection',
  sku: '',
  type: 'physical',
  base_price: '93.1800',
  price_ex_tax: '93.1800',
  price_inc_tax: '93.1800',
  base_total: '93.1800',
  total_inc_tax: '93.1800',
  quantity: 1,
  is_refunded: false,
  product_options: [],
};

export const V3_PRODUCT = {
  id: 86,
  name: 'Able Brewing System',
  type: 'physical',
  sku: 'ABS',
  price: 225,
  is_visible: true,
  custom_url: { url: '/able-brewing-system/', is_customized: false },
  primary_image: {
    id: 286,
    product_id: 86,
    is_thumbnail: true,
    sort_order: 0,
    description: '',
    image_file: 'sample/ablebrewingsystem4.jpg',
    url_zoom: 'https://cdn11.bigcommerce.com/s-abc123/products/86/images/286/a.1280.1280.jpg?c=1',
    url_standard: 'https://cdn11.bigcommerce.com/s-abc123/products/86/images/286/a.386.513.jpg?c=1',
    url_thumbnail:
      'https://cdn11.bigcommerce.com/s-abc123/products/86/images/286/a.220.290.jpg?c=1',
    url_tiny: 'https://cdn11.bigcommerce.com/s-abc123/products/86/images/286/a.44.58.jpg?c=1',
    date_modified: '2020-06-05T06:37:28+00:00',
  },
};

export const V3_PAGINATION = {
  total: 5,
  count: 5,
  per_page: 50,
  current_page: 1,
  total_pages: 1,
  links: { current: '?page=1&include=primary_image&limit=50' },
  too_many: false,
};
