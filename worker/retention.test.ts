import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditLogs, calls, callTurns, retentionRuns } from "@/db/schema";
import { closeAnalysisQueue, PGBOSS_SCHEMA } from "@/lib/analysis/queue";
import { saveRetentionPolicy } from "@/lib/retention/policy";
import { RETENTION_CRON, RETENTION_QUEUE } from "@/lib/retention/schedule";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { silentLogger } from "@/voice-server/observability/log";
import { loadWorkerEnv } from "./env";
import { startWorker, type TWorker } from "./worker";

const t = await createTestDb();
const dir = mkdtempSync(path.join(os.tmpdir(), "aica-worker-retention-"));
let worker: TWorker | null = null;

afterAll(async () => {
  await worker?.stop();
  await closeAnalysisQueue();
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the worker's retention schedule", () => {
  it("schedules the purge hourly in pg-boss and runs it for every team", async () => {
    const teams = [];
    for (const label of ["one", "two"]) {
      const { user, team } = await signUp(t.db, { name: label, email: `${label}@worker-retention.test`, password: `password-${label}`, companyName: `${label} Co` });
      teams.push(team);
      // Team two keeps everything.
      const days = label === "one" ? 30 : null;
      await saveRetentionPolicy(t.db, team.id, { userId: user.id, label: user.email }, { recordings: days, transcripts: days, calls: days, messages: days, webhookPayloads: days, testCalls: days });
      const [old] = await t.db
        .insert(calls)
        .values({ teamId: team.id, direction: "inbound", status: "completed", outcome: "resolved", startedAt: new Date(Date.now() - 90 * 86_400_000), endedAt: new Date(Date.now() - 90 * 86_400_000 + 60_000) })
        .returning();
      await t.db.insert(callTurns).values({ teamId: team.id, callId: old!.id, seq: 0, speaker: "caller", text: "hello", startMs: 0, endMs: 500 });
    }
    const env = loadWorkerEnv({ NODE_ENV: "test", DATABASE_URL: t.url, RECORDINGS_DIR: dir });
    worker = await startWorker(env, { log: silentLogger, pollingIntervalSeconds: 1 });

    const schedules = await t.db.execute<{ name: string; cron: string }>(sql`select name, cron from ${sql.identifier(PGBOSS_SCHEMA)}.schedule`);
    expect(schedules.map((s) => ({ name: s.name, cron: s.cron }))).toContainEqual({ name: RETENTION_QUEUE, cron: RETENTION_CRON });

    // The job the schedule queues each hour, queued now.
    await worker.retention.runNow();
    await expect.poll(async () => (await t.db.select().from(retentionRuns)).length, { timeout: 20_000, interval: 250 }).toBe(2);
    const [one, two] = teams;
    expect(await t.db.select({ id: calls.id }).from(calls).where(eq(calls.teamId, one!.id))).toHaveLength(0);
    expect(await t.db.select({ id: calls.id }).from(calls).where(eq(calls.teamId, two!.id))).toHaveLength(1);
    const [run] = await t.db.select().from(retentionRuns).where(eq(retentionRuns.teamId, one!.id));
    expect(run).toMatchObject({ status: "succeeded", counts: expect.objectContaining({ calls: 1, turns: 1 }) });
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.action, "retention.purged"));
    expect(audit.map((a) => a.teamId)).toEqual([one!.id]);
    expect(audit[0]?.metadata).toMatchObject({ counts: expect.objectContaining({ calls: 1 }) });
  });
});
