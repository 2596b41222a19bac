import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLogs, callerMessages, callers, calls } from "@/db/schema";
import { createCall } from "@/lib/calls/create-call";
import { finalizeCall } from "@/lib/calls/finalize-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { getCaller, getCallerDetail } from "./get-caller";
import { listCallers } from "./list-callers";
import { syncCallerForCall } from "./sync-caller";
import { updateCaller } from "./update-caller";

const t = setupTwoTeamDb();
const actor = { label: "owner@example.com" };

const sid = () => `CA${randomBytes(16).toString("hex")}`;

async function endedCall(teamId: string, from: string, at: Date, outcome: "resolved" | "message_taken" = "resolved", isTest = false) {
  const call = await createCall(t.db, { teamId, direction: "inbound", twilioCallSid: sid(), fromNumber: from, toNumber: "+15550000000", startedAt: at });
  if (isTest) await t.db.update(calls).set({ isTest: true }).where(eq(calls.id, call.id));
  await finalizeCall(t.db, { teamId, callId: call.id, status: "completed", outcome, endReason: "caller_hangup", endedAt: new Date(at.getTime() + 60_000), durationSec: 60 });
  return call;
}

describe("caller directory", () => {
  it("keeps one entry per team and number, counted from the calls, without double counting a re-sync", async () => {
    const from = "+14155550101";
    const first = await endedCall(t.teamA, from, new Date("2026-11-01T10:00:00Z"));
    await syncCallerForCall(t.db, { teamId: t.teamA, callId: first.id });
    const second = await endedCall(t.teamA, from, new Date("2026-11-03T10:00:00Z"), "message_taken");
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: second.id, agentId: null, callerName: "Maria Garcia", callbackNumber: from, message: "Call me about the invoice" });
    await syncCallerForCall(t.db, { teamId: t.teamA, callId: second.id });
    const again = await syncCallerForCall(t.db, { teamId: t.teamA, callId: second.id });
    expect(again).toMatchObject({ e164: from, name: "Maria Garcia", callCount: 2, lastOutcome: "message_taken", lastCallId: second.id });
    expect(again!.firstCallAt!.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    const [message] = await t.db.select().from(callerMessages).where(eq(callerMessages.callId, second.id));
    expect(message!.callerId).toBe(again!.id);
    // The same number calling another team is another team's stranger.
    const other = await endedCall(t.teamB, from, new Date("2026-11-04T10:00:00Z"));
    const b = await syncCallerForCall(t.db, { teamId: t.teamB, callId: other.id });
    expect(b!.id).not.toBe(again!.id);
    expect(b).toMatchObject({ callCount: 1, name: "" });
  });

  it("gives test calls and withheld numbers no entry", async () => {
    const test = await endedCall(t.teamA, "+14155550199", new Date(), "resolved", true);
    expect(await syncCallerForCall(t.db, { teamId: t.teamA, callId: test.id })).toBeNull();
    const anon = await endedCall(t.teamA, "Anonymous", new Date());
    expect(await syncCallerForCall(t.db, { teamId: t.teamA, callId: anon.id })).toBeNull();
  });

  it("finds a caller by number in any common format, or by any word of the name", async () => {
    for (const q of ["+1 415 555 0101", "(415) 555-0101", "415.555.0101", "4155550101", "001 415 555 0101", "555 0101", "garc", "Maria", "maria garcia"]) {
      const page = await listCallers(t.db, t.teamA, { q });
      expect(page.callers.map((c) => c.e164), q).toContain("+14155550101");
    }
    expect((await listCallers(t.db, t.teamA, { q: "garcias" })).callers).toEqual([]);
    expect((await listCallers(t.db, t.teamA, { q: "arcia" })).callers).toEqual([]);
    // Team B's entry for the same number never shows in team A's search, and the other way round.
    expect((await listCallers(t.db, t.teamB, { q: "Maria" })).callers).toEqual([]);
  });

  it("lets a member edit the name, notes, tags and flags; the name then stays, and flag changes are audited", async () => {
    const [entry] = await t.db.select().from(callers).where(and(eq(callers.teamId, t.teamA), eq(callers.e164, "+14155550101")));
    const updated = await updateCaller(t.db, {
      teamId: t.teamA,
      callerId: entry!.id,
      actor,
      update: { name: "María García", notes: "Prefers mornings", tags: ["Billing", "billing", "vip-list"], isVip: true },
    });
    expect(updated).toMatchObject({ name: "María García", isNameEdited: true, notes: "Prefers mornings", tags: ["billing", "vip-list"], isVip: true });
    const later = await endedCall(t.teamA, "+14155550101", new Date("2026-11-05T10:00:00Z"), "message_taken");
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: later.id, agentId: null, callerName: "Somebody Else", callbackNumber: "+14155550101", message: "Hi" });
    expect((await syncCallerForCall(t.db, { teamId: t.teamA, callId: later.id }))!.name).toBe("María García");
    const audits = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, t.teamA), eq(auditLogs.action, "caller.update")));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.metadata).toMatchObject({ changes: { vip: { from: false, to: true } } });
    await expect(updateCaller(t.db, { teamId: t.teamA, callerId: entry!.id, actor, update: { tags: ["<script>"] } })).rejects.toThrow();
  });

  it("shows another team's caller as not found", async () => {
    const [entry] = await t.db.select().from(callers).where(and(eq(callers.teamId, t.teamA), eq(callers.e164, "+14155550101")));
    await expect(getCaller(t.db, t.teamB, entry!.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(updateCaller(t.db, { teamId: t.teamB, callerId: entry!.id, actor, update: { isBlocked: true } })).rejects.toMatchObject({ code: "not_found" });
    const detail = await getCallerDetail(t.db, t.teamA, entry!.id);
    expect(detail.calls).toHaveLength(3);
    expect(detail.messages.map((m) => m.callerName)).toEqual(["Somebody Else", "Maria Garcia"]);
  });
});
