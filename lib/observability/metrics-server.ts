import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import { canReadMetrics, METRICS_UNAUTHORIZED_HEADERS } from "./metrics-access";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics";

// A small listener for /metrics on its own address (METRICS_PORT/METRICS_HOST): the worker's only port, and an
// option for the voice server. GET /healthz answers without a token when `health` is given, for orchestrators.

export type TMetricsServerOptions = {
  port: number;
  host: string;
  token: string | null;
  isProduction?: boolean;
  // Registries beyond the process one (default metrics are always included).
  registry?: Registry;
  registries?: Registry[];
  // Runs before each scrape, e.g. to sample a gauge that resets per scrape.
  beforeScrape?: () => void;
  health?: () => Promise<{ ok: boolean } & Record<string, unknown>>;
};

export type TMetricsServer = { readonly port: number; close(): Promise<void> };

export async function startMetricsServer(options: TMetricsServerOptions): Promise<TMetricsServer> {
  const registries = [...(options.registry ? [options.registry] : []), ...(options.registries ?? [])];
  const access = { token: options.token, isProduction: options.isProduction ?? false };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz" && options.health) {
      options
        .health()
        .then((body) => res.writeHead(body.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body)))
        .catch(() => res.writeHead(503, { "content-type": "application/json" }).end('{"ok":false}'));
      return;
    }
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return;
    }
    if (!canReadMetrics(access, { authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress ?? "" })) {
      res.writeHead(401, METRICS_UNAUTHORIZED_HEADERS).end("Unauthorized");
      return;
    }
    options.beforeScrape?.();
    renderMetrics(registries)
      .then((text) => res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(text))
      .catch(() => res.writeHead(500, { "content-type": "text/plain" }).end("Internal error"));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
