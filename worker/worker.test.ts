import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callStatsHourly, callTurns } from "@/db/schema";
import { closeAnalysisQueue, enqueueCallAnalysis } from "@/lib/analysis/queue";
import { createTestDb } from "@/tests/helpers/db";
import { createScriptedStt } from "@/tests/voice/helpers/scripted-stt";
import { seedAgent, type TSeededAgent } from "@/tests/voice/helpers/seed";
import { TwilioCaller } from "@/tests/voice/helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "@/tests/voice/helpers/voice-server";
import { silentLogger } from "@/voice-server/observability/log";
import { loadWorkerEnv } from "./env";
import { startWorker, type TWorker } from "./worker";

// The worker as it runs beside live calls: on one real Postgres, a voice server holds calls open while the worker
// drains a backlog of post-call work (analyses of two teams, rollups) and recovers a call whose server died.

let t: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let worker: TWorker | null = null;
const callers: TwilioCaller[] = [];

beforeAll(async () => {
  t = await createTestDb();
  voice = await startTestVoiceServer({ db: t.db, dbUrl: t.url, providers: offlineProviders({ stt: createScriptedStt(() => "") }) });
});

afterAll(async () => {
  for (const caller of callers) await caller.hangUp().catch(() => {});
  await worker?.stop();
  await closeAnalysisQueue();
  await voice?.stop();
  await t?.drop();
});

const LINES = ["I'd like to book an appointment for Friday.", "What are your opening hours?", "My bill is wrong, this is terrible.", "Can I cancel my subscription?"];

async function endedCalls(agent: TSeededAgent, count: number) {
  const rows = await t.db
    .insert(calls)
    .values(
      Array.from({ length: count }, () => ({
        teamId: agent.teamId,
        agentId: agent.agentId,
        phoneNumberId: agent.phoneNumberId,
        direction: "inbound" as const,
        status: "completed" as const,
        startedAt: new Date(Date.now() - 120_000),
        endedAt: new Date(Date.now() - 60_000),
        durationSec: 60,
        outcome: "resolved" as const,
        endReason: "caller_hangup",
      })),
    )
    .returning({ id: calls.id, teamId: calls.teamId });
  await t.db.insert(callTurns).values(rows.map((row, i) => ({ teamId: row.teamId, callId: row.id, seq: 1, speaker: "caller" as const, text: LINES[i % LINES.length]!, startMs: 0, endMs: 1500 })));
  return rows;
}

describe("worker", () => {
  it("drains a backlog of two teams' analyses at full speed while calls are live, and recovers a dead server's call", async () => {
    const [a, b] = [await seedAgent(t.db, { accountSid: voice.accountSid }), await seedAgent(t.db, { accountSid: voice.accountSid })];
    // Live calls on the voice server, held open for the whole test.
    for (const agent of [a, a, b]) {
      const caller = new TwilioCaller(voice.callerOptions(agent.e164));
      callers.push(caller);
      await caller.dial();
      await caller.connect();
    }
    await Promise.all(callers.map((c) => c.waitForAgentToFinish()));
    expect(voice.server.activeCalls).toBe(3);

    // The backlog: ended calls of both teams, some with a queued job, the rest only pending (the start-up sweep).
    const backlog = [...(await endedCalls(a, 24)), ...(await endedCalls(b, 24))];
    for (const call of backlog.slice(0, 20)) await enqueueCallAnalysis({ teamId: call.teamId, callId: call.id }, { databaseUrl: t.url });
    // A call whose voice server died two minutes ago: no heartbeat since.
    const [dead] = await t.db
      .insert(calls)
      .values({ teamId: b.teamId, agentId: b.agentId, phoneNumberId: b.phoneNumberId, direction: "inbound", status: "in_progress", startedAt: new Date(Date.now() - 150_000), heartbeatAt: new Date(Date.now() - 120_000) })
      .returning();
    await t.db.insert(callTurns).values({ teamId: b.teamId, callId: dead!.id, seq: 1, speaker: "caller", text: "Is there parking nearby?", startMs: 500, endMs: 2500 });

    const env = loadWorkerEnv({
      NODE_ENV: "test",
      DATABASE_URL: t.url,
      RECORDINGS_DIR: voice.recordingsDir,
      WORKER_ANALYSIS_CONCURRENCY: "4",
      WORKER_STALE_CALL_SWEEP_MS: "1000",
    });
    const startedAt = Date.now();
    // A 60 s poll: only taking the next job as soon as one is done can drain this in time.
    worker = await startWorker(env, { log: silentLogger, pollingIntervalSeconds: 60 });
    const ids = [...backlog.map((c) => c.id), dead!.id];
    for (;;) {
      const [row] = await t.db.select({ n: sql<number>`count(*)::int` }).from(calls).where(and(inArray(calls.id, ids), eq(calls.analysisStatus, "done")));
      if (row?.n === ids.length) break;
      if (Date.now() - startedAt > 45_000) throw new Error(`only ${row?.n} of ${ids.length} analyses done after 45 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Each team's analyses are its own: every call got the topic its own caller asked about.
    const done = await t.db.select({ id: calls.id, teamId: calls.teamId, topic: calls.topic }).from(calls).where(inArray(calls.id, backlog.map((c) => c.id)));
    expect(done.filter((c) => c.teamId === a.teamId)).toHaveLength(24);
    expect(done.filter((c) => c.teamId === b.teamId)).toHaveLength(24);
    expect(done.every((c) => !!c.topic)).toBe(true);
    expect([...new Set(done.map((c) => c.topic))]).toEqual(expect.arrayContaining(["Appointment booking", "Opening hours", "Cancellation"]));

    // The dead server's call was closed as a crash, from what it captured.
    const [recovered] = await t.db.select().from(calls).where(eq(calls.id, dead!.id));
    expect(recovered).toMatchObject({ endReason: "voice_server_lost", status: "completed" });
    expect(recovered?.endedAt).not.toBeNull();

    // The live calls were left alone: still up on the voice server, still open in the database.
    expect(voice.server.activeCalls).toBe(3);
    const open = await t.db.select({ id: calls.id }).from(calls).where(and(inArray(calls.teamId, [a.teamId, b.teamId]), isNull(calls.endedAt)));
    expect(open).toHaveLength(3);

    // The dashboard rollups of both teams were flushed by the worker (the live calls may count in them too).
    await expect
      .poll(async () => (await t.db.select({ teamId: callStatsHourly.teamId, calls: callStatsHourly.calls }).from(callStatsHourly).where(inArray(callStatsHourly.teamId, [a.teamId, b.teamId]))).reduce((n, r) => n + r.calls, 0), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(49);
  });
});
