import { describe, expect, it } from "vitest";
import { askHoursUntilFirstSentence } from "./helpers/hours-call";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { HOURS_SENTENCES } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { generationOf } from "./helpers/twilio-caller";

const harness = setupScriptedVoiceServer();

describe("barge-in", () => {
  it("clears the far end, drops the rest of the old reply and keeps only what the caller heard", async () => {
    // Let the first sentence of the answer play out completely, then talk over the second.
    const { caller, answerGeneration } = await askHoursUntilFirstSentence(harness, ["What are your opening hours?", "Thank you"]);
    const interruptionStartedAt = performance.now();
    const speaking = caller.say(await speech("Sorry, thank you, that is all I needed"));
    await caller.waitFor(() => caller.clears().length > 0, 10_000, "clear");
    const clearAt = caller.clears()[0]!.at;
    expect(clearAt).toBeGreaterThan(interruptionStartedAt);
    const heardMarks = caller.echoes().filter((e) => generationOf(e.name) === answerGeneration && !e.wasCleared && e.at < clearAt);
    expect(heardMarks.length).toBeGreaterThanOrEqual(1);
    expect(heardMarks.length).toBeLessThan(HOURS_SENTENCES.length + 1);

    await speaking;
    const speechEndedAt = performance.now();
    await caller.waitFor(() => caller.mediaFrames().some((f) => f.at > speechEndedAt), 15_000, "the next reply");
    await caller.waitForAgentToFinish();
    await caller.hangUp();

    // Nothing of the old reply after the clear: no audio until the caller's new turn could have been answered,
    // and every mark sent after the clear belongs to a newer generation.
    const staleFrames = caller.mediaFrames().filter((f) => f.at > clearAt && f.at < speechEndedAt + 250);
    expect(staleFrames).toHaveLength(0);
    const marksAfterClear = caller.events.filter((e) => e.type === "mark" && e.at > clearAt);
    expect(marksAfterClear.length).toBeGreaterThan(0);
    for (const mark of marksAfterClear) if (mark.type === "mark") expect(generationOf(mark.name)).toBeGreaterThan(answerGeneration);

    const call = await waitForEndedCall(harness.testDb.db, caller.callSid);
    const turns = await turnsOf(harness.testDb.db, call.id);
    expect(turns.map((t) => [t.speaker, t.isInterrupted])).toEqual([
      ["agent", false],
      ["caller", false],
      ["agent", true],
      ["caller", false],
      ["agent", false],
    ]);
    expect(turns[2]!.text).toBe(HOURS_SENTENCES.slice(0, heardMarks.length).join(" "));
    expect(turns[3]!.text).toBe("Thank you");
    // The reply after the interruption answers the new turn; it does not repeat the cut-off answer.
    expect(turns[4]!.text).not.toContain("Saturdays");

    const bargeIn = (await eventsOf(harness.testDb.db, call.id)).find((e) => e.kind === "barge_in");
    expect(bargeIn?.data).toMatchObject({ heard: turns[2]!.text });
    expect(Number(bargeIn?.data.reactionMs)).toBeGreaterThan(0);
  });
});
