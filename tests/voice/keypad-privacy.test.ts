import { describe, expect, it } from "vitest";
import { encodeMulawSample } from "@/lib/audio/mulaw";
import { callerPeak, everyRowAsText, sealedRecordingOf, setupEncryptedCalls } from "./helpers/encrypted-calls";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";

// Keys typed on a live call while the agent collects a card number (issue 13): the digits reach no table and the
// key tones are silent in the recording; keys typed otherwise (an extension) stay as they were.

const CARD = "4111111111111111";

const harness = setupEncryptedCalls();

// A key's tone as the phone line carries it (two sines, 120 ms), mu-law.
function tone(): Uint8Array {
  const audio = new Uint8Array(960);
  for (let i = 0; i < audio.length; i++) {
    audio[i] = encodeMulawSample(Math.round(7000 * Math.sin((2 * Math.PI * 770 * i) / 8000) + 7000 * Math.sin((2 * Math.PI * 1336 * i) / 8000)));
  }
  return audio;
}

// Each key as it happens on a phone: its tone on the line, then Twilio's dtmf event.
async function typeKeys(caller: TwilioCaller, keys: string): Promise<void> {
  for (const key of keys) {
    await caller.say(tone());
    caller.pressDigit(key);
  }
}

describe("keys typed while the agent collects sensitive data", () => {
  it("a card number typed after the agent asked for it is masked everywhere and silent in the recording", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      config: {
        greeting: "Thanks for calling Acme Dental. To pay your bill, please enter your card number on the keypad, then press pound.",
        disclosure: "This call is recorded.",
        recordingMode: "record",
      },
    });
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(700, 30_000);
    const before = caller.mediaFrames().length;
    await typeKeys(caller, `${CARD}#`);
    // "#" ends the run: the agent answers it.
    await caller.waitFor(() => caller.mediaFrames().length > before + 25, 30_000, "the answer to the keys");
    await caller.waitForAgentToFinish();
    harness.script.push("thank you goodbye");
    await caller.say(await speech("Thank you, goodbye."));
    await caller.waitForAgentToFinish(1_500, 30_000);
    await caller.hangUp();

    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const keys = (await eventsOf(harness.testDb.db, call.id)).filter((e) => e.kind === "dtmf");
    expect(keys).toHaveLength(CARD.length + 1);
    for (const key of keys) {
      expect(key.name).toBe("*");
      expect(key.data).toMatchObject({ digit: "*", isMasked: true });
    }
    const everything = await everyRowAsText(harness.testDb.db);
    expect(everything).not.toContain(CARD);

    // The tones, from the first key's to the last's, are silent; the caller's words after them are not.
    const { wav } = await sealedRecordingOf(harness, call, 15_000);
    const first = keys[0]!.atMs;
    const last = keys.at(-1)!.atMs;
    expect(last - first).toBeGreaterThan(CARD.length * 100);
    expect(callerPeak(wav, first - 100, last)).toBe(0);
    const goodbye = (await turnsOf(harness.testDb.db, call.id)).find((t) => t.speaker === "caller" && t.text === "thank you goodbye");
    expect(goodbye).toBeDefined();
    expect(callerPeak(wav, goodbye!.startMs, goodbye!.endMs)).toBeGreaterThan(1000);
  }, 120_000);

  it("an extension stays in clear; a card number typed unasked is still masked once its run is complete", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      config: { greeting: "Thanks for calling Acme Dental.", disclosure: "This call is recorded.", recordingMode: "record" },
    });
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish(700, 30_000);
    await caller.hearReplyTo(() => typeKeys(caller, "204"), "the answer to the extension", { timeoutMs: 30_000 });
    await caller.hearReplyTo(() => typeKeys(caller, CARD), "the answer to the card number", { timeoutMs: 30_000 });
    await caller.hangUp();

    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const keys = (await eventsOf(harness.testDb.db, call.id)).filter((e) => e.kind === "dtmf");
    expect(keys.map((k) => k.name)).toEqual(["2", "0", "4", ...[...CARD].map(() => "*")]);
    expect(await everyRowAsText(harness.testDb.db)).not.toContain(CARD);
    const { wav } = await sealedRecordingOf(harness, call, 15_000);
    // The extension's tones were kept; the card's were silenced at sealing (they had left the recorder's memory).
    expect(callerPeak(wav, keys[0]!.atMs - 300, keys[2]!.atMs)).toBeGreaterThan(1000);
    expect(callerPeak(wav, keys[3]!.atMs - 100, keys.at(-1)!.atMs)).toBe(0);
  }, 120_000);
});
