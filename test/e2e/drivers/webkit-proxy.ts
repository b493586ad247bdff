// WebDriver classic has no script that runs before a page's own (and WebKitWebDriver 2.50 refuses the
// BiDi capability `webSocketUrl`), so a WebKit context browses through this forward proxy on 127.0.0.1:
// it passes every request through untouched (same URLs, so the same origins, cookies and CORS) and inserts
// the context's init scripts at the top of each HTML document, with the nonce of the page's CSP.
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectingProxy {
  /** `127.0.0.1:<port>`, for the WebDriver proxy capability. */
  address: string;
  /** Sources inserted into every HTML document, in order. */
  scripts: string[];
  close(): Promise<void>;
}

function inject(html: string, scripts: string[], headers: IncomingHttpHeaders): string {
  const csp = String(headers['content-security-policy'] ?? '');
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  const source = scripts.join(';\n').replace(/<\/script/gi, '<\\/script');
  const tag = `<script${nonce ? ` nonce="${nonce}"` : ''}>${source}</script>`;
  const head = /<head\b[^>]*>/i.exec(html) ?? /<!doctype[^>]*>/i.exec(html);
  if (!head) return tag + html;
  const at = head.index + head[0].length;
  return html.slice(0, at) + tag + html.slice(at);
}

export async function startInjectingProxy(): Promise<InjectingProxy> {
  const scripts: string[] = [];
  const server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    // Identity bodies, so that HTML can be edited.
    delete headers['accept-encoding'];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        const html = /^text\/html/i.test(String(answer.headers['content-type'] ?? ''));
        if (!html || scripts.length === 0 || req.method === 'HEAD') {
          res.writeHead(status, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', () => res.destroy());
        answer.on('end', () => {
          const body = inject(Buffer.concat(chunks).toString('utf8'), scripts, answer.headers);
          const out = { ...answer.headers };
          delete out['content-length'];
          delete out['transfer-encoding'];
          res.writeHead(status, out).end(body);
        });
      },
    );
    // A server that refuses the connection is a network error for the page, as without the proxy.
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    scripts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
