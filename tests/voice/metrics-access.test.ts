import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "@/tests/helpers/db";
import { createScriptedStt } from "./helpers/scripted-stt";
import { offlineProviders, startTestVoiceServer } from "./helpers/voice-server";

// /metrics on the voice server is never public: a bearer token, or a listener of its own.

const TOKEN = "voice-metrics-token-0123456789";
let testDb: Awaited<ReturnType<typeof createTestDb>>;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  testDb = await createTestDb();
});

afterAll(async () => {
  await testDb?.drop();
});

describe("voice /metrics access", () => {
  it("refuses an anonymous or wrong-token scrape and serves call and process metrics to the token", async () => {
    const voice = await startTestVoiceServer({
      db: testDb.db,
      dbUrl: testDb.url,
      providers: offlineProviders({ stt: createScriptedStt([]) }),
      env: { METRICS_TOKEN: TOKEN },
    });
    try {
      const anonymous = await fetch(`${voice.serverUrl}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain("voice_");
      const wrong = await fetch(`${voice.serverUrl}/metrics`, { headers: { authorization: "Bearer not-the-token-at-all-123" } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${voice.serverUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      const text = await ok.text();
      // What bench:voice reads, and the process metrics next to them.
      for (const name of ["voice_pacer_late_frames_total", "voice_event_loop_lag_p99_ms", "voice_event_loop_lag_max_ms", "voice_active_calls 0"]) {
        expect(text).toContain(name);
      }
      expect(text).toContain("process_cpu_seconds_total");
      expect(text).toContain("nodejs_gc_duration_seconds");
    } finally {
      await voice.stop();
    }
  });

  it("with METRICS_PORT, serves /metrics only on that listener", async () => {
    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const voice = await startTestVoiceServer({
      db: testDb.db,
      dbUrl: testDb.url,
      providers: offlineProviders({ stt: createScriptedStt([]) }),
      env: { METRICS_TOKEN: TOKEN, METRICS_PORT: String(metricsPort), METRICS_HOST: "127.0.0.1" },
    });
    try {
      expect((await fetch(`${voice.serverUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      expect((await fetch(metricsUrl)).status).toBe(401);
      const ok = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("voice_calls_started_total 0");
    } finally {
      await voice.stop();
    }
    // The listener closes with the server.
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });
});
