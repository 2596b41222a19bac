import { afterEach, describe, expect, it } from "vitest";
import { MetricsRegistry } from "./metrics";
import { canReadMetrics } from "./metrics-access";
import { startMetricsServer, type TMetricsServer } from "./metrics-server";

const TOKEN = "metrics-token-0123456789abcdef";
let server: TMetricsServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(options: { token: string | null; isProduction?: boolean }) {
  const registry = new MetricsRegistry();
  registry.counter("worker_jobs_total", "Jobs run.").inc();
  server = await startMetricsServer({
    port: 0,
    host: "127.0.0.1",
    ...options,
    registry: registry.registry,
    health: async () => ({ ok: true, role: "worker" }),
  });
  return `http://127.0.0.1:${server.port}`;
}

describe("startMetricsServer", () => {
  it("refuses anonymous and wrong-token scrapes and serves the right token", async () => {
    const url = await start({ token: TOKEN, isProduction: true });
    const anonymous = await fetch(`${url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await anonymous.text()).not.toContain("worker_jobs_total");
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, "Bearer "]) {
      expect((await fetch(`${url}/metrics`, { headers: { authorization } })).status).toBe(401);
    }
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain");
    const text = await ok.text();
    expect(text).toContain("worker_jobs_total 1");
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("without a token, serves loopback in development and nobody in production", async () => {
    const devUrl = await start({ token: null });
    expect((await fetch(`${devUrl}/metrics`)).status).toBe(200);
    await server?.close();
    const prodUrl = await start({ token: null, isProduction: true });
    expect((await fetch(`${prodUrl}/metrics`)).status).toBe(401);
  });

  it("answers /healthz without a token and nothing else", async () => {
    const url = await start({ token: TOKEN });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, role: "worker" });
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});

describe("canReadMetrics", () => {
  const dev = { token: null, isProduction: false };
  it("lets only loopback peers in without a token", () => {
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "127.0.0.1" })).toBe(true);
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "::ffff:127.0.0.1" })).toBe(true);
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "::1" })).toBe(true);
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "10.0.0.8" })).toBe(false);
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "::ffff:192.168.1.4" })).toBe(false);
  });

  it("never lets an unknown peer in without a token", () => {
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: null })).toBe(false);
    expect(canReadMetrics(dev, { authorization: null, remoteAddress: "" })).toBe(false);
  });

  it("with a token, a loopback peer still needs it", () => {
    const access = { token: TOKEN, isProduction: false };
    expect(canReadMetrics(access, { authorization: null, remoteAddress: "127.0.0.1" })).toBe(false);
    expect(canReadMetrics(access, { authorization: `bearer ${TOKEN}`, remoteAddress: "10.1.1.1" })).toBe(true);
  });
});

describe("worker metrics", () => {
  it("counts and times jobs and reads the analysis backlog at scrape time", async () => {
    const { createWorkerMetrics, timeJob } = await import("./worker-metrics");
    const metrics = createWorkerMetrics();
    let pending = 7;
    metrics.analysesPending.collect(async () => pending);
    expect(await timeJob(metrics, "analysis", async () => 42)).toBe(42);
    await expect(timeJob(metrics, "analysis", async () => Promise.reject(new Error("gemini down")))).rejects.toThrow("gemini down");
    server = await startMetricsServer({ port: 0, host: "127.0.0.1", token: TOKEN, registry: metrics.registry.registry });
    const scrape = async () =>
      (await fetch(`http://127.0.0.1:${server!.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const text = await scrape();
    expect(text).toContain('worker_jobs_total{job="analysis",result="ok"} 1');
    expect(text).toContain('worker_jobs_total{job="analysis",result="failed"} 1');
    expect(text).toContain('worker_job_duration_ms_count{job="analysis"} 2');
    expect(text).toContain("worker_analyses_pending 7");
    pending = 0;
    expect(await scrape()).toContain("worker_analyses_pending 0");
  });
});
