// The calls list's transcript search reads one document per call (call_search_docs), kept from call_turns by
// triggers (migration call_search_docs). Whatever writes turns, the search must find what was said and nothing that
// was erased, and never another team's words.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createDb } from "@/db/client";
import { MIGRATIONS_DIR, migrateDatabase } from "@/db/migrate";
import { calls, callTurns } from "@/db/schema";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { appendCallTurn, saveAgentTurn } from "./append-turn";
import { listCalls, TRANSCRIPT_SEARCH_LIST_MAX } from "./list-calls";

const t = setupTwoTeamDb();

async function insertCall(teamId: string, startedAt = new Date()) {
  const [row] = await t.db.insert(calls).values({ teamId, direction: "inbound", status: "in_progress", startedAt }).returning();
  return row!.id;
}

const turn = (teamId: string, callId: string, seq: number, speaker: "caller" | "agent", text: string) => ({
  teamId,
  callId,
  seq,
  speaker,
  text,
  startMs: seq * 1000,
  endMs: seq * 1000 + 900,
});

async function found(teamId: string, q: string): Promise<string[]> {
  return (await listCalls(t.db, teamId, { q })).calls.map((c) => c.id);
}

describe("transcript search documents", () => {
  it("finds a live call by what was said as its turns land, and an agent turn by its last words, not the ones it lost", async () => {
    const call = await insertCall(t.teamA);
    await appendCallTurn(t.db, turn(t.teamA, call, 0, "caller", "I was charged twice, I need a refund"));
    expect(await found(t.teamA, "refund")).toEqual([call]);
    await saveAgentTurn(t.db, turn(t.teamA, call, 1, "agent", "Let me look at your invoice"));
    expect(await found(t.teamA, "invoice refund")).toEqual([call]);
    // The agent was cut off: the turn is rewritten with what the caller heard.
    await saveAgentTurn(t.db, turn(t.teamA, call, 1, "agent", "Let me look"));
    expect(await found(t.teamA, "invoice")).toEqual([]);
    expect(await found(t.teamA, "refund")).toEqual([call]);
    // A retried write of a turn that exists changes nothing.
    await appendCallTurn(t.db, turn(t.teamA, call, 0, "caller", "something else entirely"));
    expect(await found(t.teamA, "refund")).toEqual([call]);
  });

  it("forgets erased and deleted words: a turn's new text and a deleted turn leave nothing to find", async () => {
    const call = await insertCall(t.teamA);
    await t.db.insert(callTurns).values([turn(t.teamA, call, 0, "caller", "my card is for the dentist"), turn(t.teamA, call, 1, "agent", "noted the pelican")]);
    expect(await found(t.teamA, "dentist")).toEqual([call]);
    await t.db.update(callTurns).set({ text: "[redacted]" }).where(and(eq(callTurns.callId, call), eq(callTurns.seq, 0)));
    expect(await found(t.teamA, "dentist")).toEqual([]);
    expect(await found(t.teamA, "pelican")).toEqual([call]);
    // A change that is not the text (the analysis writing a turn's sentiment) keeps the document as it was.
    await t.db.update(callTurns).set({ sentiment: "positive" }).where(eq(callTurns.callId, call));
    expect(await found(t.teamA, "pelican")).toEqual([call]);
    await t.db.delete(callTurns).where(eq(callTurns.callId, call));
    expect(await found(t.teamA, "pelican")).toEqual([]);
    // The call itself is still listed; deleting it takes its document along.
    expect((await listCalls(t.db, t.teamA, {})).calls.map((c) => c.id)).toContain(call);
    await t.db.delete(calls).where(eq(calls.id, call));
    const [left] = await t.db.execute<{ n: number }>(sql`select count(*)::int as n from call_search_docs where call_id = ${call}`);
    expect(left?.n).toBe(0);
  });

  it("keeps each turn's word order for a phrase search", async () => {
    const call = await insertCall(t.teamA);
    await t.db.insert(callTurns).values([turn(t.teamA, call, 0, "agent", "someone will call you back about the walrus"), turn(t.teamA, call, 1, "caller", "thanks")]);
    expect(await found(t.teamA, '"call you back" walrus')).toEqual([call]);
    expect(await found(t.teamA, '"back you call" walrus')).toEqual([]);
  });

  it("never finds another team's words, with the same word said on both teams", async () => {
    const a = await insertCall(t.teamA, new Date("2026-01-02T10:00:00Z"));
    const b = await insertCall(t.teamB, new Date("2026-01-02T10:00:00Z"));
    await appendCallTurn(t.db, turn(t.teamA, a, 0, "caller", "the flamingo in my garden"));
    await appendCallTurn(t.db, turn(t.teamB, b, 0, "caller", "a flamingo and a secret armadillo"));
    expect(await found(t.teamA, "flamingo")).toEqual([a]);
    expect(await found(t.teamB, "flamingo")).toEqual([b]);
    expect(await found(t.teamA, "armadillo")).toEqual([]);
  });

  // Calls of one team saying `word`, one a minute back from `start`; the oldest `failed` of them failed.
  async function manyCalls(teamId: string, word: string, n: number, start: string, failed = 0) {
    await t.db.execute(sql`
      with c as (
        insert into calls (team_id, direction, status, outcome, started_at)
        select ${teamId}::uuid, 'inbound', 'completed', (case when g > ${n - failed} then 'failed' else 'resolved' end)::call_outcome,
          ${start}::timestamptz - make_interval(mins => g)
        from generate_series(1, ${n}) g
        returning id, team_id)
      insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms)
      select team_id, id, 0, 'caller', 'about the ' || ${word} || ' please', 0, 1 from c`);
  }

  it("pages a word said in more calls than its match list holds, newest first, without repeats, filters applied", async () => {
    await manyCalls(t.teamA, "umbrella", TRANSCRIPT_SEARCH_LIST_MAX + 60, "2025-06-01T00:00:00Z", 7);
    await manyCalls(t.teamB, "umbrella", 30, "2025-06-02T00:00:00Z");
    // With statistics the word counts as common: the newest documents are walked, the list is never asked for
    // (over its limit), and the old failed calls are found by the whole walk.
    await t.db.execute(sql`analyze call_search_docs`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let previous = Infinity;
    for (let page = 0; page < 3; page++) {
      const result = await listCalls(t.db, t.teamA, { q: "umbrella" }, cursor, 200);
      for (const c of result.calls) {
        expect(c.teamId).toBe(t.teamA);
        expect(c.startedAt.getTime()).toBeLessThan(previous);
        previous = c.startedAt.getTime();
        seen.push(c.id);
      }
      cursor = result.nextCursor;
    }
    expect(seen).toHaveLength(600);
    expect(new Set(seen).size).toBe(600);
    // The oldest seven failed: found through every newer match.
    const failed = await listCalls(t.db, t.teamA, { q: "umbrella", outcome: "failed" });
    expect(failed.calls).toHaveLength(7);
    const day = await listCalls(t.db, t.teamA, { q: "umbrella", from: "2025-05-31T00:00:00Z", to: "2025-05-31T01:00:00Z" }, null, 200);
    expect(day.calls).toHaveLength(60);
    expect((await listCalls(t.db, t.teamB, { q: "umbrella" })).calls).toHaveLength(30);
  });

  it("finds the few matching calls through a filter that only old ones pass, past many newer matches", async () => {
    await manyCalls(t.teamA, "trombone", 900, "2025-03-01T00:00:00Z", 3);
    const failed = await listCalls(t.db, t.teamA, { q: "trombone", outcome: "failed" });
    expect(failed.calls).toHaveLength(3);
    // A date range: the calls of the last hour before the start (one a minute), the "to" bound exclusive.
    const hour = await listCalls(t.db, t.teamA, { q: "trombone", from: "2025-02-28T23:00:00Z", to: "2025-03-01T00:00:00Z" }, null, 200);
    expect(hour.calls).toHaveLength(60);
    const page1 = await listCalls(t.db, t.teamA, { q: "trombone" }, null, 100);
    const page2 = await listCalls(t.db, t.teamA, { q: "trombone" }, page1.nextCursor, 100);
    expect(page2.calls[0]!.startedAt.getTime()).toBeLessThan(page1.calls.at(-1)!.startedAt.getTime());
    expect(new Set([...page1.calls, ...page2.calls].map((c) => c.id)).size).toBe(200);
  });

  it("counts both turns when two writers add to one call at once", async () => {
    const call = await insertCall(t.teamA);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const first = t.db.transaction(async (tx) => {
      await tx.insert(callTurns).values(turn(t.teamA, call, 0, "caller", "the first giraffe"));
      wrote();
      await held;
    });
    await written;
    // Its document row is locked by the open transaction: this write waits, then reads both turns.
    const second = appendCallTurn(t.db, turn(t.teamA, call, 1, "agent", "and the second okapi"));
    await new Promise((r) => setTimeout(r, 200));
    release();
    await Promise.all([first, second]);
    expect(await found(t.teamA, "giraffe okapi")).toEqual([call]);
  });
});

describe("migration call_search_docs", () => {
  const adminUrl = inject("pgAdminUrl");
  const name = `m_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  let dir = "";

  afterAll(async () => {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("makes the transcripts of calls taken before it searchable", async () => {
    // The committed migrations up to the one before call_search_docs, as a database deployed before it has them.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aica-mig-"));
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journalPath = path.join(dir, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.endsWith("_call_search_docs"));
    expect(at).toBeGreaterThan(0);
    fs.writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString(), { dir });

    const { db, sql: connection } = createDb(url.toString(), { max: 2 });
    try {
      // Raw SQL with only the columns these tables had then: the schema's later columns do not exist yet.
      const [a, b] = await connection<{ id: string }[]>`
        insert into teams (name, slug) values ('A', ${`a-${randomBytes(4).toString("hex")}`}), ('B', ${`b-${randomBytes(4).toString("hex")}`})
        returning id`;
      const [callA, callB] = await connection<{ id: string }[]>`
        insert into calls (team_id, direction, status, started_at, ended_at) values
          (${a!.id}, 'inbound', 'completed', '2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z'),
          (${b!.id}, 'inbound', 'completed', '2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z')
        returning id`;
      await connection`
        insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms) values
          (${a!.id}, ${callA!.id}, 0, 'caller', 'please reschedule my cleaning', 0, 1),
          (${a!.id}, ${callA!.id}, 1, 'agent', 'we will call you back', 2, 3),
          (${b!.id}, ${callB!.id}, 0, 'caller', 'reschedule the delivery', 0, 1)`;

      expect((await migrateDatabase(url.toString())).applied.some((tag) => tag.endsWith("_call_search_docs"))).toBe(true);
      expect((await listCalls(db, a!.id, { q: "cleaning reschedule" })).calls.map((c) => c.id)).toEqual([callA!.id]);
      expect((await listCalls(db, a!.id, { q: '"call you back"' })).calls.map((c) => c.id)).toEqual([callA!.id]);
      expect((await listCalls(db, a!.id, { q: "delivery" })).calls).toEqual([]);
      expect((await listCalls(db, b!.id, { q: "reschedule" })).calls.map((c) => c.id)).toEqual([callB!.id]);
    } finally {
      await connection.end({ timeout: 5 });
    }
  });
});
