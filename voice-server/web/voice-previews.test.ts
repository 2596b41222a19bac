import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWav } from "@/lib/audio/wav";
import { listVoices as listVoicesFromWeb, previewVoice as previewFromWeb } from "@/lib/agents/voice-previews";
import { silentLogger } from "@/voice-server/observability/log";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { ProviderError, type TTtsProvider } from "@/voice-server/providers/types";
import { handleVoicesRequest, listVoices, previewWav } from "./voice-previews";

function failing(error: Error): TTtsProvider {
  return {
    name: "failing",
    // eslint-disable-next-line require-yield
    async *synthesize() {
      throw error;
    },
    voices: async () => {
      throw error;
    },
  };
}

describe("voice picker and preview on the voice server", () => {
  it("lists the offline voices after a 'default' choice", async () => {
    const { provider, voices } = await listVoices(createEspeakTts(), silentLogger);
    expect(provider).toBe("offline-espeak");
    expect(voices[0]).toMatchObject({ id: "default" });
    expect(voices.map((v) => v.id)).toContain("en-us+f3");
  });

  it("provider failures become clear messages", async () => {
    await expect(previewWav(failing(new ProviderError("tts", "auth", "401")), { voice: "x", language: "en-US" }, silentLogger)).rejects.toMatchObject({
      status: 502,
      message: "Could not make the voice sample: the voice provider rejected our credentials. Try again in a moment.",
    });
    await expect(listVoices(failing(new ProviderError("tts", "unavailable", "down")), silentLogger)).rejects.toMatchObject({
      message: "Could not load the list of voices: the voice provider is unavailable. Try again in a moment.",
    });
    const silent: TTtsProvider = { name: "silent", async *synthesize() {}, voices: async () => [] };
    await expect(previewWav(silent, { voice: "x", language: "en-US" }, silentLogger)).rejects.toMatchObject({ message: /no audio/ });
  });
});

describe("the web app's voice previews, served by the voice server", () => {
  const secretKey = randomBytes(32);
  let server: Server;
  let baseUrl = "";
  const teamId = randomUUID();

  beforeAll(async () => {
    const tts = createEspeakTts();
    server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (!handleVoicesRequest({ tts, secretKey, log: silentLogger }, req, res, path)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("a preview is a playable 8 kHz WAV of the text", async () => {
    const wav = await previewFromWeb(teamId, { voice: "en-us+f3", language: "en-US", text: "Thanks for calling Maple Clinic." }, { baseUrl, secretKey });
    const audio = parseWav(wav);
    expect(audio.sampleRate).toBe(8000);
    const seconds = audio.samples.length / audio.sampleRate;
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(10);
    expect(audio.samples.some((s) => Math.abs(s) > 1000)).toBe(true);
  }, 60_000);

  it("lists voices, and turns a bad request into a clear error", async () => {
    const list = await listVoicesFromWeb(teamId, { baseUrl, secretKey });
    expect(list.voices.map((v) => v.id)).toContain("en-us+f3");
    await expect(previewFromWeb(teamId, { voice: "", language: "en-US" }, { baseUrl, secretKey })).rejects.toMatchObject({
      code: "bad_request",
      message: "Pick a voice",
    });
  });

  it("refuses callers without a token signed with the shared secret", async () => {
    expect((await fetch(`${baseUrl}/voices`)).status).toBe(401);
    const forged = await fetch(`${baseUrl}/voices/preview`, {
      method: "POST",
      headers: { authorization: "Bearer abc.def" },
      body: JSON.stringify({ voice: "en-us" }),
    });
    expect(forged.status).toBe(401);
    await expect(listVoicesFromWeb(teamId, { baseUrl, secretKey: randomBytes(32) })).rejects.toMatchObject({ code: "upstream", message: /AUTH_SECRET/ });
  });
});
