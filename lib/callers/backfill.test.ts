import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerMessages, callers, calls, teams } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";

// The callers migration fills the directory from the calls already there: its backfill statements, run on a
// database with calls and messages from before it (and no caller entries yet).

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.drop();
});

function backfillStatements(): string[] {
  const file = readFileSync(path.join(process.cwd(), "db", "migrations", "0012_callers_inbox.sql"), "utf8");
  const start = file.indexOf("-- Backfill");
  expect(start).toBeGreaterThan(0);
  return file
    .slice(start)
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter(Boolean);
}

describe("callers backfill", () => {
  it("creates one entry per team and number with counts, last outcome and the newest message's name, and links the messages", async () => {
    const [team] = await t.db.insert(teams).values({ name: "A", slug: `a-${randomBytes(4).toString("hex")}` }).returning();
    const teamId = team!.id;
    const mk = (from: string, at: string, outcome: "resolved" | "message_taken", isTest = false) =>
      t.db
        .insert(calls)
        .values({ teamId, direction: "inbound", fromNumber: from, startedAt: new Date(at), endedAt: new Date(at), status: "completed", outcome, isTest })
        .returning()
        .then((r) => r[0]!);
    await mk("+14155550101", "2026-10-01T10:00:00Z", "resolved");
    const second = await mk("+14155550101", "2026-10-02T10:00:00Z", "message_taken");
    await mk("+14155550101", "2026-10-03T10:00:00Z", "resolved", true);
    await mk("Anonymous", "2026-10-03T10:00:00Z", "resolved");
    await t.db.insert(callerMessages).values({ teamId, callId: second.id, callerName: "Ann Lee", callbackNumber: "+14155550101", message: "Voicemail (7 s), left while all lines were busy." });
    for (const statement of backfillStatements()) await t.db.execute(sql.raw(statement));
    const entries = await t.db.select().from(callers).where(eq(callers.teamId, teamId));
    expect(entries).toEqual([expect.objectContaining({ e164: "+14155550101", name: "Ann Lee", callCount: 2, lastOutcome: "message_taken", lastCallId: second.id })]);
    const [message] = await t.db.select().from(callerMessages).where(eq(callerMessages.callId, second.id));
    expect(message).toMatchObject({ callerId: entries[0]!.id, kind: "voicemail" });
    // Messages from before the inbox are not announced now.
    expect(message!.notifiedAt).not.toBeNull();
  });
});
