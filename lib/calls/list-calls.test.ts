import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { agents, calls, callTurns, teams } from "@/db/schema";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { getCall } from "./get-call";
import { decodeCallCursor, listCalls } from "./list-calls";

const t = setupTwoTeamDb();
let agentA: string;

beforeAll(async () => {
  const [agent] = await t.db
    .insert(agents)
    .values({ teamId: t.teamA, name: "Front desk", config: { greeting: "Hi" } as never })
    .returning();
  agentA = agent!.id;
});

async function insertCall(teamId: string, values: Partial<typeof calls.$inferInsert> = {}) {
  const [row] = await t.db
    .insert(calls)
    .values({ teamId, direction: "inbound", status: "completed", endedAt: new Date(), ...values })
    .returning();
  return row!;
}

async function listAll(teamId: string, filters: Parameters<typeof listCalls>[2], limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listCalls(t.db, teamId, filters, cursor, limit);
    ids.push(...page.calls.map((c) => c.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe("listCalls", () => {
  it("pages newest first without duplicates or gaps, even when many calls share a start time", async () => {
    const team = (await t.db.insert(teams).values({ name: "P", slug: `p-${randomBytes(4).toString("hex")}` }).returning())[0]!.id;
    const same = new Date("2026-03-01T10:00:00.123Z");
    const expected: string[] = [];
    // 23 calls at exactly the same instant (to the microsecond, as now() would give within one statement)...
    const tied = await t.db
      .insert(calls)
      .values(Array.from({ length: 23 }, () => ({ teamId: team, direction: "inbound" as const, startedAt: same })))
      .returning();
    // ... and some that differ only in microseconds, which a JS Date cannot represent.
    for (let i = 0; i < 5; i++) {
      await t.db.execute(sql`insert into calls (team_id, direction, started_at) values (${team}, 'inbound', ${`2026-03-01 10:00:00.123${400 + i}+00`}::timestamptz)`);
    }
    const { ids, pages } = await listAll(team, {}, 4);
    expect(pages).toBe(Math.ceil(28 / 4));
    expect(ids).toHaveLength(28);
    expect(new Set(ids).size).toBe(28);
    expected.push(...tied.map((c) => c.id));
    for (const id of expected) expect(ids).toContain(id);
    // The 5 later-by-microseconds calls come first; ties are broken by id descending.
    const tiedOrder = ids.slice(5);
    expect(tiedOrder).toEqual([...tiedOrder].sort().reverse());
  });

  it("filters by date, agent, outcome, sentiment, topic and test calls", async () => {
    const base = new Date("2026-04-10T12:00:00Z");
    const a = await insertCall(t.teamA, { startedAt: base, agentId: agentA, outcome: "resolved", sentiment: "positive", topic: "Appointment booking" });
    const b = await insertCall(t.teamA, { startedAt: new Date(base.getTime() - 86_400_000), outcome: "transferred", sentiment: "negative", topic: "Billing and payments" });
    const test = await insertCall(t.teamA, { startedAt: base, isTest: true, outcome: "resolved" });
    const ids = async (filters: Parameters<typeof listCalls>[2]) => (await listCalls(t.db, t.teamA, filters)).calls.map((c) => c.id);

    expect(await ids({ from: "2026-04-10T00:00:00Z", to: "2026-04-11T00:00:00Z" })).toEqual([a.id]);
    expect(await ids({ agentId: agentA })).toEqual([a.id]);
    expect(await ids({ outcome: "transferred" })).toEqual([b.id]);
    expect(await ids({ sentiment: "negative" })).toEqual([b.id]);
    expect(await ids({ topic: "billing" })).toEqual([b.id]);
    expect(await ids({ testCalls: "only" })).toEqual([test.id]);
    expect(await ids({ testCalls: "include", outcome: "resolved" })).toEqual(expect.arrayContaining([a.id, test.id]));
    expect(await ids({ outcome: "resolved" })).not.toContain(test.id);
    // Empty strings from a form mean "any".
    expect(await ids({ outcome: "", agentId: "", q: "" })).toEqual(expect.arrayContaining([a.id, b.id]));
    const first = (await listCalls(t.db, t.teamA, { agentId: agentA })).calls[0];
    expect(first?.agentName).toBe("Front desk");
    await expect(listCalls(t.db, t.teamA, { outcome: "great" as never })).rejects.toThrow(/outcome/);
  });

  it("searches transcripts with full-text search, stemming included", async () => {
    const hit = await insertCall(t.teamA, { startedAt: new Date("2026-05-01T09:00:00Z") });
    const miss = await insertCall(t.teamA, { startedAt: new Date("2026-05-01T09:01:00Z") });
    await t.db.insert(callTurns).values([
      { teamId: t.teamA, callId: hit.id, seq: 1, speaker: "caller", text: "I want to cancel my subscriptions today", startMs: 0, endMs: 1000 },
      { teamId: t.teamA, callId: miss.id, seq: 1, speaker: "caller", text: "What are your opening hours?", startMs: 0, endMs: 1000 },
    ]);
    const found = await listCalls(t.db, t.teamA, { q: "subscription cancel" });
    expect(found.calls.map((c) => c.id)).toEqual([hit.id]);
    expect((await listCalls(t.db, t.teamA, { q: '"opening hours"' })).calls.map((c) => c.id)).toEqual([miss.id]);
    expect((await listCalls(t.db, t.teamA, { q: "cancel -subscription" })).calls).toEqual([]);
  });

  it("never returns another team's calls, by filter, search or cursor", async () => {
    const secret = await insertCall(t.teamA, { startedAt: new Date("2026-06-01T09:00:00Z"), topic: "Secret" });
    await t.db.insert(callTurns).values({ teamId: t.teamA, callId: secret.id, seq: 1, speaker: "caller", text: "zebra password", startMs: 0, endMs: 1 });
    const mine = await insertCall(t.teamB, { startedAt: new Date("2026-06-01T08:00:00Z") });
    const b = await listCalls(t.db, t.teamB, { testCalls: "include" });
    expect(b.calls.map((c) => c.id)).toEqual([mine.id]);
    expect((await listCalls(t.db, t.teamB, { q: "zebra" })).calls).toEqual([]);
    expect((await listCalls(t.db, t.teamB, { topic: "Secret" })).calls).toEqual([]);
    // A cursor taken from team A's list only positions team B's list; it never reveals A's rows.
    const aPage = await listCalls(t.db, t.teamA, {}, null, 1);
    const fromA = await listCalls(t.db, t.teamB, {}, aPage.nextCursor);
    expect(fromA.calls.every((c) => c.teamId === t.teamB)).toBe(true);
    await expect(getCall(t.db, t.teamB, secret.id)).rejects.toMatchObject({ code: "not_found" });
    const detail = await getCall(t.db, t.teamA, secret.id);
    expect(detail.turns.map((x) => x.text)).toEqual(["zebra password"]);
  });

  it("rejects a forged cursor with a clear error", async () => {
    expect(() => decodeCallCursor("not-a-cursor")).toThrow(/cursor is not valid/);
    await expect(listCalls(t.db, t.teamA, {}, Buffer.from('["x","y"]').toString("base64url"))).rejects.toThrow(/cursor/);
  });
});
