import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls } from "@/db/schema";
import { createCall } from "@/lib/calls/create-call";
import { createTestDb } from "@/tests/helpers/db";
import { seedAgent } from "@/tests/voice/helpers/seed";
import { measureDrain } from "./bench-voice-figures";

let testDb: Awaited<ReturnType<typeof createTestDb>>;

beforeAll(async () => {
  testDb = await createTestDb();
});

afterAll(async () => {
  await testDb?.drop();
});

describe("bench:voice drain of the post-call analysis backlog", () => {
  it("counts ended calls still waiting for analysis and times how long until none is left", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: `AC${"2".repeat(32)}` });
    const ended = { teamId: agent.teamId, direction: "inbound" as const, status: "completed" as const, endedAt: new Date() };
    const pending = await Promise.all([createCall(testDb.db, ended), createCall(testDb.db, ended), createCall(testDb.db, ended)]);
    // A live call (not ended) is not part of the backlog.
    await createCall(testDb.db, { teamId: agent.teamId, direction: "inbound", status: "in_progress" });
    // The analyzer works through them over about two seconds.
    const analyzer = (async () => {
      for (const call of pending) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        await testDb.db.update(calls).set({ analysisStatus: "done" }).where(and(eq(calls.id, call.id), eq(calls.teamId, call.teamId)));
      }
    })();
    const drain = await measureDrain(testDb.url, 20_000);
    await analyzer;
    expect(drain.pendingAtStart).toBe(3);
    expect(drain.pendingAtEnd).toBe(0);
    expect(drain.drainedInS).toBeGreaterThanOrEqual(2);
    expect(drain.drainedInS).toBeLessThan(10);
  });

  it("reports what is left when the backlog does not drain in time", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: `AC${"3".repeat(32)}` });
    await createCall(testDb.db, { teamId: agent.teamId, direction: "inbound", status: "completed", endedAt: new Date() });
    const drain = await measureDrain(testDb.url, 1_500);
    expect(drain).toMatchObject({ pendingAtEnd: drain.pendingAtStart, drainedInS: null, timeoutS: 2 });
    expect(drain.pendingAtStart).toBeGreaterThanOrEqual(1);
  });
});
