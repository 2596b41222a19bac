import { afterEach, describe, expect, it, vi } from "vitest";

// GET /api/metrics as Next.js calls it. env() is read once per module instance, so each case imports the route
// afresh with its own environment.
async function routeWith(vars: Record<string, string>) {
  vi.resetModules();
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
  return import("@/app/api/metrics/route");
}

const get = (route: Awaited<ReturnType<typeof routeWith>>, headers: Record<string, string>) =>
  route.GET(new Request("http://localhost:3000/api/metrics", { headers }));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("GET /api/metrics", () => {
  const TOKEN = "web-metrics-token-0123456789";

  it("with METRICS_TOKEN: anonymous and wrong tokens get 401, the token gets the process metrics", async () => {
    const route = await routeWith({ METRICS_TOKEN: TOKEN });
    const anonymous = await get(route, { "x-forwarded-for": "127.0.0.1" });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe("Unauthorized");
    expect((await get(route, { authorization: "Bearer wrong-token-0123456789abc" })).status).toBe(401);
    const ok = await get(route, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(text).toContain("nodejs_gc_duration_seconds");
  });

  it("without a token in development: a local client only", async () => {
    const route = await routeWith({ NODE_ENV: "development" });
    expect((await get(route, { "x-forwarded-for": "127.0.0.1" })).status).toBe(200);
    expect((await get(route, { "x-forwarded-for": "::1" })).status).toBe(200);
    expect((await get(route, { "x-forwarded-for": "203.0.113.9" })).status).toBe(401);
    // Relayed by a proxy: the peer is not this machine, whatever the first entry claims.
    expect((await get(route, { "x-forwarded-for": "127.0.0.1, 203.0.113.9" })).status).toBe(401);
    expect((await get(route, {})).status).toBe(401);
  });
});
