import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { calls } from "@/db/schema";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { syncCallerForCall } from "@/lib/callers/sync-caller";
import { lookupCallerHistory, OPEN_REQUEST_NOTE } from "./caller-history";
import { takeCallerMessage } from "./take-message";
import { countActiveCalls } from "./count-active-calls";
import { createCall } from "./create-call";
import { finalizeCall } from "./finalize-call";

const t = setupTwoTeamDb();

const sid = () => `CA${randomBytes(16).toString("hex")}`;

describe("call records", () => {
  it("createCall returns the existing row when Twilio retries the webhook", async () => {
    const callSid = sid();
    const first = await createCall(t.db, { teamId: t.teamA, direction: "inbound", twilioCallSid: callSid, fromNumber: "+1", toNumber: "+2" });
    const again = await createCall(t.db, { teamId: t.teamA, direction: "inbound", twilioCallSid: callSid, fromNumber: "+1", toNumber: "+2" });
    expect(again.id).toBe(first.id);
    await expect(createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: callSid })).rejects.toThrow(/another team/);
  });

  it("finalizeCall keeps the first answer when run twice", async () => {
    const call = await createCall(t.db, { teamId: t.teamA, direction: "inbound", twilioCallSid: sid() });
    const endedAt = new Date();
    await finalizeCall(t.db, { teamId: t.teamA, callId: call.id, status: "completed", outcome: "resolved", endReason: "caller_hangup", endedAt, durationSec: 12 });
    await finalizeCall(t.db, { teamId: t.teamA, callId: call.id, status: "failed", outcome: "failed", endReason: "other", endedAt: new Date(0), durationSec: 99 });
    // The wrong team id changes nothing.
    await finalizeCall(t.db, { teamId: t.teamB, callId: call.id, status: "failed", outcome: "failed", endReason: "x", endedAt, durationSec: 1 });
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ status: "completed", outcome: "resolved", endReason: "caller_hangup", durationSec: 12 });
    expect(row?.endedAt?.getTime()).toBe(endedAt.getTime());
  });

  it("counts a team's live calls: in progress, or ringing recently; never another team's", async () => {
    const now = new Date();
    await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: sid(), status: "in_progress" });
    await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: sid(), status: "ringing" });
    await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: sid(), status: "ringing", startedAt: new Date(now.getTime() - 10 * 60_000) });
    await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: sid(), status: "completed", endedAt: now });
    expect(await countActiveCalls(t.db, t.teamB, now)).toBe(2);
  });

  it("tells the live agent only that an open request exists, within the team, never what earlier calls said", async () => {
    const from = "+15559998888";
    const older = await createCall(t.db, { teamId: t.teamA, direction: "inbound", twilioCallSid: sid(), fromNumber: from, startedAt: new Date("2026-01-01T10:00:00Z") });
    const otherTeam = await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: sid(), fromNumber: from });
    const current = await createCall(t.db, { teamId: t.teamA, direction: "inbound", twilioCallSid: sid(), fromNumber: from });
    for (const c of [older, otherTeam]) {
      await finalizeCall(t.db, { teamId: c.teamId, callId: c.id, status: "completed", outcome: "message_taken", endReason: "x", endedAt: new Date(), durationSec: 5 });
      await t.db.update(calls).set({ summary: "Caller asked about their biopsy results" }).where(eq(calls.id, c.id));
    }
    expect(await lookupCallerHistory(t.db, { teamId: t.teamA, fromNumber: from, excludeCallId: current.id })).toEqual([]);
    await takeCallerMessage(t.db, { teamId: t.teamB, callId: otherTeam.id, agentId: null, callerName: "B", callbackNumber: from, message: "Team B secret" });
    await syncCallerForCall(t.db, { teamId: t.teamB, callId: otherTeam.id });
    // Team B's open request is not team A's.
    expect(await lookupCallerHistory(t.db, { teamId: t.teamA, fromNumber: from, excludeCallId: current.id })).toEqual([]);
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: older.id, agentId: null, callerName: "Ann", callbackNumber: from, message: "Results of my biopsy please" });
    await syncCallerForCall(t.db, { teamId: t.teamA, callId: older.id });
    const history = await lookupCallerHistory(t.db, { teamId: t.teamA, fromNumber: from, excludeCallId: current.id });
    expect(history).toHaveLength(1);
    expect(history[0]!.summary).toBe(OPEN_REQUEST_NOTE);
    expect(JSON.stringify(history)).not.toMatch(/biopsy|Ann|secret/i);
  });
});
