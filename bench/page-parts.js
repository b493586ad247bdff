// Parts of the bench:page pages shared by its two modes (bench/page.js, bench/page-latency.js): the floor
// (seed snippet) partial, the page's filler, and the emulator started as a child process.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The floor's partial: the same configuration element as the package's partial, then an inline script that
 * does only what any implementation must. It signals the end like the module, with the same document event.
 */
export const FLOOR_PARTIAL = `{{~#if @root.customer~}}
{{> components/current-customer/config script=false}}
<script nonce="{{nonce}}">
fetch("/customer/current.jwt?app_client_id=" + encodeURIComponent({{{json @root.theme_settings.current_customer_app_client_id}}}), { credentials: "same-origin" })
  .then((r) => r.text())
  .then((token) => fetch({{{json @root.theme_settings.current_customer_endpoint}}}, { method: "POST", credentials: "omit", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: token.trim() }) }))
  .then((r) => r.json())
  .then((detail) => document.dispatchEvent(new CustomEvent("current-customer:response", { detail })));
</script>
{{~/if~}}
`;

/**
 * The page's size: a rendered Cornerstone product page. Cornerstone 6.21's product page renders about 30 KB in the
 * emulator's empty store; a real one adds the menu, the product's data, related products and reviews, so the
 * default is 200 KB (set BENCH_PAGE_KB to try others). The filler is product-card markup, before the include
 * (which `install` puts just before </body>), so the parser has a long document to get through, as on a store.
 */
export const PAGE_KB = Number(process.env.BENCH_PAGE_KB || 200);

const card = (i) =>
  `<article class="card"><figure class="card-figure"><a href="/products/${i}" class="card-figure__link" aria-label="Product ${i}"><div class="card-img-container"><img alt="Product ${i}" title="Product ${i}" data-sizes="auto" class="card-image lazyload"></div></a><figcaption class="card-figcaption"><div class="card-figcaption-body"><button type="button" class="button button--small card-figcaption-button quickview" data-event-type="product-click" data-product-id="${i}">Quick view</button><label class="button button--small card-figcaption-button" for="compare-${i}">Compare <input type="checkbox" name="products[]" value="${i}" id="compare-${i}" data-compare-id="${i}"></label></div></figcaption></figure><div class="card-body"><p class="card-text" data-test-info-type="brandName">Common Good</p><h3 class="card-title"><a aria-label="Product ${i}, $49.00" href="/products/${i}" data-event-type="product-click">Product ${i}</a></h3><div class="card-text" data-test-info-type="price"><div class="price-section price-section--withoutTax"><span class="price-label"></span><span data-product-price-without-tax class="price price--withoutTax">$49.00</span></div></div></div></article>\n`;

/** Product cards adding up to about `kb` kilobytes. */
export function filler(kb) {
  let html = '<section class="productCarousel" data-list-name="Related Products">\n';
  for (let i = 1; Buffer.byteLength(html) < kb * 1024; i++) html += card(i);
  return `${html}</section>\n`;
}

/**
 * Starts an emulator (no demo panel: only the module or the floor runs), with `env` added to its environment,
 * and resolves its two URLs, and its store API's base URL and access token.
 */
export function startEmulator(extraArgs = [], env = {}) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/cli.js'),
      'dev',
      '--port',
      '0',
      '--backend-port',
      '0',
      '--no-panel',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the emulator did not start:\n${out}`)),
      20_000,
    );
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}:\n${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const storefront = /^storefront:\s+(\S+)/m.exec(out)?.[1];
      const backend = /^app backend:\s+(\S+)/m.exec(out)?.[1];
      // The emulated store API: its base URL and access token (printed after the two URLs).
      const storeApi = /^store API:\s+(\S+) \(X-Auth-Token: (\w+)\)/m.exec(out);
      if (storefront && backend && storeApi) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          child,
          storefront,
          backend,
          storeApiUrl: storeApi[1],
          storeApiToken: storeApi[2],
        });
      }
    });
  });
}

export const stats = (values) => {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
};
