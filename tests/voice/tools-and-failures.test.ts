import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerMessages, calls } from "@/db/schema";
import { setupCloudLlmCalls } from "./helpers/cloud-llm-calls";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";

// Cloud LLM (real Gemini client against the fake Gemini server) and live-call control through the real twilio
// SDK against the fake Twilio REST API, both reached through their base-URL overrides.

const cloud = setupCloudLlmCalls({ firstTokenLatencyMs: 50 });

describe("tools", () => {
  it("transfers: speaks the handoff line, then redirects the live call to <Dial> the department", async () => {
    const agent = await seedAgent(cloud.testDb.db, {
      accountSid: cloud.voice.accountSid,
      departments: [{ name: "Billing", phoneNumber: "+14155550111", whenToTransfer: "questions about bills" }],
    });
    cloud.gemini.respond = (request) =>
      /billing/i.test(request.lastUserText ?? "")
        ? ["Let me transfer you to Billing.", { functionCall: { name: "transfer_call", args: { department: "Billing" } } }]
        : "Okay.";
    cloud.script.push("I have a question about my bill, can I talk to billing?");
    const caller = await cloud.startCall(agent.e164);
    const handoffStart = caller.mediaFrames().length;
    await caller.say(await speech("Can I talk to billing please"));
    await caller.waitClosed(20_000);

    const updates = cloud.twilioRest.callUpdates.filter((u) => u.callSid === caller.callSid);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.accountSid).toBe(cloud.voice.accountSid);
    expect(updates[0]!.params.Twiml).toMatch(/<Dial [^>]*callerId="\+1415\d{7}"[^>]*><Number>\+14155550111<\/Number><\/Dial>/);
    // The handoff line was played (its mark came back) before the redirect.
    expect(caller.mediaFrames().length).toBeGreaterThan(handoffStart + 25);
    const lastEcho = caller.echoes().at(-1)!;
    expect(lastEcho.wasCleared).toBe(false);
    expect(lastEcho.at).toBeLessThan(updates[0]!.at + 1);

    const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
    expect(call).toMatchObject({ outcome: "transferred", endReason: "transferred", transferredTo: "+14155550111" });
    const turns = await turnsOf(cloud.testDb.db, call.id);
    expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "Let me transfer you to Billing.", isInterrupted: false });
    const events = await eventsOf(cloud.testDb.db, call.id);
    expect(events.find((e) => e.kind === "transfer")).toMatchObject({ name: "Billing", data: { to: "+14155550111" }, teamId: agent.teamId });
    expect(events.find((e) => e.kind === "tool_call")).toMatchObject({ name: "transfer_call", data: { ok: true } });
  });

  it("re-checks the destination before dialing: a stored premium-rate or disallowed-country number is never dialed", async () => {
    // Stored before the rules existed (seedAgent writes the published snapshot directly, as an old version would be).
    const agent = await seedAgent(cloud.testDb.db, {
      accountSid: cloud.voice.accountSid,
      departments: [
        { name: "Hotline", phoneNumber: "+19005551234", whenToTransfer: "premium" },
        { name: "Paris", phoneNumber: "+33612345678", whenToTransfer: "French callers" },
      ],
    });
    for (const department of ["Hotline", "Paris"]) {
      cloud.gemini.respond = (request) =>
        request.functionResponses.some((r) => r.name === "transfer_call")
          ? "I'm sorry, I can't transfer you right now. Can I take a message?"
          : ["One moment.", { functionCall: { name: "transfer_call", args: { department } } }];
      cloud.script.push(`Put me through to ${department}`);
      const caller = await cloud.startCall(agent.e164);
      await caller.say(await speech("Put me through please"));
      // Until the agent has spoken its whole answer to the refused transfer (turns are written as they are heard).
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [row] = await cloud.testDb.db.select({ id: calls.id }).from(calls).where(eq(calls.twilioCallSid, caller.callSid));
        const turns = row ? await turnsOf(cloud.testDb.db, row.id) : [];
        if (turns.some((turn) => turn.text.includes("Can I take a message?"))) break;
        if (Date.now() > deadline) throw new Error(`no apology; turns: ${JSON.stringify(turns.map((turn) => turn.text))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await caller.hangUp();
      const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
      expect(cloud.twilioRest.callUpdates.filter((u) => u.callSid === caller.callSid)).toEqual([]);
      expect(call.transferredTo).toBeNull();
      const events = await eventsOf(cloud.testDb.db, call.id);
      const refused = events.find((e) => e.kind === "error" && e.name === "transfer_refused");
      expect(refused?.data).toMatchObject({ department, reason: department === "Hotline" ? "costly" : "country" });
      expect(events.find((e) => e.kind === "tool_call")).toMatchObject({ name: "transfer_call", data: { ok: false } });
      const turns = await turnsOf(cloud.testDb.db, call.id);
      expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "One moment. I'm sorry, I can't transfer you right now. Can I take a message?" });
    }
  });

  it("takes a message for the team and speaks the model's confirmation", async () => {
    const agent = await seedAgent(cloud.testDb.db, { accountSid: cloud.voice.accountSid });
    cloud.gemini.respond = (request) =>
      request.functionResponses.some((r) => r.name === "take_message")
        ? "Thanks, I've passed your message on. Someone will call you back."
        : [
            "Sure.",
            {
              functionCall: {
                name: "take_message",
                args: { name: "Jane Doe", callback_number: "+1 (555) 123-4567", message: "Please call about my crown." },
              },
            },
          ];
    cloud.script.push("This is Jane Doe, please have someone call me back at 555 123 4567 about my crown");
    const caller = await cloud.startCall(agent.e164);
    await caller.say(await speech("Please have someone call me back"));
    await caller.waitFor(() => caller.echoes().length >= 3, 20_000, "the confirmation");
    await caller.waitForAgentToFinish();
    await caller.hangUp();

    const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
    expect(call.outcome).toBe("message_taken");
    const messages = await cloud.testDb.db.select().from(callerMessages).where(eq(callerMessages.callId, call.id));
    expect(messages).toEqual([
      expect.objectContaining({
        teamId: agent.teamId,
        callerName: "Jane Doe",
        callbackNumber: "+15551234567",
        message: "Please call about my crown.",
      }),
    ]);
    const turns = await turnsOf(cloud.testDb.db, call.id);
    expect(turns.at(-1)?.text).toBe("Sure. Thanks, I've passed your message on. Someone will call you back.");
    // The model saw the tool's result before it confirmed.
    const lastRequest = cloud.gemini.requests.at(-1)!;
    expect(JSON.stringify(lastRequest.body.contents)).toContain("functionResponse");
  });
});

describe("barge-in during a streaming reply", () => {
  it("aborts the model's stream and keeps the sentences heard before the interruption", async () => {
    const agent = await seedAgent(cloud.testDb.db, { accountSid: cloud.voice.accountSid });
    const first = "Our prices depend on the treatment you need.";
    cloud.gemini.respond = (request) =>
      /price/i.test(request.lastUserText ?? "")
        ? { chunks: [first, " A cleaning is sixty dollars.", " A filling is one hundred dollars.", " Whitening is two hundred."] }
        : "Okay, goodbye.";
    const previousDelay = cloud.gemini.interChunkDelayMs;
    cloud.gemini.interChunkDelayMs = 6_000;
    try {
      cloud.script.push("How much are your prices?", "Never mind");
      const caller = await cloud.startCall(agent.e164);
      const echoesBefore = caller.echoes().length;
      await caller.say(await speech("How much are your prices"));
      await caller.waitFor(() => caller.echoes().length > echoesBefore, 20_000, "the first sentence to play");
      const streaming = cloud.gemini.requests.at(-1)!;
      const speaking = caller.say(await speech("Never mind, thank you"));
      await caller.waitFor(() => caller.clears().length > 0, 10_000, "clear");
      await caller.waitFor(() => streaming.isAborted, 5_000, "the model's stream to be aborted");
      await speaking;
      const spokeAt = performance.now();
      await caller.waitFor(() => caller.mediaFrames().some((f) => f.at > spokeAt), 15_000, "the next reply");
      await caller.waitForAgentToFinish();
      await caller.hangUp();

      const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
      const turns = await turnsOf(cloud.testDb.db, call.id);
      const interrupted = turns.find((t) => t.isInterrupted);
      expect(interrupted).toMatchObject({ speaker: "agent", text: first });
      expect(turns.at(-1)).toMatchObject({ speaker: "agent", text: "Okay, goodbye.", isInterrupted: false });
      // The next request carried only what the caller heard of the cut-off reply.
      const next = JSON.stringify(cloud.gemini.requests.at(-1)!.body.contents);
      expect(next).toContain(first);
      expect(next).not.toContain("sixty dollars");
    } finally {
      cloud.gemini.interChunkDelayMs = previousDelay;
    }
  });
});

describe("LLM outage", () => {
  it("apologizes, records the error, and carries on with the offline engine when there is no one to transfer to", async () => {
    const agent = await seedAgent(cloud.testDb.db, { accountSid: cloud.voice.accountSid });
    cloud.gemini.respond = () => "Okay.";
    cloud.gemini.faults.push({ kind: "status", status: 503 }, Infinity);
    try {
      cloud.script.push("Do you take walk-ins?");
      const caller = await cloud.startCall(agent.e164);
      await caller.hearReplyTo(async () => caller.say(await speech("Do you take walk ins")), "the apology", { timeoutMs: 20_000 });
      await caller.hangUp();

      const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
      expect(call.errorCount).toBeGreaterThanOrEqual(1);
      const events = await eventsOf(cloud.testDb.db, call.id);
      const error = events.find((e) => e.kind === "error");
      expect(error).toMatchObject({ teamId: agent.teamId, data: { stage: "llm", kind: "unavailable", provider: "gemini" } });
      expect(events.some((e) => e.name === "llm_fallback_offline")).toBe(true);
      const reply = (await turnsOf(cloud.testDb.db, call.id)).at(-1)!;
      expect(reply.speaker).toBe("agent");
      expect(reply.text).toMatch(/sorry/i);
      expect(reply.text).toMatch(/message/i);
    } finally {
      cloud.gemini.faults.clear();
    }
  });

  it("apologizes and transfers to the first department when the agent has one", async () => {
    const agent = await seedAgent(cloud.testDb.db, {
      accountSid: cloud.voice.accountSid,
      departments: [{ name: "Front desk", phoneNumber: "+14155550122", whenToTransfer: "anything" }],
    });
    cloud.gemini.faults.push({ kind: "status", status: 503 }, Infinity);
    try {
      cloud.script.push("Do you take walk-ins?");
      const caller = await cloud.startCall(agent.e164);
      await caller.say(await speech("Do you take walk ins"));
      await caller.waitClosed(20_000);
      const update = cloud.twilioRest.callUpdates.find((u) => u.callSid === caller.callSid);
      expect(update?.params.Twiml).toContain("<Number>+14155550122</Number>");
      const call = await waitForEndedCall(cloud.testDb.db, caller.callSid);
      expect(call).toMatchObject({ outcome: "transferred", transferredTo: "+14155550122" });
      expect(call.errorCount).toBeGreaterThanOrEqual(1);
      const reply = (await turnsOf(cloud.testDb.db, call.id)).at(-1)!;
      expect(reply.text).toBe("I'm sorry, I'm having some trouble on my end. Let me transfer you to Front desk.");
    } finally {
      cloud.gemini.faults.clear();
    }
  });
});
