import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { mulawRms } from "./faults";
import { FakeSmallest } from "./smallest";

let fake: FakeSmallest | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const BODY = { text: "Hello from the fake.", voice_id: "magnus", sample_rate: 8000, output_format: "ulaw" };

function post(path: string, body: unknown, apiKey = "sk_test") {
  return fetch(`${fake?.url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("FakeSmallest", () => {
  it("streams SSE frames exactly as the Waves API documents them", async () => {
    fake = await FakeSmallest.start({ firstByteLatencyMs: 0, chunkIntervalMs: 0, chunkMs: 100 });
    const response = await post("/waves/v1/tts/live", BODY);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    const last = events.pop();
    expect(last).toBe('data: {"status":"200","done":true}');
    const audio: Buffer[] = [];
    for (const event of events) {
      const [eventLine, dataLine] = event.split("\n");
      expect(eventLine).toBe("event: audio");
      const data = JSON.parse(dataLine?.replace(/^data: /, "") ?? "{}") as Record<string, unknown>;
      expect(data).toMatchObject({ done: false, status: "206" });
      audio.push(Buffer.from(String(data.audio), "base64"));
    }
    // 20 chars at 60 ms/char = 1.2 s of 8 kHz mu-law, 100 ms per chunk.
    expect(audio).toHaveLength(12);
    const all = Buffer.concat(audio);
    expect(all.length).toBe(9600);
    expect(mulawRms(all)).toBeGreaterThan(1000);
    expect(all.equals(Buffer.from(fake.audioFor(BODY.text)))).toBe(true);
  });

  it("serves the sync endpoint as one binary body, and pcm when asked", async () => {
    fake = await FakeSmallest.start({ firstByteLatencyMs: 0 });
    const ulaw = Buffer.from(await (await post("/waves/v1/tts", BODY)).arrayBuffer());
    expect(ulaw.length).toBe(fake.audioMsFor(BODY.text) * 8);
    const pcm = await post("/waves/v1/tts", { ...BODY, output_format: "pcm" });
    expect((await pcm.arrayBuffer()).byteLength).toBe(ulaw.length * 2);
  });

  it("rejects what the real API rejects, with its error shapes", async () => {
    fake = await FakeSmallest.start({ firstByteLatencyMs: 0 });
    const unauthorized = await post("/waves/v1/tts/live", BODY, "sk_other");
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({
      error: "Unauthorized",
      message: "Bearer token is missing or invalid.",
    });
    const mulaw = await post("/waves/v1/tts/live", { ...BODY, output_format: "mulaw" });
    expect(mulaw.status).toBe(400);
    expect(((await mulaw.json()) as { message: string }).message).toContain("invalid_enum_value");
    const noText = await post("/waves/v1/tts/live", { ...BODY, text: "" });
    expect(await noText.json()).toEqual({ error: "InvalidRequest", message: "The 'text' field is required." });
    // Leaving sample_rate out means 44100 Hz, which a phone line cannot play.
    const { sample_rate: _omit, ...defaultRate } = BODY;
    expect((await post("/waves/v1/tts/live", defaultRate)).status).toBe(400);
    expect(fake.requests.map((r) => r.status)).toEqual([401, 400, 400, 400]);
  });

  it("enforces the one-request concurrency limit when asked to", async () => {
    fake = await FakeSmallest.start({ firstByteLatencyMs: 100, concurrencyLimit: 1 });
    const first = post("/waves/v1/tts/live", BODY);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await post("/waves/v1/tts/live", BODY);
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: string }).error).toBe("TooManyRequests");
    expect((await (await first).text()).endsWith('"done":true}\n\n')).toBe(true);
    expect((await post("/waves/v1/tts/live", BODY)).status).toBe(200);
  });

  it("speaks the WebSocket protocol: continue/flush buffering, chunk and complete", async () => {
    fake = await FakeSmallest.start({ firstByteLatencyMs: 0, chunkIntervalMs: 0 });
    const ws = new WebSocket(`${fake.wsUrl}/waves/v1/tts/live`, { headers: { Authorization: "Bearer sk_test" } });
    const messages: Record<string, unknown>[] = [];
    const complete = new Promise<void>((resolve) =>
      ws.on("message", (data) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        messages.push(message);
        if (message.status === "complete") resolve();
      }),
    );
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ voice_id: "magnus", text: "Hello ", continue: true, request_id: "r1" }));
    ws.send(JSON.stringify({ voice_id: "magnus", text: "world.", flush: true, request_id: "r1" }));
    await complete;
    ws.close();
    const chunks = messages.filter((m) => m.status === "chunk");
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks[0]).toMatchObject({ request_id: "r1", status: "chunk", data: { audio: expect.any(String) } });
    expect(String(chunks[0]?.session_id)).toMatch(/^ws_/);
    expect(messages.at(-1)).toMatchObject({ request_id: "r1", status: "complete", done: true });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body.text).toBe("Hello world.");
    const bytes = chunks.reduce(
      (n, m) => n + Buffer.from(String((m.data as { audio: string }).audio), "base64").length,
      0,
    );
    expect(bytes).toBe(fake.audioMsFor("Hello world.") * 8);
  });

  it("closes an idle WebSocket with the documented error", async () => {
    fake = await FakeSmallest.start();
    const ws = new WebSocket(`${fake.wsUrl}/waves/v1/tts/live?timeout=0.2`, {
      headers: { Authorization: "Bearer sk_test" },
    });
    const message = await new Promise<Record<string, unknown>>((resolve) =>
      ws.on("message", (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)),
    );
    expect(message).toEqual({ status: "error", message: "Connection timed out after 0 seconds of inactivity" });
    await new Promise((resolve) => ws.on("close", resolve));
  });

  it("lists voices per model pool", async () => {
    fake = await FakeSmallest.start();
    const response = await fetch(`${fake.url}/waves/v1/lightning-v3.1/get_voices`, {
      headers: { Authorization: "Bearer sk_test" },
    });
    const { voices } = (await response.json()) as { voices: { voiceId: string; tags: { language: string[] } }[] };
    expect(voices.map((v) => v.voiceId)).toContain("magnus");
    expect(voices[0]?.tags.language).toEqual(["english"]);
  });
});
