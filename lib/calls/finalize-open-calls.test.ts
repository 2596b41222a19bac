import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callEvents, calls, callerMessages, teams } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { appendCallEvent } from "./append-event";
import { appendCallTurn } from "./append-turn";
import { createCall, markCallAnswered } from "./create-call";
import { finalizeOpenCalls } from "./finalize-open-calls";
import { countActiveCalls } from "./count-active-calls";
import { applyTwilioCallStatus, finalizeCall } from "./finalize-call";
import { CALL_STALE_MS, touchLiveCalls } from "./heartbeat";

let t: Awaited<ReturnType<typeof createTestDb>>;
let teamId: string;

beforeAll(async () => {
  t = await createTestDb();
  const [team] = await t.db.insert(teams).values({ name: "T", slug: `t-${randomBytes(4).toString("hex")}` }).returning();
  teamId = team!.id;
});

afterAll(async () => {
  await t?.drop();
});

async function openCall(startedAt: Date, answered = true) {
  const call = await createCall(t.db, {
    teamId,
    direction: "inbound",
    twilioCallSid: `CA${randomBytes(16).toString("hex")}`,
    fromNumber: "+15550001111",
    toNumber: "+15550002222",
    startedAt,
  });
  if (answered) await markCallAnswered(t.db, { teamId, callId: call.id, answeredAt: startedAt });
  return call;
}

describe("finalizeOpenCalls (crash recovery)", () => {
  it("closes calls a dead server left open, with what was captured", async () => {
    const startedAt = new Date(Date.now() - 60_000);
    const talked = await openCall(startedAt);
    await appendCallTurn(t.db, { teamId, callId: talked.id, seq: 1, speaker: "agent", text: "Hello", startMs: 100, endMs: 1500 });
    await appendCallTurn(t.db, { teamId, callId: talked.id, seq: 2, speaker: "caller", text: "Hi", startMs: 2000, endMs: 4200 });
    await appendCallEvent(t.db, { teamId, callId: talked.id, atMs: 5000, kind: "status", name: "something" });
    const silent = await openCall(startedAt);
    const messaged = await openCall(startedAt);
    await appendCallTurn(t.db, { teamId, callId: messaged.id, seq: 1, speaker: "caller", text: "Call me", startMs: 0, endMs: 900 });
    await t.db.insert(callerMessages).values({ teamId, callId: messaged.id, message: "Call me" });
    const neverConnected = await openCall(startedAt, false);
    const current = await openCall(new Date(Date.now() + 60_000));

    const recovered = await finalizeOpenCalls(t.db, { startedBefore: new Date() });
    expect(new Set(recovered.callIds)).toEqual(new Set([talked.id, silent.id, messaged.id, neverConnected.id]));
    // With their team, for the follow-up work (recordings, rollups, analysis) that is always team-scoped.
    expect(new Set(recovered.calls.map((c) => `${c.teamId}/${c.callId}`))).toEqual(
      new Set([talked.id, silent.id, messaged.id, neverConnected.id].map((id) => `${teamId}/${id}`)),
    );

    const rows = new Map((await t.db.select().from(calls)).map((c) => [c.id, c]));
    expect(rows.get(talked.id)).toMatchObject({ status: "completed", outcome: "failed", endReason: "voice_server_lost", durationSec: 5 });
    expect(rows.get(talked.id)!.endedAt!.getTime()).toBe(startedAt.getTime() + 5000);
    expect(rows.get(silent.id)).toMatchObject({ outcome: "abandoned", endReason: "voice_server_lost", durationSec: 0 });
    expect(rows.get(messaged.id)).toMatchObject({ outcome: "message_taken" });
    expect(rows.get(neverConnected.id)).toMatchObject({ status: "failed", outcome: "abandoned", endReason: "stream_not_connected" });
    // Each says why, dated at its end.
    const recoveryEvents = await t.db.select().from(callEvents).where(and(eq(callEvents.teamId, teamId), eq(callEvents.kind, "error")));
    expect(recoveryEvents.find((e) => e.callId === talked.id)).toMatchObject({
      name: "voice_server_lost",
      atMs: 5000,
      data: { stage: "recovery", kind: "voice_server_lost", endedBy: "last_sign_of_life", message: expect.stringMatching(/voice server .* stopped/) },
    });
    expect(recoveryEvents.find((e) => e.callId === neverConnected.id)).toMatchObject({ name: "stream_not_connected" });
    expect(recoveryEvents).toHaveLength(4);
    expect(rows.get(talked.id)).toMatchObject({ errorCount: 1 });
    // A call that started after this server did belongs to a live process: untouched.
    expect(rows.get(current.id)?.endedAt).toBeNull();

    // Running again finds nothing.
    expect(await finalizeOpenCalls(t.db, { startedBefore: new Date() })).toEqual({ callIds: [], calls: [] });
  });

  it("counts turns and errors on the call as they land, once per turn even if a write is retried", async () => {
    const call = await openCall(new Date());
    const turn = { teamId, callId: call.id, seq: 1, speaker: "agent" as const, text: "Hi", startMs: 0, endMs: 10 };
    await appendCallTurn(t.db, turn);
    await appendCallTurn(t.db, turn);
    await appendCallEvent(t.db, { teamId, callId: call.id, atMs: 1, kind: "error", name: "llm_timeout" });
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ turnCount: 1, errorCount: 1 });
  });

  it("with several voice servers, leaves calls whose process still sends heartbeats", async () => {
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const alive = await openCall(longAgo);
    const dead = await openCall(longAgo);
    const [other] = await t.db.insert(teams).values({ name: "O", slug: `o-${randomBytes(4).toString("hex")}` }).returning();
    // The heartbeat is scoped by team: a call id paired with another team's id is not touched.
    await touchLiveCalls(t.db, [{ teamId, callId: alive.id }, { teamId: other!.id, callId: dead.id }]);
    const staleBefore = new Date(Date.now() - CALL_STALE_MS);

    const recovered = await finalizeOpenCalls(t.db, { startedBefore: new Date(), staleBefore });
    expect(recovered.callIds).toEqual([dead.id]);
    const rows = new Map((await t.db.select().from(calls)).map((c) => [c.id, c]));
    expect(rows.get(alive.id)?.endedAt).toBeNull();
    expect(rows.get(alive.id)?.heartbeatAt).not.toBeNull();
    expect(rows.get(dead.id)?.heartbeatAt).toBeNull();

    // Once its process stops too, the next sweep closes it.
    const later = new Date(Date.now() + CALL_STALE_MS + 1_000);
    const next = await finalizeOpenCalls(t.db, { startedBefore: later, staleBefore: new Date(later.getTime() - CALL_STALE_MS) });
    expect(next.callIds).toContain(alive.id);
  });

  it("dates a crashed call's end from its last heartbeat, not from its last turn", async () => {
    const answeredAt = new Date(Date.now() - 40_000);
    const call = await openCall(answeredAt);
    await appendCallTurn(t.db, { teamId, callId: call.id, seq: 1, speaker: "agent", text: "Hello", startMs: 0, endMs: 3000 });
    // The process kept beating 20 s into the call, long after the last turn ended, then died.
    await t.db.execute(sql`update calls set heartbeat_at = ${new Date(answeredAt.getTime() + 20_000).toISOString()}::timestamptz where id = ${call.id}`);
    await finalizeOpenCalls(t.db, { startedBefore: new Date(), staleBefore: new Date(Date.now() - CALL_STALE_MS) });
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ status: "completed", endReason: "voice_server_lost", durationSec: 20 });
    expect(row!.endedAt!.getTime()).toBe(answeredAt.getTime() + 20_000);
    const [event] = await t.db.select().from(callEvents).where(and(eq(callEvents.callId, call.id), eq(callEvents.name, "voice_server_lost")));
    expect(event).toMatchObject({ atMs: 20_000, data: expect.objectContaining({ lastHeartbeatAt: expect.any(String) }) });
  });

  it("frees a crashed call's line once its heartbeat is stale, before any sweep", async () => {
    const [team] = await t.db.insert(teams).values({ name: "L", slug: `l-${randomBytes(4).toString("hex")}` }).returning();
    const own = team!.id;
    const call = await createCall(t.db, { teamId: own, direction: "inbound", twilioCallSid: `CA${randomBytes(16).toString("hex")}` });
    await markCallAnswered(t.db, { teamId: own, callId: call.id, answeredAt: new Date() });
    await touchLiveCalls(t.db, [{ teamId: own, callId: call.id }]);
    expect(await countActiveCalls(t.db, own)).toBe(1);
    // The heartbeat stopped CALL_STALE_MS ago: the call no longer holds a line, though it is not finalized yet.
    await t.db.execute(sql`update calls set heartbeat_at = now() - make_interval(secs => ${CALL_STALE_MS / 1000 + 1}) where id = ${call.id}`);
    expect(await countActiveCalls(t.db, own)).toBe(0);
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row?.endedAt).toBeNull();
  });

  it("keeps Twilio's end and duration for a call its status callback ended after its server died, and finishes it once", async () => {
    const answeredAt = new Date(Date.now() - 30_000);
    const call = await openCall(answeredAt);
    await appendCallTurn(t.db, { teamId, callId: call.id, seq: 1, speaker: "caller", text: "Hi", startMs: 0, endMs: 900 });
    await t.db.execute(sql`update calls set heartbeat_at = ${new Date(answeredAt.getTime() + 9_000).toISOString()}::timestamptz where id = ${call.id}`);
    const [before] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    const twilioEnd = new Date(answeredAt.getTime() + 10_000);
    expect(await applyTwilioCallStatus(t.db, { callSid: before!.twilioCallSid!, callStatus: "completed", callDurationSec: 11, at: twilioEnd })).toBe(true);
    const [ended] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    // The line is free at once; the outcome is the session's to write, so it waits.
    expect(ended).toMatchObject({ status: "completed", durationSec: 11, outcome: null });
    expect(ended!.endedAt!.getTime()).toBe(twilioEnd.getTime());

    const staleBefore = new Date(Date.now() - CALL_STALE_MS);
    const swept = await finalizeOpenCalls(t.db, { startedBefore: new Date(), staleBefore });
    expect(swept.callIds).toContain(call.id);
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ status: "completed", durationSec: 11, outcome: "failed", endReason: "voice_server_lost" });
    expect(row!.endedAt!.getTime()).toBe(twilioEnd.getTime());
    const events = await t.db.select().from(callEvents).where(and(eq(callEvents.callId, call.id), eq(callEvents.kind, "error")));
    expect(events).toEqual([expect.objectContaining({ name: "voice_server_lost", atMs: 10_000, data: expect.objectContaining({ endedBy: "twilio_status_callback" }) })]);
    // A second sweep and a repeated callback change nothing.
    expect((await finalizeOpenCalls(t.db, { startedBefore: new Date(), staleBefore })).callIds).not.toContain(call.id);
    await applyTwilioCallStatus(t.db, { callSid: before!.twilioCallSid!, callStatus: "completed", callDurationSec: 11, at: new Date() });
    const [again] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(again).toMatchObject({ durationSec: 11, outcome: "failed", endReason: "voice_server_lost" });
    expect(again!.endedAt!.getTime()).toBe(twilioEnd.getTime());
  });

  it("leaves a live call whose status callback came first to its own session", async () => {
    const call = await openCall(new Date(Date.now() - 5_000));
    await touchLiveCalls(t.db, [{ teamId, callId: call.id }]);
    const [before] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    await applyTwilioCallStatus(t.db, { callSid: before!.twilioCallSid!, callStatus: "completed", callDurationSec: 5, at: new Date() });
    expect((await finalizeOpenCalls(t.db, { startedBefore: new Date(), staleBefore: new Date(Date.now() - CALL_STALE_MS) })).callIds).not.toContain(call.id);
    // Its session's own finalize still lands: the outcome is the session's.
    await finalizeCall(t.db, { teamId, callId: call.id, status: "completed", outcome: "resolved", endReason: "caller_hangup", endedAt: new Date(), durationSec: 4 });
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ outcome: "resolved", endReason: "caller_hangup", durationSec: 5 });
  });
});
