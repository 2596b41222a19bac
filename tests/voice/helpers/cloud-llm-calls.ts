import { afterAll, beforeAll, expect } from "vitest";
import { FakeGemini } from "@/tests/fakes/gemini";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createGeminiLlm } from "@/voice-server/providers/llm/gemini";
import { setupScriptedVoiceServer, type TScriptedVoiceServer } from "./scripted-voice-server";
import { TwilioCaller } from "./twilio-caller";

// A voice server whose LLM is the real Gemini client against the fake Gemini server and whose live-call control
// (transfers, hang-ups) is the real twilio SDK against the fake Twilio REST API, both reached through their
// base-URL overrides; speech-to-text is scripted.

export type TCloudLlmCalls = TScriptedVoiceServer & {
  gemini: FakeGemini;
  twilioRest: FakeTwilioRest;
  // Dials `e164` as a new caller and returns once the greeting has played.
  startCall(e164: string): Promise<TwilioCaller>;
};

// `firstTokenLatencyMs`: how long the fake model takes to start answering.
export function setupCloudLlmCalls(options: { firstTokenLatencyMs: number }): TCloudLlmCalls {
  const callers = new Map<string, TwilioCaller>();
  beforeAll(async () => {
    harness.gemini = await FakeGemini.start({ firstTokenLatencyMs: options.firstTokenLatencyMs, interChunkDelayMs: 10 });
    harness.twilioRest = await FakeTwilioRest.start();
    // Twilio ends the <Connect> once a redirect takes the call over: stop, then the socket closes.
    harness.twilioRest.on("call-update", (update) => {
      const caller = callers.get(update.callSid);
      if (caller && update.params.Twiml) void caller.hangUp();
    });
  });
  afterAll(async () => {
    await harness.gemini?.close();
    await harness.twilioRest?.close();
  });
  const server = setupScriptedVoiceServer(() => ({
    llm: createGeminiLlm({ apiKey: harness.gemini.apiKey, baseUrl: harness.gemini.url, retryBudgetMs: 600, maxRetries: 1 }),
    env: {
      TWILIO_ACCOUNT_SID: harness.twilioRest.mainAccount.sid,
      TWILIO_AUTH_TOKEN: harness.twilioRest.mainAccount.authToken,
      TWILIO_API_BASE_URL: harness.twilioRest.url,
    },
  }));
  // The hooks above read `harness` only once they run, after this line.
  const harness: TCloudLlmCalls = Object.assign(server as TCloudLlmCalls, {
    async startCall(e164: string): Promise<TwilioCaller> {
      const caller = new TwilioCaller(harness.voice.callerOptions(e164));
      callers.set(caller.callSid, caller);
      harness.twilioRest.addCall({ sid: caller.callSid, from: caller.options.from, to: e164 });
      expect((await caller.dial()).status).toBe(200);
      await caller.connect();
      await caller.waitForAgentToFinish();
      return caller;
    },
  });
  return harness;
}
