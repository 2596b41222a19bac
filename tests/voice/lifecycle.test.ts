import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer } from "./helpers/voice-server";

const harness = setupScriptedVoiceServer();

describe("health and metrics", () => {
  it("reports the database and the providers in use", async () => {
    const response = await fetch(`${harness.voice.serverUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      db: "ok",
      draining: false,
      providers: { stt: "scripted-stt", llm: "offline-local" },
      twilio: "sandbox",
    });
    expect((await fetch(`${harness.voice.serverUrl}/nope`)).status).toBe(404);
  });
});

describe("a call's side channels", () => {
  it("passes DTMF to the agent as an event and records the recording of both sides", async () => {
    const agent = await seedAgent(harness.testDb.db, { accountSid: harness.voice.accountSid });
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    await caller.hearReplyTo(() => caller.pressDigit("5"), "a reply to the keypress");
    await caller.say(await speech("Okay"));
    await caller.hangUp();

    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const events = await eventsOf(harness.testDb.db, call.id);
    expect(events.find((e) => e.kind === "dtmf")).toMatchObject({ name: "5", data: { digit: "5" } });
    const turns = await turnsOf(harness.testDb.db, call.id);
    expect(turns[1]).toMatchObject({ speaker: "agent" });
    expect(turns[1]!.text).toMatch(/keypad/i);

    // The recording: stereo, caller left, agent right, as long as the call.
    expect(call.recordingPath).toBe(path.join(agent.teamId, `${call.id}.wav`));
    const wav = readFileSync(path.join(harness.voice.recordingsDir, call.recordingPath!));
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt16LE(22)).toBe(2);
    const samples = new Int16Array(wav.buffer.slice(wav.byteOffset + 44));
    let callerEnergy = 0;
    let agentEnergy = 0;
    for (let i = 0; i + 1 < samples.length; i += 2) {
      callerEnergy += Math.abs(samples[i]!);
      agentEnergy += Math.abs(samples[i + 1]!);
    }
    expect(agentEnergy).toBeGreaterThan(0);
    expect(callerEnergy).toBeGreaterThan(0);
    const seconds = samples.length / 2 / 8000;
    expect(seconds).toBeGreaterThan(2);
  });

  it("prompts once after the caller's silence, then says goodbye and ends the call", async () => {
    const agent = await seedAgent(harness.testDb.db, { accountSid: harness.voice.accountSid, config: { silenceTimeoutSec: 5 } });
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitClosed(30_000);
    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    expect(call).toMatchObject({ endReason: "silence_timeout", outcome: "abandoned" });
    const turns = await turnsOf(harness.testDb.db, call.id);
    expect(turns.map((t) => t.text)).toEqual([
      agent.snapshot.config.greeting,
      "Are you still there?",
      "It seems we got disconnected. Thank you for calling. Goodbye.",
    ]);
  });

  it("exposes call metrics in the Prometheus format", async () => {
    const text = await (await fetch(`${harness.voice.serverUrl}/metrics`)).text();
    expect(text).toMatch(/voice_calls_started_total \d+/);
    expect(text).toMatch(/voice_calls_ended_total\{outcome="abandoned",reason="silence_timeout"\} 1/);
    expect(text).toMatch(/voice_greeting_start_ms_count \d+/);
    expect(text).toContain("voice_active_calls 0");
  });
});

describe("graceful shutdown", () => {
  it("lets a live call finish within the grace period, then ends and records the rest", async () => {
    const own = await startTestVoiceServer({
      db: harness.testDb.db,
      dbUrl: harness.testDb.url,
      providers: offlineProviders({ stt: createScriptedStt([]) }),
    });
    try {
      const agent = await seedAgent(harness.testDb.db, { accountSid: own.accountSid });
      const finishing = new TwilioCaller(own.callerOptions(agent.e164));
      const lingering = new TwilioCaller(own.callerOptions(agent.e164, "+15554443333"));
      for (const c of [finishing, lingering]) {
        await c.dial();
        await c.connect();
        await c.waitFor(() => c.mediaFrames().length > 0, 10_000, "the greeting");
      }
      const stopping = own.server.shutdown(1_500);
      expect((await fetch(`${own.serverUrl}/healthz`).catch(() => null))?.status ?? 503).toBe(503);
      await finishing.hangUp();
      await stopping;
      await lingering.waitClosed();
      const done = await waitForEndedCall(harness.testDb.db, finishing.callSid);
      const cut = await waitForEndedCall(harness.testDb.db, lingering.callSid);
      expect(done.endReason).toBe("caller_hangup");
      expect(cut.endReason).toBe("server_shutdown");
      expect(own.server.activeCalls).toBe(0);
    } finally {
      await own.stop();
    }
  });
});
