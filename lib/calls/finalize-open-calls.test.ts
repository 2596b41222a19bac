import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callerMessages, teams } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { appendCallEvent } from "./append-event";
import { appendCallTurn } from "./append-turn";
import { createCall, markCallAnswered } from "./create-call";
import { finalizeOpenCalls } from "./finalize-open-calls";
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
    expect(rows.get(talked.id)).toMatchObject({ status: "completed", outcome: "failed", endReason: "server_restart", durationSec: 5 });
    expect(rows.get(talked.id)!.endedAt!.getTime()).toBe(startedAt.getTime() + 5000);
    expect(rows.get(silent.id)).toMatchObject({ outcome: "abandoned", endReason: "server_restart", durationSec: 0 });
    expect(rows.get(messaged.id)).toMatchObject({ outcome: "message_taken" });
    expect(rows.get(neverConnected.id)).toMatchObject({ status: "failed", outcome: "abandoned" });
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
});
