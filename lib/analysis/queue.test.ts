import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callTurns, teams } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { CALL_ANALYSIS_QUEUE, PGBOSS_SCHEMA, closeAnalysisQueue, enqueueCallAnalysis, startAnalysisWorker, type TAnalysisWorker } from "./queue";

let t: Awaited<ReturnType<typeof createTestDb>>;
let teamId: string;
const workers: TAnalysisWorker[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const [team] = await t.db.insert(teams).values({ name: "Q", slug: `q-${randomBytes(4).toString("hex")}` }).returning();
  teamId = team!.id;
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await closeAnalysisQueue();
  await t?.drop();
});

async function finishedCall(text: string) {
  const [call] = await t.db.insert(calls).values({ teamId, direction: "inbound", status: "completed", endedAt: new Date(), outcome: "resolved", endReason: "agent_end_call" }).returning();
  await t.db.insert(callTurns).values({ teamId, callId: call!.id, seq: 1, speaker: "caller", text, startMs: 0, endMs: 1000 });
  return call!;
}

async function waitForStatus(callId: string, status: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
    if (row?.analysisStatus === status) return row;
    if (Date.now() > deadline) throw new Error(`call ${callId} still ${row?.analysisStatus}, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("analysis queue", () => {
  it("starts on a database that still holds pg-boss 10's `pgboss` schema, and calls left pending there are analyzed", async () => {
    // What a development database from before the upgrade holds: pg-boss 10's schema at its version (24).
    await t.db.execute(sql.raw(`create schema pgboss; create table pgboss.version (version int primary key, maintained_on timestamptz, cron_on timestamptz); insert into pgboss.version values (24, null, null)`));
    // pg-boss 12 refuses to migrate that schema, which is why the queue lives in a schema of its own.
    const old = new PgBoss({ connectionString: t.url, schema: "pgboss", supervise: false, schedule: false, max: 1 });
    old.on("error", () => {});
    await expect(old.start()).rejects.toThrow(/version 24/);
    await old.stop({ graceful: false, timeout: 1000 }).catch(() => {});
    // The call whose job sat in the old schema is still pending: the worker's start-up sweep queues it again.
    const call = await finishedCall("Could I book a table for Friday?");
    const worker = await startAnalysisWorker({ databaseUrl: t.url, pollingIntervalSeconds: 0.5, concurrency: 1 });
    await waitForStatus(call.id, "done");
    await worker.stop();
    const [version] = await t.db.execute<{ version: number }>(sql`select version from pgboss.version`);
    expect(version?.version).toBe(24);
  });

  it("a job queued while no worker runs survives a restart and is processed by the next worker", async () => {
    const call = await finishedCall("Thank you, that was really helpful, I wanted to book an appointment.");
    const jobId = await enqueueCallAnalysis({ teamId, callId: call.id }, { databaseUrl: t.url });
    expect(jobId).toEqual(expect.any(String));
    // Queued twice before any worker picks it up: one job.
    expect(await enqueueCallAnalysis({ teamId, callId: call.id }, { databaseUrl: t.url })).toBeNull();
    // Finalized while nothing was listening (no job at all): the worker's start-up sweep queues it.
    const missed = await finishedCall("Please cancel my subscription.");
    // The process that queued it goes away...
    await closeAnalysisQueue();
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row?.analysisStatus).toBe("pending");

    // ... a worker that starts later finds the job in Postgres.
    const worker = await startAnalysisWorker({ databaseUrl: t.url, pollingIntervalSeconds: 0.5, concurrency: 1 });
    workers.push(worker);
    const done = await waitForStatus(call.id, "done");
    expect(done).toMatchObject({ sentiment: "positive", topic: "Appointment booking" });
    expect((await waitForStatus(missed.id, "done")).topic).toBe("Cancellation");

    // A running worker picks up new jobs too, and the job is marked completed.
    const second = await finishedCall("This is terrible, my bill is wrong.");
    const secondJob = await enqueueCallAnalysis({ teamId, callId: second.id }, { databaseUrl: t.url });
    expect((await waitForStatus(second.id, "done")).sentiment).toBe("negative");
    const boss = new PgBoss({ connectionString: t.url, schema: PGBOSS_SCHEMA, supervise: false, schedule: false, max: 1 });
    await boss.start();
    const job = await boss.getJobById(CALL_ANALYSIS_QUEUE, secondJob!);
    await boss.stop({ graceful: false, timeout: 2000 });
    expect(job?.state).toBe("completed");
  });

  it("retries a job that failed (call still open) and succeeds once the call has ended", async () => {
    const [call] = await t.db.insert(calls).values({ teamId, direction: "inbound", status: "in_progress" }).returning();
    await t.db.insert(callTurns).values({ teamId, callId: call!.id, seq: 1, speaker: "caller", text: "What are your opening hours?", startMs: 0, endMs: 900 });
    const boss = new PgBoss({ connectionString: t.url, schema: PGBOSS_SCHEMA, supervise: false, schedule: false, max: 1 });
    await boss.start();
    // Short backoff for the test; production jobs use the queue's defaults.
    const jobId = await boss.send(CALL_ANALYSIS_QUEUE, { teamId, callId: call!.id }, { retryLimit: 3, retryDelay: 1, retryBackoff: false });
    const deadline = Date.now() + 20_000;
    let job = await boss.getJobById(CALL_ANALYSIS_QUEUE, jobId!);
    while (job?.retryCount === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      job = await boss.getJobById(CALL_ANALYSIS_QUEUE, jobId!);
    }
    expect(job?.retryCount).toBeGreaterThanOrEqual(1);
    await t.db.update(calls).set({ status: "completed", endedAt: new Date() }).where(eq(calls.id, call!.id));
    const done = await waitForStatus(call!.id, "done");
    expect(done.topic).toBe("Opening hours");
    await boss.stop({ graceful: false, timeout: 2000 });
  });

  it("a worker drains a backlog job after job, without waiting a polling interval between them", async () => {
    // Only this test's worker may take the jobs.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    const backlog = await Promise.all(["Do you deliver?", "What are your opening hours?", "Can I speak to sales?", "Is there parking?"].map((text) => finishedCall(text)));
    for (const call of backlog) await enqueueCallAnalysis({ teamId, callId: call.id }, { databaseUrl: t.url });
    // One poll per minute: any job done after the first one was fetched without waiting for a poll.
    const worker = await startAnalysisWorker({ databaseUrl: t.url, pollingIntervalSeconds: 60, concurrency: 1, sweepIntervalMs: 0 });
    workers.push(worker);
    for (const call of backlog) await waitForStatus(call.id, "done", 15_000);
  });
});
