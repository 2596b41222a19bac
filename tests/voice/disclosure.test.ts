import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeMulawSample } from "@/lib/audio/mulaw";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";

// The disclosure is spoken first and cannot be interrupted (issue 13): caller speech or noise over it neither cuts
// it nor starts a turn, and the call row keeps when it finished playing as proof.

const GREETING = "Thanks for calling Acme Dental.";
const DISCLOSURE =
  "This call is recorded for quality and training. By staying on the line you agree to the recording, and you can ask us to delete it at any time.";

const harness = setupScriptedVoiceServer();

// A loud burst of white noise, as mu-law (a door, a car, wind on the microphone).
function noise(ms: number): Uint8Array {
  const audio = new Uint8Array((ms / 1000) * 8000);
  for (let i = 0; i < audio.length; i++) audio[i] = encodeMulawSample(randomInt(-12_000, 12_000));
  return audio;
}

describe("the disclosure line", () => {
  it("plays to its end over caller speech and noise, starts no turn, and its end is kept on the call as proof", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      config: { greeting: GREETING, disclosure: DISCLOSURE, interruptionMinSpeechMs: 200 },
      knowledge: [{ title: "Do you have parking?", content: "Yes, there is free parking behind the building." }],
    });
    // What the recognizer makes of the words over the disclosure; it must never reach the record or the model.
    harness.script.push("hello hello is anyone there");
    // Synthesized before the call, so the caller speaks at once when the disclosure starts, however busy the machine.
    const overDisclosure = await speech("Hello? Hello, is anyone there? I want to talk to somebody.");
    const question = await speech("Do you have parking?");
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    // The greeting's first sentence has played: the rest of the opening is the disclosure.
    await caller.waitFor(() => caller.echoes().length >= 1, 20_000, "the greeting to play");
    await caller.say(overDisclosure);
    await caller.say(noise(1_200));
    const overDisclosureEndedAt = performance.now();
    await caller.waitForAgentToFinish(1_000, 30_000);

    // Nothing was cut: no clear, every segment of the opening echoed as played, audio all the way through.
    expect(caller.clears()).toHaveLength(0);
    expect(caller.echoes().every((e) => !e.wasCleared)).toBe(true);
    // The caller's speech and noise were all over the disclosure: its last mark came back after them.
    const lastEchoAt = caller.echoes().at(-1)!.at;
    expect(lastEchoAt).toBeGreaterThan(overDisclosureEndedAt);

    // After the disclosure the caller is heard as usual.
    harness.script.push("Do you have parking?");
    await caller.hearReplyTo(() => caller.say(question), "the answer", { timeoutMs: 30_000 });
    await caller.hangUp();

    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    expect(call.disclosurePlayedAt).not.toBeNull();
    expect(call.disclosurePlayedAt!.getTime()).toBeGreaterThan(call.answeredAt!.getTime());
    expect(call.disclosurePlayedAt!.getTime()).toBeLessThan(call.endedAt!.getTime());
    const turns = await turnsOf(harness.testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.isInterrupted])).toEqual([
      ["agent", false],
      ["caller", false],
      ["agent", false],
    ]);
    expect(turns[0]!.text).toBe(`${GREETING} ${DISCLOSURE}`);
    expect(turns[1]!.text).toBe("Do you have parking?");
    expect(turns.some((t) => t.text.includes("anyone there"))).toBe(false);
    const events = await eventsOf(harness.testDb.db, call.id);
    expect(events.some((e) => e.kind === "barge_in")).toBe(false);
    expect(events.filter((e) => e.name === "speech_over_disclosure").length).toBeGreaterThanOrEqual(1);
    // On the timeline too, once, at the moment the row says.
    const played = events.filter((e) => e.name === "disclosure_played");
    expect(played).toHaveLength(1);
    expect(Math.abs(call.answeredAt!.getTime() + played[0]!.atMs - call.disclosurePlayedAt!.getTime())).toBeLessThan(1_000);
  }, 120_000);

  it("without a disclosure the greeting stays interruptible, and nothing is claimed as played", async () => {
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      config: { greeting: `${GREETING} How can I help you today? We are happy to answer any question you have.`, disclosure: "" },
    });
    harness.script.push("sorry");
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164));
    await caller.dial();
    await caller.connect();
    await caller.waitFor(() => caller.echoes().length >= 1, 20_000, "the greeting to play");
    await caller.say(await speech("Hello? Hello, is anyone there? I want to talk to somebody."));
    await caller.waitFor(() => caller.clears().length > 0, 10_000, "the greeting to be cut off");
    await caller.hangUp();
    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    expect(call.disclosurePlayedAt).toBeNull();
  }, 120_000);
});
