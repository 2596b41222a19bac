import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callTurns, teams } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { appendCallTurn } from "./append-turn";
import { createCall } from "./create-call";

let t: Awaited<ReturnType<typeof createTestDb>>;
const teamIds: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  for (const name of ["A", "B"]) {
    const [team] = await t.db.insert(teams).values({ name, slug: `t-${randomBytes(4).toString("hex")}` }).returning();
    teamIds.push(team!.id);
  }
});

afterAll(async () => {
  await t?.drop();
});

async function newCall(teamId: string) {
  return createCall(t.db, {
    teamId,
    direction: "inbound",
    twilioCallSid: `CA${randomBytes(16).toString("hex")}`,
    fromNumber: "+15550001111",
    toNumber: "+15550002222",
    startedAt: new Date(),
  });
}

describe("appendCallTurn", () => {
  it("stores every field of the turn, knowledge ids included, and counts it on the call once", async () => {
    const [teamA] = teamIds as [string];
    const call = await newCall(teamA);
    const turn = {
      teamId: teamA,
      callId: call.id,
      seq: 2,
      speaker: "agent" as const,
      text: 'We open at nine, "sharp".',
      startMs: 4100,
      endMs: 6900,
      isInterrupted: true,
      endpointingMs: 300,
      sttFinalMs: 452,
      llmFirstTokenMs: 803,
      ttsFirstByteMs: 905,
      firstAudioMs: 906,
      knowledgeIds: ["k-1", 'odd "id" \\ with escapes'],
    };
    await appendCallTurn(t.db, turn);
    await appendCallTurn(t.db, turn); // a retried write after a lost acknowledgement
    const rows = await t.db.select().from(callTurns).where(and(eq(callTurns.teamId, teamA), eq(callTurns.callId, call.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(turn);
    const [row] = await t.db.select({ turnCount: calls.turnCount }).from(calls).where(eq(calls.id, call.id));
    expect(row?.turnCount).toBe(1);
  });

  it("leaves optional fields empty, and never counts a turn on another team's call", async () => {
    const [teamA, teamB] = teamIds as [string, string];
    const call = await newCall(teamA);
    await appendCallTurn(t.db, { teamId: teamA, callId: call.id, seq: 1, speaker: "caller", text: "Hi", startMs: 0, endMs: 900 });
    const [stored] = await t.db.select().from(callTurns).where(eq(callTurns.callId, call.id));
    expect(stored).toMatchObject({ isInterrupted: false, endpointingMs: null, knowledgeIds: null, firstAudioMs: null });

    // Same call id, wrong team: the insert is refused by the call's team (foreign data never lands) or counts nothing.
    await appendCallTurn(t.db, { teamId: teamB, callId: call.id, seq: 9, speaker: "caller", text: "x", startMs: 0, endMs: 1 }).catch(() => {});
    const [row] = await t.db.select({ turnCount: calls.turnCount }).from(calls).where(eq(calls.id, call.id));
    expect(row?.turnCount).toBe(1);
  });
});
