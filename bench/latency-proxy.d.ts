// Types of bench/latency-proxy.js, for the tests that import it.
export interface LatencyProxy {
  port: number;
  /** `http://127.0.0.1:<port>` (or `http://[::1]:<port>`) */
  origin: string;
  /** Connections opened through the proxy so far. */
  connections: number;
  close(): Promise<void>;
}

export function startLatencyProxy(options: {
  /** The port on 127.0.0.1 to forward to, asked for each new connection. */
  target: () => number;
  rttMs: number;
  tls?: boolean;
  /** The address to listen on: `127.0.0.1` (the default) or `::1`. */
  host?: string;
}): Promise<LatencyProxy>;
