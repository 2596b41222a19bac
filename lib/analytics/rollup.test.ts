import { and, eq, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callRollupsDirty, calls, LATENCY_BUCKET_BOUNDS_MS, phoneNumbers, topicClusters, type NewCall } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { analyticsTotals, busiestAgents, busiestNumbers, dailySeries, hourOfWeek, percentileFromHistogram, topTopicsFromRollup, transfersByDepartment } from "./queries";
import { flushDirtyRollups, markCallRollupDirty, rebuildRollups, refreshCallRollup, startRollupFlusher } from "./rollup";

const t = await createTestDb();
afterAll(() => t.drop());

const OUTCOMES = ["resolved", "transferred", "message_taken", "abandoned", "failed", null] as const;
const SENTIMENTS = ["positive", "neutral", "negative", null] as const;
const DEPARTMENTS = ["Billing", "Sales", null] as const;
const RANGE = { from: new Date("2030-05-01T00:00:00Z"), to: new Date("2030-05-08T00:00:00Z") };

// Deterministic pseudo-random numbers, so a failure reproduces.
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

async function seedTeam(label: string, count: number, seed: number) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@rollup.test`, password: `password-${label}`, companyName: `${label} Co` });
  const actor = { userId: user.id, label: user.email };
  const agentA = await createAgent(t.db, team, actor, { templateKey: "receptionist" });
  const agentB = await createAgent(t.db, team, actor, { templateKey: "receptionist" });
  const numbers = await t.db
    .insert(phoneNumbers)
    .values([1, 2].map((i) => ({ teamId: team.id, agentId: agentA.id, e164: `+1555${seed}00000${i}`, twilioSid: `PN${label}${i}`, twilioAccountSid: "AC0", source: "imported" as const })))
    .returning();
  const clusters = await t.db
    .insert(topicClusters)
    .values(["opening hours", "billing question", "appointment"].map((l) => ({ teamId: team.id, label: l, key: l, tokens: l.split(" ") })))
    .returning();
  const rand = lcg(seed);
  const pick = <T,>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const rows: NewCall[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = new Date(RANGE.from.getTime() + Math.floor(rand() * 7 * 86_400_000));
    const outcome = pick(OUTCOMES);
    const hasLatency = rand() < 0.8;
    const p50 = Math.floor(200 + rand() * 2500);
    rows.push({
      teamId: team.id,
      agentId: pick([agentA.id, agentB.id, null]),
      phoneNumberId: pick([numbers[0]!.id, numbers[1]!.id, null]),
      direction: "inbound",
      status: outcome === null ? "in_progress" : "completed",
      outcome,
      transferredTo: outcome === "transferred" ? pick(DEPARTMENTS) : null,
      startedAt,
      answeredAt: outcome === "abandoned" ? null : new Date(startedAt.getTime() + 2000),
      durationSec: outcome === null ? null : Math.floor(rand() * 600),
      sentiment: pick(SENTIMENTS),
      topicClusterId: rand() < 0.7 ? pick(clusters).id : null,
      voiceToVoiceP50Ms: hasLatency ? p50 : null,
      voiceToVoiceP95Ms: hasLatency ? p50 + Math.floor(rand() * 3000) : null,
    });
  }
  // Just outside the range on both sides, and test calls inside it: none may count.
  rows.push({ teamId: team.id, direction: "inbound", status: "completed", outcome: "resolved", startedAt: new Date(RANGE.from.getTime() - 1) });
  rows.push({ teamId: team.id, direction: "inbound", status: "completed", outcome: "resolved", startedAt: RANGE.to });
  for (let i = 0; i < 5; i++) {
    rows.push({ teamId: team.id, direction: "web", isTest: true, status: "completed", outcome: "resolved", startedAt: new Date(RANGE.from.getTime() + i * 3600_000), durationSec: 9999, sentiment: "negative", topicClusterId: clusters[0]!.id });
  }
  const inserted = await t.db.insert(calls).values(rows).returning();
  return { team, agents: [agentA, agentB], numbers, clusters, inserted, real: inserted.filter((c) => !c.isTest && c.startedAt >= RANGE.from && c.startedAt < RANGE.to) };
}

// The reference percentile: nearest rank over the raw values.
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

function bucketOf(ms: number): number {
  const i = LATENCY_BUCKET_BOUNDS_MS.findIndex((b) => ms < b);
  return i === -1 ? LATENCY_BUCKET_BOUNDS_MS.length : i;
}

let a: Awaited<ReturnType<typeof seedTeam>>;
let b: Awaited<ReturnType<typeof seedTeam>>;

beforeAll(async () => {
  a = await seedTeam("alpha", 600, 7);
  b = await seedTeam("beta", 150, 11);
  await rebuildRollups(t.db, a.team.id);
  await rebuildRollups(t.db, b.team.id);
});

describe("rollups", () => {
  it("totals match the seeded calls exactly, test calls and calls outside the range excluded", async () => {
    const real = a.real;
    const totals = await analyticsTotals(t.db, a.team.id, RANGE);
    const count = (o: string) => real.filter((c) => c.outcome === o).length;
    const withOutcome = real.filter((c) => c.outcome !== null).length;
    const durations = real.flatMap((c) => (c.durationSec === null ? [] : [c.durationSec]));
    expect(totals).toMatchObject({
      calls: real.length,
      answered: real.filter((c) => c.answeredAt !== null).length,
      completed: real.filter((c) => c.status === "completed").length,
      withOutcome,
      resolved: count("resolved"),
      transferred: count("transferred"),
      messageTaken: count("message_taken"),
      abandoned: count("abandoned"),
      failed: count("failed"),
      sentiment: {
        positive: real.filter((c) => c.sentiment === "positive").length,
        neutral: real.filter((c) => c.sentiment === "neutral").length,
        negative: real.filter((c) => c.sentiment === "negative").length,
      },
    });
    expect(totals.resolutionRate).toBeCloseTo(count("resolved") / withOutcome, 12);
    expect(totals.avgHandleSec).toBeCloseTo(durations.reduce((x, y) => x + y, 0) / durations.length, 9);
  });

  it("latency p50/p95 land in the same histogram bucket as the exact percentile", async () => {
    const totals = await analyticsTotals(t.db, a.team.id, RANGE);
    const p50s = a.real.flatMap((c) => (c.voiceToVoiceP50Ms === null ? [] : [c.voiceToVoiceP50Ms]));
    const p95s = a.real.flatMap((c) => (c.voiceToVoiceP95Ms === null ? [] : [c.voiceToVoiceP95Ms]));
    expect(bucketOf(totals.v2vP50Ms!)).toBe(bucketOf(nearestRank(p50s, 0.5)));
    expect(bucketOf(totals.v2vP95Ms!)).toBe(bucketOf(nearestRank(p95s, 0.95)));
  });

  it("daily series, heatmap, transfers, topics and busiest lists match the calls", async () => {
    const daily = await dailySeries(t.db, a.team.id, RANGE);
    expect(daily.map((d) => d.day)).toEqual(["2030-05-01", "2030-05-02", "2030-05-03", "2030-05-04", "2030-05-05", "2030-05-06", "2030-05-07"]);
    for (const d of daily) {
      const dayCalls = a.real.filter((c) => c.startedAt.toISOString().slice(0, 10) === d.day);
      expect(d.calls).toBe(dayCalls.length);
      expect(d.abandoned).toBe(dayCalls.filter((c) => c.outcome === "abandoned").length);
    }
    const heat = await hourOfWeek(t.db, a.team.id, RANGE);
    expect(heat).toHaveLength(168);
    const tuesdayNine = a.real.filter((c) => c.startedAt.getUTCDay() === 2 && c.startedAt.getUTCHours() === 9).length;
    expect(heat.find((h) => h.dow === 2 && h.hour === 9)?.calls).toBe(tuesdayNine);
    expect(heat.reduce((n, h) => n + h.calls, 0)).toBe(a.real.length);

    const transfers = await transfersByDepartment(t.db, a.team.id, RANGE);
    const expected = new Map<string, number>();
    for (const c of a.real.filter((x) => x.outcome === "transferred")) expected.set(c.transferredTo ?? "", (expected.get(c.transferredTo ?? "") ?? 0) + 1);
    expect(Object.fromEntries(transfers.map((x) => [x.department, x.transfers]))).toEqual(Object.fromEntries(expected));

    const topics = await topTopicsFromRollup(t.db, a.team.id, RANGE);
    for (const cluster of a.clusters) {
      expect(topics.find((x) => x.clusterId === cluster.id)?.calls).toBe(a.real.filter((c) => c.topicClusterId === cluster.id).length);
    }

    const agents = await busiestAgents(t.db, a.team.id, RANGE);
    expect(agents.find((x) => x.id === a.agents[0]!.id)).toMatchObject({ label: a.agents[0]!.name, calls: a.real.filter((c) => c.agentId === a.agents[0]!.id).length });
    const numbers = await busiestNumbers(t.db, a.team.id, RANGE);
    expect(numbers.find((x) => x.id === a.numbers[1]!.id)?.calls).toBe(a.real.filter((c) => c.phoneNumberId === a.numbers[1]!.id).length);
    expect(numbers.find((x) => x.id === null)).toMatchObject({ label: "No number (web)" });
  });

  it("is scoped to the team", async () => {
    const totalsB = await analyticsTotals(t.db, b.team.id, RANGE);
    expect(totalsB.calls).toBe(b.real.length);
    // Team A's ids never appear in team B's lists, even when asked with team B's id.
    const agents = await busiestAgents(t.db, b.team.id, RANGE, 100);
    expect(agents.map((x) => x.id)).not.toContain(a.agents[0]!.id);
    const topics = await topTopicsFromRollup(t.db, b.team.id, RANGE, 100);
    expect(topics.map((x) => x.clusterId)).not.toContain(a.clusters[0]!.id);
    // Refreshing a call with the wrong team id touches nothing.
    expect(await refreshCallRollup(t.db, b.team.id, a.real[0]!.id)).toBe(false);
  });

  it("a refresh after re-analysis changes an outcome corrects the numbers, and repeating it changes nothing", async () => {
    const target = a.real.find((c) => c.outcome === "resolved" && c.sentiment === "positive")!;
    const before = await analyticsTotals(t.db, a.team.id, RANGE);
    const transfersBefore = await transfersByDepartment(t.db, a.team.id, RANGE);
    await t.db
      .update(calls)
      .set({ outcome: "transferred", transferredTo: "Escalations", sentiment: "negative" })
      .where(and(eq(calls.id, target.id), eq(calls.teamId, a.team.id)));
    // Stale until refreshed: the dashboard reads only the rollups.
    expect((await analyticsTotals(t.db, a.team.id, RANGE)).resolved).toBe(before.resolved);
    await refreshCallRollup(t.db, a.team.id, target.id);
    await refreshCallRollup(t.db, a.team.id, target.id);
    const after = await analyticsTotals(t.db, a.team.id, RANGE);
    expect(after.calls).toBe(before.calls);
    expect(after.resolved).toBe(before.resolved - 1);
    expect(after.transferred).toBe(before.transferred + 1);
    expect(after.sentiment).toEqual({ ...before.sentiment, positive: before.sentiment.positive - 1, negative: before.sentiment.negative + 1 });
    const transfers = await transfersByDepartment(t.db, a.team.id, RANGE);
    expect(transfers.find((x) => x.department === "Escalations")?.transfers).toBe(1);
    expect(transfers.reduce((n, x) => n + x.transfers, 0)).toBe(transfersBefore.reduce((n, x) => n + x.transfers, 0) + 1);
  });

  it("per-call refreshes from empty rollups add up to the same numbers as a rebuild", async () => {
    const rebuilt = await dailySeries(t.db, b.team.id, RANGE);
    const hourRange = { from: new Date("2030-05-02T09:00:00Z"), to: new Date("2030-05-04T15:00:00Z") };
    const rebuiltHours = await analyticsTotals(t.db, b.team.id, hourRange);
    expect(rebuiltHours.calls).toBe(b.real.filter((c) => c.startedAt >= hourRange.from && c.startedAt < hourRange.to).length);
    for (const table of ["call_stats_hourly", "call_stats_daily", "call_transfers_daily", "call_topics_daily"]) {
      await t.db.execute(`delete from ${table} where team_id = '${b.team.id}'`);
    }
    expect((await analyticsTotals(t.db, b.team.id, RANGE)).calls).toBe(0);
    await Promise.all(b.inserted.map((c) => refreshCallRollup(t.db, b.team.id, c.id)));
    expect(await dailySeries(t.db, b.team.id, RANGE)).toEqual(rebuilt);
    expect(await analyticsTotals(t.db, b.team.id, hourRange)).toEqual(rebuiltHours);
  });
});

describe("dirty buckets and the flusher", () => {
  const clearRollups = async (teamId: string) => {
    for (const table of ["call_stats_hourly", "call_stats_daily", "call_transfers_daily", "call_topics_daily"]) {
      await t.db.execute(`delete from ${table} where team_id = '${teamId}'`);
    }
  };

  it("marks from every call of a team, flushed, land on the same numbers as a rebuild; test calls and foreign teams mark nothing", async () => {
    await rebuildRollups(t.db, b.team.id);
    const rebuilt = { daily: await dailySeries(t.db, b.team.id, RANGE), heatmap: await hourOfWeek(t.db, b.team.id, RANGE), transfers: await transfersByDepartment(t.db, b.team.id, RANGE) };
    await clearRollups(b.team.id);
    const marked = await Promise.all(b.inserted.map((c) => markCallRollupDirty(t.db, b.team.id, c.id)));
    expect(marked.filter(Boolean).length).toBe(b.inserted.filter((c) => !c.isTest).length);
    expect(await markCallRollupDirty(t.db, a.team.id, b.real[0]!.id)).toBe(false);
    const hours = new Set(b.inserted.filter((c) => !c.isTest).map((c) => Math.floor(c.startedAt.getTime() / 3600_000)));
    expect(await t.db.$count(callRollupsDirty, eq(callRollupsDirty.teamId, b.team.id))).toBe(hours.size);
    // Still stale: the dashboard reads only the rollups.
    expect((await analyticsTotals(t.db, b.team.id, RANGE)).calls).toBe(0);

    expect(await flushDirtyRollups(t.db, { limit: 40 })).toBe(40);
    expect(await flushDirtyRollups(t.db)).toBe(hours.size - 40);
    expect(await t.db.$count(callRollupsDirty)).toBe(0);
    expect(await dailySeries(t.db, b.team.id, RANGE)).toEqual(rebuilt.daily);
    expect(await hourOfWeek(t.db, b.team.id, RANGE)).toEqual(rebuilt.heatmap);
    expect(await transfersByDepartment(t.db, b.team.id, RANGE)).toEqual(rebuilt.transfers);
    expect(await flushDirtyRollups(t.db)).toBe(0);
  });

  it("a call changed and marked while its bucket is being flushed is never lost", async () => {
    await rebuildRollups(t.db, a.team.id);
    // Resolved now (an earlier test turned one of the seeded ones into a transfer).
    const [target] = await t.db
      .select()
      .from(calls)
      .where(and(eq(calls.teamId, a.team.id), eq(calls.outcome, "resolved"), eq(calls.isTest, false), gte(calls.startedAt, RANGE.from), lt(calls.startedAt, RANGE.to)))
      .limit(1);
    const before = await analyticsTotals(t.db, a.team.id, RANGE);
    await markCallRollupDirty(t.db, a.team.id, target!.id);
    // The flush has read the mark and recomputed the bucket (without what follows), and waits to delete its row;
    // meanwhile the call turns into a transfer and is marked again.
    let flushing: Promise<number> | null = null;
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from call_rollups_dirty where team_id = ${a.team.id} for update`);
      flushing = flushDirtyRollups(t.db);
      await expect.poll(async () => (await t.db.execute(sql`select 1 from pg_locks where not granted`)).length, { timeout: 5_000 }).toBeGreaterThan(0);
      await tx.update(calls).set({ outcome: "transferred", transferredTo: "Race" }).where(and(eq(calls.id, target!.id), eq(calls.teamId, a.team.id)));
      expect(await markCallRollupDirty(tx, a.team.id, target!.id)).toBe(true);
    });
    expect(await flushing).toBe(1);
    // Recomputed before the change committed: stale, and still marked.
    expect((await analyticsTotals(t.db, a.team.id, RANGE)).resolved).toBe(before.resolved);
    expect(await t.db.$count(callRollupsDirty)).toBe(1);
    expect(await flushDirtyRollups(t.db)).toBe(1);
    expect(await t.db.$count(callRollupsDirty)).toBe(0);
    const after = await analyticsTotals(t.db, a.team.id, RANGE);
    expect(after.resolved).toBe(before.resolved - 1);
    expect(after.transferred).toBe(before.transferred + 1);
  });

  it("the flusher brings marked buckets up to date on its own, and flushes the rest when stopped", async () => {
    await rebuildRollups(t.db, b.team.id);
    const target = b.real.find((c) => c.outcome === "resolved")!;
    const before = await analyticsTotals(t.db, b.team.id, RANGE);
    const errors: unknown[] = [];
    const flusher = startRollupFlusher(t.db, { intervalMs: 50, onError: (e) => errors.push(e) });
    await t.db.update(calls).set({ outcome: "failed" }).where(and(eq(calls.id, target.id), eq(calls.teamId, b.team.id)));
    await markCallRollupDirty(t.db, b.team.id, target.id);
    await expect.poll(async () => (await analyticsTotals(t.db, b.team.id, RANGE)).failed, { timeout: 5_000 }).toBe(before.failed + 1);

    const next = b.real.find((c) => c.outcome === "resolved" && c.id !== target.id)!;
    await t.db.update(calls).set({ outcome: "failed" }).where(and(eq(calls.id, next.id), eq(calls.teamId, b.team.id)));
    await markCallRollupDirty(t.db, b.team.id, next.id);
    await flusher.stop();
    expect((await analyticsTotals(t.db, b.team.id, RANGE)).failed).toBe(before.failed + 2);
    expect(await t.db.$count(callRollupsDirty)).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe("percentileFromHistogram", () => {
  it("answers within the bucket that holds the nearest-rank value, and null when empty", () => {
    const counts = Array.from({ length: LATENCY_BUCKET_BOUNDS_MS.length + 1 }, () => 0);
    expect(percentileFromHistogram(counts, 0.5)).toBeNull();
    counts[2] = 10; // 500..700 ms
    counts[11] = 1; // 5000 ms and above
    expect(percentileFromHistogram(counts, 0.5)).toBeGreaterThanOrEqual(500);
    expect(percentileFromHistogram(counts, 0.5)).toBeLessThan(700);
    expect(percentileFromHistogram(counts, 0.99)).toBe(5000);
  });
});
