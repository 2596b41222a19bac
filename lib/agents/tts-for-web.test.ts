import { describe, expect, it } from "vitest";
import { parseWav } from "@/voice-server/audio/wav";
import { createEspeakTts } from "@/voice-server/providers/tts/espeak";
import { ProviderError, type TTtsProvider } from "@/voice-server/providers/types";
import { listVoicesForWeb, previewVoice } from "./tts-for-web";

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

describe("voice picker and preview", () => {
  it("lists the offline voices after a 'default' choice", async () => {
    const { provider, voices } = await listVoicesForWeb(createEspeakTts());
    expect(provider).toBe("offline-espeak");
    expect(voices[0]).toMatchObject({ id: "default" });
    expect(voices.map((v) => v.id)).toContain("en-us+f3");
  });

  it("a preview is a playable 8 kHz WAV of the text", async () => {
    const wav = await previewVoice({ voice: "en-us+f3", language: "en-US", text: "Thanks for calling Maple Clinic." }, createEspeakTts());
    const audio = parseWav(wav);
    expect(audio.sampleRate).toBe(8000);
    const seconds = audio.samples.length / audio.sampleRate;
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(10);
    expect(audio.samples.some((s) => Math.abs(s) > 1000)).toBe(true);
  }, 60_000);

  it("provider failures become clear messages", async () => {
    await expect(previewVoice({ voice: "x", language: "en-US" }, failing(new ProviderError("tts", "auth", "401")))).rejects.toMatchObject({
      code: "upstream",
      message: "Could not make the voice sample: the voice provider rejected our credentials. Try again in a moment.",
    });
    await expect(listVoicesForWeb(failing(new ProviderError("tts", "unavailable", "down")))).rejects.toMatchObject({
      code: "upstream",
      message: "Could not load the list of voices: the voice provider is unavailable. Try again in a moment.",
    });
    const silent: TTtsProvider = { name: "silent", async *synthesize() {}, voices: async () => [] };
    await expect(previewVoice({ voice: "x", language: "en-US" }, silent)).rejects.toMatchObject({ code: "upstream", message: /no audio/ });
  });
});
