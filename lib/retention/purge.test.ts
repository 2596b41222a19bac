import { mkdtempSync, rmSync } from "node:fs";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  callEvents,
  callerMessages,
  calls,
  callTurns,
  phoneNumbers,
  retentionRuns,
  topicClusters,
  webhookDeliveries,
  webhookEndpoints,
  type NewCall,
} from "@/db/schema";
import { analyticsTotals, dailySeries, hourOfWeek, topTopicsFromRollup, transfersByDepartment } from "@/lib/analytics/queries";
import { flushDirtyRollups, markCallRollupDirty, rebuildRollups } from "@/lib/analytics/rollup";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { createS3RecordingStore } from "@/lib/recordings/s3-store";
import { signUp } from "@/lib/teams/sign-up";
import { FakeS3 } from "@/tests/fakes/s3";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { parsePolicyPatch, RETENTION_DEFAULTS, saveRetentionPolicy, type TRetentionPolicy } from "./policy";
import { previewPurge, purgeTeam, type TPurgeDeps } from "./purge";
import { runTeamRetention } from "./run-retention";
import { createTwilioRecordingDeleter } from "./twilio-recordings";

const t = await createTestDb();
const NOW = new Date("2031-06-15T12:00:00Z");
const DAY = 86_400_000;
const ago = (days: number, extraMs = 0) => new Date(NOW.getTime() - days * DAY + extraMs);
const WAV = Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(64, 7)]);

let dir: string;
let s3fake: FakeS3;
let twilio: FakeTwilioRest;
let deps: TPurgeDeps;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "aica-retention-"));
  s3fake = await FakeS3.start({ buckets: ["calls"] });
  twilio = await FakeTwilioRest.start();
  deps = {
    stores: {
      local: createLocalRecordingStore(dir),
      s3: createS3RecordingStore({
        bucket: "calls",
        region: s3fake.region,
        endpoint: s3fake.url,
        accessKeyId: s3fake.credentials.accessKeyId,
        secretAccessKey: s3fake.credentials.secretAccessKey,
        forcePathStyle: true,
        prefix: "rec/",
      }),
    },
    twilio: createTwilioRecordingDeleter(t.db, { platform: { accountSid: twilio.mainAccount.sid, authToken: twilio.mainAccount.authToken }, apiBaseUrl: twilio.url }),
    // Small batches, so every walk crosses several of them.
    batchSize: 2,
  };
});

afterAll(async () => {
  await twilio.close();
  await s3fake.close();
  rmSync(dir, { recursive: true, force: true });
  await t.drop();
});

let seq = 0;
async function tenant(label: string, policy: TRetentionPolicy) {
  const n = ++seq;
  const { user, team } = await signUp(t.db, { name: label, email: `${label}-${n}@retention.test`, password: `password-${label}`, companyName: `${label} ${n}` });
  await saveRetentionPolicy(t.db, team.id, { userId: user.id, label: user.email }, policy);
  const [number] = await t.db
    .insert(phoneNumbers)
    .values({ teamId: team.id, e164: `+1555000${String(n).padStart(4, "0")}`, twilioSid: `PN${n}`, twilioAccountSid: twilio.mainAccount.sid, source: "imported" })
    .returning();
  const [cluster] = await t.db.insert(topicClusters).values({ teamId: team.id, label: "opening hours", key: "hours opening", tokens: ["hours", "opening"] }).returning();
  return { team, user, number: number!, cluster: cluster! };
}

type TSeedCall = Partial<NewCall> & { startedAt: Date; recording?: "local" | "s3"; voicemail?: boolean; turns?: number };

async function addCall(team: { id: string }, numberId: string, clusterId: string, c: TSeedCall) {
  const [call] = await t.db
    .insert(calls)
    .values({
      teamId: team.id,
      phoneNumberId: numberId,
      direction: c.isTest ? "web" : "inbound",
      status: "completed",
      outcome: c.voicemail ? "message_taken" : "resolved",
      endReason: c.voicemail ? "lines_busy" : "caller_hangup",
      twilioCallSid: c.voicemail ? `CA${crypto.randomUUID().replaceAll("-", "")}` : null,
      answeredAt: c.startedAt,
      endedAt: new Date(c.startedAt.getTime() + 60_000),
      durationSec: 60,
      sentiment: "positive",
      topicClusterId: clusterId,
      transferredTo: null,
      voiceToVoiceP50Ms: 700,
      voiceToVoiceP95Ms: 1200,
      fromNumber: "+15550009999",
      ...c,
    })
    .returning();
  const row = call!;
  if (c.recording) {
    const store = c.recording === "s3" ? deps.stores.s3! : deps.stores.local!;
    const key = store.keyFor(team.id, row.id);
    await store.put(key, WAV);
    await t.db.update(calls).set({ recordingPath: key, recordingStorage: c.recording }).where(eq(calls.id, row.id));
  }
  if (c.voicemail) twilio.addRecording({ audio: WAV, callSid: row.twilioCallSid!, durationSec: 5 });
  for (let i = 0; i < (c.turns ?? 0); i++) {
    await t.db.insert(callTurns).values({ teamId: team.id, callId: row.id, seq: i, speaker: i % 2 ? "agent" : "caller", text: `turn ${i} of a call`, startMs: i * 1000, endMs: i * 1000 + 900 });
  }
  if (c.turns) await t.db.insert(callEvents).values({ teamId: team.id, callId: row.id, atMs: 10, kind: "tool_call", name: "take_message", data: { callerName: "Ada" } });
  return row;
}

async function exists(id: string) {
  const [row] = await t.db.select({ id: calls.id, path: calls.recordingPath }).from(calls).where(eq(calls.id, id));
  return row ?? null;
}
const turnsOf = async (id: string) => (await t.db.select().from(callTurns).where(eq(callTurns.callId, id))).length;
const eventsOf = async (id: string) => (await t.db.select().from(callEvents).where(eq(callEvents.callId, id))).length;
const onDisk = (teamId: string, callId: string) => existsSync(path.join(dir, teamId, `${callId}.wav`));
const inS3 = (teamId: string, callId: string) => s3fake.buckets.get("calls")!.has(`rec/${teamId}/${callId}.wav`);
const twilioHolds = (callSid: string | null) => [...twilio.recordings.values()].some((r) => r.callSid === callSid);

async function dashboard(teamId: string) {
  const day = (d: Date) => new Date(Math.floor(d.getTime() / DAY) * DAY);
  const range = { from: day(ago(400)), to: day(new Date(NOW.getTime() + DAY)) };
  return {
    totals: await analyticsTotals(t.db, teamId, range),
    daily: await dailySeries(t.db, teamId, range),
    heat: await hourOfWeek(t.db, teamId, range),
    transfers: await transfersByDepartment(t.db, teamId, range),
    topics: await topTopicsFromRollup(t.db, teamId, range),
  };
}

describe("retention purge", () => {
  it("removes each kind at its own period, from disk, S3 and Twilio, and leaves everything else", async () => {
    const policy = { recordings: 30, transcripts: 60, calls: 120, messages: 90, webhookPayloads: 30, testCalls: 7 };
    const a = await tenant("alpha", policy);
    const add = (c: TSeedCall) => addCall(a.team, a.number.id, a.cluster.id, c);
    const c1 = await add({ startedAt: ago(200), recording: "local", turns: 3, transferredTo: "Billing", outcome: "transferred" });
    const c1b = await add({ startedAt: ago(200, 3600_000), turns: 2 });
    const c2 = await add({ startedAt: ago(100), recording: "s3", turns: 4 });
    const c3 = await add({ startedAt: ago(45), recording: "local", voicemail: true, turns: 2 });
    const c4 = await add({ startedAt: ago(10), recording: "local", turns: 2 });
    const t1 = await add({ startedAt: ago(8), recording: "local", turns: 2, isTest: true });
    const t2 = await add({ startedAt: ago(3), recording: "local", turns: 1, isTest: true });
    const [m1] = await t.db.insert(callerMessages).values({ teamId: a.team.id, callId: c2.id, message: "call me back", createdAt: ago(100) }).returning();
    const [m2] = await t.db.insert(callerMessages).values({ teamId: a.team.id, callId: c4.id, message: "call me later", createdAt: ago(10) }).returning();
    const [endpoint] = await t.db.insert(webhookEndpoints).values({ teamId: a.team.id, url: "https://example.com/h", secretEnc: "x", events: ["call.ended"] }).returning();
    const deliveries = await t.db
      .insert(webhookDeliveries)
      .values([
        { teamId: a.team.id, endpointId: endpoint!.id, event: "call.ended", payload: { transcript: "old" }, status: "succeeded", createdAt: ago(40) },
        { teamId: a.team.id, endpointId: endpoint!.id, event: "call.ended", payload: { transcript: "retrying" }, status: "pending", createdAt: ago(40) },
        { teamId: a.team.id, endpointId: endpoint!.id, event: "call.ended", payload: { transcript: "new" }, status: "failed", createdAt: ago(5) },
      ])
      .returning();
    await t.db.insert(auditLogs).values({ teamId: a.team.id, actorLabel: "someone", action: "team.settings_changed", targetType: "team", createdAt: ago(900) });
    await rebuildRollups(t.db, a.team.id);
    const before = await dashboard(a.team.id);
    expect(before.totals.calls).toBe(5);

    const preview = await previewPurge(t.db, a.team.id, deps, { now: NOW });
    const result = await purgeTeam(t.db, a.team.id, deps, { now: NOW });
    expect(result.errors).toEqual([]);
    expect(result.counts).toEqual({ recordings: 3, turns: 9, callEvents: 3, calls: 2, testCalls: 1, messages: 1, webhookDeliveries: 1 });
    // The dry run counted exactly what the purge removed.
    expect(preview.counts).toEqual(result.counts);

    // Call rows: only those past 120 days, with their turns and events.
    expect(await exists(c1.id)).toBeNull();
    expect(await exists(c1b.id)).toBeNull();
    expect(await turnsOf(c1.id)).toBe(0);
    // Transcripts past 60 days are gone, the call stays (its recording went at 30 days).
    expect(await exists(c2.id)).toEqual({ id: c2.id, path: null });
    expect(await turnsOf(c2.id)).toBe(0);
    expect(await eventsOf(c2.id)).toBe(0);
    // Recording past 30 days: file and Twilio's copy gone, transcript (45 days < 60) kept.
    expect(await exists(c3.id)).toEqual({ id: c3.id, path: null });
    expect(await turnsOf(c3.id)).toBe(2);
    expect(await eventsOf(c3.id)).toBe(1);
    expect(onDisk(a.team.id, c1.id)).toBe(false);
    expect(inS3(a.team.id, c2.id)).toBe(false);
    expect(onDisk(a.team.id, c3.id)).toBe(false);
    expect(twilioHolds(c3.twilioCallSid)).toBe(false);
    expect(twilio.requests.some((r) => r.method === "DELETE" && r.path.includes("/Recordings/RE"))).toBe(true);
    // Nothing expired: untouched.
    expect((await exists(c4.id))?.path).toBe(`${a.team.id}/${c4.id}.wav`);
    expect(onDisk(a.team.id, c4.id)).toBe(true);
    expect(await turnsOf(c4.id)).toBe(2);
    // Test calls past 7 days go whole, recording included; newer ones stay.
    expect(await exists(t1.id)).toBeNull();
    expect(onDisk(a.team.id, t1.id)).toBe(false);
    expect(await exists(t2.id)).not.toBeNull();
    expect(onDisk(a.team.id, t2.id)).toBe(true);
    // Messages and finished webhook deliveries past their periods; a delivery still being retried stays.
    const messages = await t.db.select({ id: callerMessages.id }).from(callerMessages).where(eq(callerMessages.teamId, a.team.id));
    expect(messages.map((m) => m.id)).toEqual([m2!.id]);
    expect(m1).toBeDefined();
    const left = await t.db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.teamId, a.team.id));
    expect(left.map((d) => d.id).sort()).toEqual([deliveries[1]!.id, deliveries[2]!.id].sort());
    // The audit log is never purged.
    const audit = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.actorLabel, "someone")));
    expect(audit).toHaveLength(1);

    // The dashboard still counts the deleted calls, however its rollups are refreshed later.
    expect(await dashboard(a.team.id)).toEqual(before);
    await markCallRollupDirty(t.db, a.team.id, c2.id);
    await t.db.execute(sql`insert into call_rollups_dirty (team_id, hour) values (${a.team.id}, date_trunc('hour', ${c1.startedAt.toISOString()}::timestamptz, 'UTC')) on conflict do nothing`);
    await flushDirtyRollups(t.db);
    await rebuildRollups(t.db, a.team.id);
    await rebuildRollups(t.db);
    expect(await dashboard(a.team.id)).toEqual(before);

    // A second run finds nothing more.
    const again = await purgeTeam(t.db, a.team.id, deps, { now: NOW });
    expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
  });

  it("keeps everything under keep-forever, and one team's policy never touches another team", async () => {
    const forever = { recordings: null, transcripts: null, calls: null, messages: null, webhookPayloads: null, testCalls: null };
    const b = await tenant("bravo", forever);
    const c = await tenant("charlie", { recordings: 1, transcripts: 1, calls: 1, messages: 1, webhookPayloads: 1, testCalls: 1 });
    const old = await addCall(b.team, b.number.id, b.cluster.id, { startedAt: ago(3000), recording: "local", voicemail: true, turns: 2 });
    const oldTest = await addCall(b.team, b.number.id, b.cluster.id, { startedAt: ago(3000), recording: "s3", turns: 1, isTest: true });
    await t.db.insert(callerMessages).values({ teamId: b.team.id, message: "ancient", createdAt: ago(3000) });
    const cOld = await addCall(c.team, c.number.id, c.cluster.id, { startedAt: ago(3), recording: "local", voicemail: true, turns: 2 });

    const preview = await previewPurge(t.db, b.team.id, deps, { now: NOW });
    const result = await purgeTeam(t.db, b.team.id, deps, { now: NOW });
    expect(preview.counts).toEqual(result.counts);
    expect(Object.values(result.counts).every((n) => n === 0)).toBe(true);
    expect(await exists(old.id)).not.toBeNull();
    expect(onDisk(b.team.id, old.id)).toBe(true);
    expect(inS3(b.team.id, oldTest.id)).toBe(true);
    expect(twilioHolds(old.twilioCallSid)).toBe(true);
    expect(await turnsOf(old.id)).toBe(2);

    // Charlie purges everything older than a day; Bravo's data, older still, is untouched.
    const charlie = await purgeTeam(t.db, c.team.id, deps, { now: NOW });
    expect(charlie.counts).toMatchObject({ recordings: 1, calls: 1 });
    expect(await exists(cOld.id)).toBeNull();
    expect(twilioHolds(cOld.twilioCallSid)).toBe(false);
    expect(await exists(old.id)).not.toBeNull();
    expect(twilioHolds(old.twilioCallSid)).toBe(true);
    expect(onDisk(b.team.id, old.id)).toBe(true);
  });

  it("never purges a live call, and resumes past it once it has ended", async () => {
    const d = await tenant("delta", { recordings: 1, transcripts: 1, calls: 1, messages: 1, webhookPayloads: 1, testCalls: 1 });
    const add = (c: TSeedCall) => addCall(d.team, d.number.id, d.cluster.id, c);
    const before = await add({ startedAt: ago(10), recording: "local", turns: 2 });
    const live = await add({ startedAt: ago(5), recording: "local", turns: 2, endedAt: null, outcome: null, status: "in_progress", heartbeatAt: new Date(NOW.getTime() - 2000) });
    const after = await add({ startedAt: ago(4), recording: "local", turns: 2 });

    // The dry run stops at the live call's day as the purge does (it counts whole days in one statement).
    const dry = await previewPurge(t.db, d.team.id, deps, { now: NOW });
    const first = await purgeTeam(t.db, d.team.id, deps, { now: NOW });
    expect(first.counts).toMatchObject({ recordings: 1, calls: 1 });
    expect(dry.counts).toEqual(first.counts);
    expect(await exists(before.id)).toBeNull();
    for (const id of [live.id, after.id]) expect(await exists(id)).not.toBeNull();
    expect(onDisk(d.team.id, live.id)).toBe(true);
    expect(await turnsOf(live.id)).toBe(2);
    // Nothing after the live call was skipped over either: it waits with it.
    expect(onDisk(d.team.id, after.id)).toBe(true);

    await t.db.update(calls).set({ endedAt: new Date(NOW.getTime() - 1000), outcome: "resolved", status: "completed" }).where(eq(calls.id, live.id));
    const preview = await previewPurge(t.db, d.team.id, deps, { now: NOW });
    const second = await purgeTeam(t.db, d.team.id, deps, { now: NOW });
    expect(second.counts).toEqual(preview.counts);
    expect(second.counts).toMatchObject({ recordings: 2, calls: 2, turns: 4 });
    for (const id of [live.id, after.id]) expect(await exists(id)).toBeNull();
    expect(onDisk(d.team.id, after.id)).toBe(false);
  });

  it("stops the recordings walk when Twilio fails, reports it, and retries on the next run", async () => {
    const e = await tenant("echo", { recordings: 1, transcripts: 365, calls: 365, messages: 365, webhookPayloads: 365, testCalls: 365 });
    const vm = await addCall(e.team, e.number.id, e.cluster.id, { startedAt: ago(20), recording: "local", voicemail: true });
    const later = await addCall(e.team, e.number.id, e.cluster.id, { startedAt: ago(10), recording: "local" });
    twilio.faults.push({ status: 500, code: 20500, message: "Internal Server Error" }, 1, (r) => r.path.includes("/Recordings"));
    const failed = await runTeamRetention(t.db, e.team.id, { ...deps, batchSize: 10 }, { now: NOW });
    expect(failed?.status).toBe("partial");
    expect(failed?.errors.join(" ")).toMatch(/recording could not be deleted/);
    expect(onDisk(e.team.id, later.id)).toBe(true);
    expect(twilioHolds(vm.twilioCallSid)).toBe(true);

    const retried = await runTeamRetention(t.db, e.team.id, deps, { now: NOW });
    expect(retried?.status).toBe("succeeded");
    expect(retried?.counts).toMatchObject({ recordings: 2 });
    expect(twilioHolds(vm.twilioCallSid)).toBe(false);
    expect(onDisk(e.team.id, later.id)).toBe(false);

    // Each run with something to report is one audit entry, by the system, with counts and no call data.
    const entries = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, e.team.id), eq(auditLogs.action, "retention.purged")));
    expect(entries).toHaveLength(2);
    expect(entries.every((x) => x.actorUserId === null && x.actorApiKeyId === null)).toBe(true);
    const text = JSON.stringify(entries);
    for (const secret of [vm.id, vm.twilioCallSid!, "+1555", e.team.id + "/"]) expect(text).not.toContain(secret);
    const runs = await t.db.select().from(retentionRuns).where(eq(retentionRuns.teamId, e.team.id));
    expect(runs).toHaveLength(2);
  });
});

describe("a run's time limit", () => {
  it("stops between batches at the limit and the next run goes on from there", async () => {
    const f = await tenant("foxtrot", { recordings: 1, transcripts: 1, calls: 1, messages: 1, webhookPayloads: 1, testCalls: 1 });
    const old = await addCall(f.team, f.number.id, f.cluster.id, { startedAt: ago(20), recording: "local", turns: 2 });
    const stopped = await purgeTeam(t.db, f.team.id, deps, { now: NOW, budgetMs: -1 });
    expect(stopped.errors).toEqual(["Stopped at this run's time limit; the next run goes on from there."]);
    expect(Object.values(stopped.counts).every((n) => n === 0)).toBe(true);
    expect(onDisk(f.team.id, old.id)).toBe(true);
    const next = await purgeTeam(t.db, f.team.id, deps, { now: NOW, budgetMs: 60_000 });
    expect(next).toEqual({ counts: expect.objectContaining({ recordings: 1, turns: 2, calls: 1 }), errors: [] });
    expect(onDisk(f.team.id, old.id)).toBe(false);
  });
});

describe("retention policy input", () => {
  it("merges a patch over the current policy and explains what is wrong", () => {
    expect(parsePolicyPatch(RETENTION_DEFAULTS, { recordings: 30 })).toEqual({ success: true, data: { ...RETENTION_DEFAULTS, recordings: 30 } });
    expect(parsePolicyPatch(RETENTION_DEFAULTS, { calls: null, recordings: null, transcripts: null })).toMatchObject({ success: true });
    const messages = (patch: unknown) => {
      const r = parsePolicyPatch(RETENTION_DEFAULTS, patch);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(messages({ recordings: 0 })).toEqual(["recordings: At least 1 day"]);
    expect(messages({ recordings: 1.5 })).toEqual(["recordings: Use a whole number of days"]);
    expect(messages({ recordings: "30" })).toEqual(["recordings: Enter a number of days, or null to keep forever"]);
    expect(messages({ messages: 4000 })).toEqual(["messages: At most 3650 days (10 years); choose keep forever for longer"]);
    expect(messages({ audit: 10 })).toEqual([': Unrecognized key: "audit"']);
    expect(messages({ transcripts: 400 })).toEqual([
      "transcripts: Transcripts can't be kept longer than the calls they belong to (365 days). Shorten them or keep calls longer.",
    ]);
    expect(messages({ calls: 30 })).toHaveLength(2);
  });
});
