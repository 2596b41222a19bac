import { eq } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { callerMessages } from "@/db/schema";
import { isVoiced } from "@/tests/sim/caller-audio";
import { setupCloudLlmCalls } from "./helpers/cloud-llm-calls";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import type { TwilioCaller } from "./helpers/twilio-caller";

// Tool turns are never silent: when the model calls a tool without a word first, the caller hears the tool's
// acknowledgement within a second of the end of their turn, however long the tool takes. The tools here are made
// slow the way a production tool is: their dependency (Postgres) is held up by a lock another session keeps.

const TOOL_STALL_MS = 2_500;

// The model's first token comes 200 ms after the request, as a fast cloud model's does.
const cloud = setupCloudLlmCalls({ firstTokenLatencyMs: 200 });

// Every query on `teams` (a transfer's destination rules, the foreign-key check of a new message) waits until
// release(): a slow database, as a busy production one can be.
async function stallTeamsTable(url: string): Promise<{ release(): Promise<void> }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const transaction = sql.begin(async (tx) => {
    await tx`lock table teams in access exclusive mode`;
    locked();
    await released;
  });
  await isLocked;
  return {
    async release() {
      release();
      await transaction;
      await sql.end({ timeout: 5 });
    },
  };
}

// Speaks `text` and returns when its last voiced frame went out (the end of the caller's turn at the wire).
async function sayAndTimeEnd(caller: TwilioCaller, text: string): Promise<number> {
  const audio = await speech(text);
  let trailingFrames = 0;
  for (let end = audio.length; end > 0 && !isVoiced(audio, Math.max(0, end - 160), end); end -= 160) trailingFrames++;
  await caller.say(audio);
  return performance.now() - trailingFrames * 20;
}

function firstVoicedAgentAudioAfter(caller: TwilioCaller, at: number): number | null {
  const frame = caller.mediaFrames().find((f) => f.at > at && isVoiced(f.bytes));
  return frame ? frame.at : null;
}

describe("tool turns are never silent", () => {
  it("take_message called without a word: the acknowledgement plays within a second while the save waits, once", async () => {
    const agent = await seedAgent(cloud.testDb.db, { accountSid: cloud.voice.accountSid });
    cloud.gemini.respond = (request) =>
      request.functionResponses.some((r) => r.name === "take_message")
        ? "Thanks, I've passed your message on."
        : [{ functionCall: { name: "take_message", args: { name: "Jane Doe", callback_number: "+1 555 123 4567", message: "Call me about my crown." } } }];
    cloud.script.push("This is Jane Doe, please call me back at 555 123 4567 about my crown");
    const caller = await cloud.startCall(agent.e164);
    const stall = await stallTeamsTable(cloud.testDb.url);
    let turnEndAt: number;
    try {
      turnEndAt = await sayAndTimeEnd(caller, "Please have someone call me back");
      await new Promise((resolve) => setTimeout(resolve, TOOL_STALL_MS));
      // Still saving: the tool is waiting on its database.
      expect(await cloud.testDb.db.select({ id: callerMessages.id }).from(callerMessages)).toEqual([]);
    } finally {
      await stall.release();
    }
    const firstAudioAt = firstVoicedAgentAudioAfter(caller, turnEndAt);
    expect(firstAudioAt).not.toBeNull();
    expect(firstAudioAt! - turnEndAt).toBeLessThanOrEqual(1_000);
    await caller.waitFor(() => caller.echoes().length >= 3, 20_000, "the confirmation");
    await caller.waitForAgentToFinish();
    await caller.hangUp();

    const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
    expect(call.outcome).toBe("message_taken");
    expect(await cloud.testDb.db.select({ name: callerMessages.callerName }).from(callerMessages).where(eq(callerMessages.callId, call.id))).toEqual([
      { name: "Jane Doe" },
    ]);
    // Heard once, kept once: the acknowledgement opens the agent's turn, the model's confirmation follows it.
    const turns = await turnsOf(cloud.testDb.db, call.id);
    expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "Let me make a note of that. Thanks, I've passed your message on.", isInterrupted: false });
    // The model's next round saw it as what the agent said before the tool's result.
    const followUp = JSON.stringify(cloud.gemini.requests.at(-1)!.body.contents);
    expect(followUp.split("Let me make a note of that.").length - 1).toBe(1);
    expect(followUp.indexOf("Let me make a note of that.")).toBeLessThan(followUp.indexOf("functionResponse"));
  });

  it("transfer_call called without a word: the handoff line plays within a second while the destination check waits", async () => {
    const agent = await seedAgent(cloud.testDb.db, {
      accountSid: cloud.voice.accountSid,
      departments: [{ name: "Billing", phoneNumber: "+14155550111", whenToTransfer: "questions about bills" }],
    });
    cloud.gemini.respond = () => [{ functionCall: { name: "transfer_call", args: { department: "billing" } } }];
    cloud.script.push("Can I talk to billing please");
    const caller = await cloud.startCall(agent.e164);
    const stall = await stallTeamsTable(cloud.testDb.url);
    let turnEndAt: number;
    try {
      turnEndAt = await sayAndTimeEnd(caller, "Can I talk to billing please");
      await new Promise((resolve) => setTimeout(resolve, TOOL_STALL_MS));
      // Still checking the destination: nobody has been dialed yet.
      expect(cloud.twilioRest.callUpdates.filter((u) => u.callSid === caller.callSid)).toEqual([]);
    } finally {
      await stall.release();
    }
    const firstAudioAt = firstVoicedAgentAudioAfter(caller, turnEndAt);
    expect(firstAudioAt).not.toBeNull();
    expect(firstAudioAt! - turnEndAt).toBeLessThanOrEqual(1_000);
    await caller.waitClosed(20_000);

    const updates = cloud.twilioRest.callUpdates.filter((u) => u.callSid === caller.callSid);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.params.Twiml).toContain("<Number>+14155550111</Number>");
    const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
    expect(call).toMatchObject({ outcome: "transferred", transferredTo: "+14155550111" });
    // Said once (by the acknowledgement, not again by the tool), under the department's own spelling.
    const turns = await turnsOf(cloud.testDb.db, call.id);
    expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "Let me transfer you to Billing.", isInterrupted: false });
    const events = await eventsOf(cloud.testDb.db, call.id);
    expect(events.find((e) => e.kind === "tool_call")).toMatchObject({ name: "transfer_call", data: { ok: true } });
  });

  it("says nothing extra when the model spoke before calling the tool", async () => {
    const agent = await seedAgent(cloud.testDb.db, { accountSid: cloud.voice.accountSid });
    cloud.gemini.respond = (request) =>
      request.functionResponses.some((r) => r.name === "lookup_caller_history")
        ? "I don't see any earlier calls from this number."
        : ["Let me check.", { functionCall: { name: "lookup_caller_history", args: {} } }];
    cloud.script.push("Did I call you before?");
    const caller = await cloud.startCall(agent.e164);
    await caller.say(await speech("Did I call you before"));
    await caller.waitFor(() => caller.echoes().length >= 3, 20_000, "the answer");
    await caller.waitForAgentToFinish();
    await caller.hangUp();
    const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
    const turns = await turnsOf(cloud.testDb.db, call.id);
    expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "Let me check. I don't see any earlier calls from this number." });
  });
});
