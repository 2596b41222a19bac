import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "@/tests/helpers/db";
import { createScriptedStt } from "./helpers/scripted-stt";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Twilio's webhooks refuse bodies over 64 KB with 413. Found by trying: they answered 500 (an internal error,
// logged and counted as one) for every oversized body.
let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers: offlineProviders({ stt: createScriptedStt([]) }) });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

// Raw HTTP, so the body can be sent with or without a Content-Length.
function post(path: string, body: Buffer, isChunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, voice.serverUrl);
    const request = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(isChunked ? {} : { "content-length": String(body.length) }) },
    });
    request.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // The server may close the socket before the whole body is sent; the response is what counts.
    request.on("error", (error) => (error.message.includes("EPIPE") || error.message.includes("ECONNRESET") ? undefined : reject(error)));
    if (isChunked) {
      for (let i = 0; i < body.length; i += 16 * 1024) request.write(body.subarray(i, i + 16 * 1024));
      request.end();
    } else {
      request.end(body);
    }
  });
}

describe("oversized Twilio webhook bodies", () => {
  const big = Buffer.from(`CallSid=CA1&Padding=${"x".repeat(200 * 1024)}`);
  it.each(["/twilio/voice", "/twilio/status", "/twilio/recording-done"])("%s answers 413, declared or streamed", async (path) => {
    for (const isChunked of [false, true]) {
      const res = await post(path, big, isChunked);
      expect(res.status, `${path} chunked=${isChunked}`).toBe(413);
    }
  });

  it("a body just under the limit still reaches the signature check (403 unsigned)", async () => {
    const res = await post("/twilio/voice", Buffer.from(`CallSid=CA1&Padding=${"x".repeat(60 * 1024)}`), false);
    expect(res.status).toBe(403);
  });
});
