import { describe, expect, it } from "vitest";
import type { TVoiceProviders } from "@/voice-server/providers/registry";
import { ProviderError, type TLlmProvider, type TSttProvider, type TTtsProvider } from "@/voice-server/providers/types";
import { ProviderRoute } from "./provider-fallback";

function tts(name: string, behaviour: "ok" | "fail" | "hang" | "fail-after-audio", calls: string[]): TTtsProvider {
  return {
    name,
    voices: async () => [],
    async *synthesize(text, options) {
      calls.push(name);
      if (behaviour === "fail") throw new ProviderError("tts", "unavailable", `${name} down`);
      if (behaviour === "hang") {
        await new Promise((_, reject) => options.signal.addEventListener("abort", () => reject(options.signal.reason)));
      }
      yield new Uint8Array([text.length]);
      if (behaviour === "fail-after-audio") throw new Error("cut");
    },
  };
}

function providers(primary: TTtsProvider, offline: TTtsProvider): TVoiceProviders {
  const llm = { name: "cloud-llm" } as TLlmProvider;
  const offlineLlm = { name: "offline-llm" } as TLlmProvider;
  const stt = { name: "stt" } as TSttProvider;
  return { stt, llm, tts: primary, offline: { stt, llm: offlineLlm, tts: offline } };
}

async function collect(route: ProviderRoute, errors: string[]) {
  const used = { provider: "" };
  const chunks: Uint8Array[] = [];
  for await (const chunk of route.synthesize("hello", { voice: "v", language: "en", signal: new AbortController().signal, used }, (p, e) =>
    errors.push(`${p}: ${(e as Error).message}`),
  )) {
    chunks.push(chunk);
  }
  return { used: used.provider, chunks: chunks.length };
}

describe("ProviderRoute", () => {
  it("retries the primary voice once, then speaks the sentence with the offline voice", async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const route = new ProviderRoute(providers(tts("cloud", "fail", calls), tts("espeak", "ok", calls)), 1_000);
    expect(await collect(route, errors)).toEqual({ used: "espeak", chunks: 1 });
    expect(calls).toEqual(["cloud", "cloud", "espeak"]);
    expect(errors).toHaveLength(2);
  });

  it("times out a primary voice that sends nothing", async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const route = new ProviderRoute(providers(tts("cloud", "hang", calls), tts("espeak", "ok", calls)), 30);
    expect(await collect(route, errors)).toEqual({ used: "espeak", chunks: 1 });
    expect(errors[0]).toMatch(/no audio within 30 ms/);
  });

  it("does not start the sentence over in another voice once audio went out", async () => {
    const calls: string[] = [];
    const route = new ProviderRoute(providers(tts("cloud", "fail-after-audio", calls), tts("espeak", "ok", calls)), 1_000);
    expect(await collect(route, [])).toEqual({ used: "cloud", chunks: 1 });
    expect(calls).toEqual(["cloud"]);
  });

  it("moves the rest of the call to the offline LLM", () => {
    const route = new ProviderRoute(providers(tts("a", "ok", []), tts("b", "ok", [])), 1_000);
    expect([route.llm.name, route.isLlmFallback, route.isLlmOffline]).toEqual(["cloud-llm", false, false]);
    route.fallBackLlm();
    expect([route.llm.name, route.isLlmFallback, route.isLlmOffline]).toEqual(["offline-llm", true, true]);
  });
});
