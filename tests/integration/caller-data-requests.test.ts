import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callerMessages, callEvents, calls, callTurns, phoneNumbers, privacyRequests, webhookDeliveries, webhookEndpoints, auditLogs } from "@/db/schema";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { lookupCallerHistory } from "@/lib/calls/caller-history";
import { buildCallerExport } from "@/lib/privacy/build-export";
import { findRequestsToRetry, processPrivacyRequest, type TPrivacyDeps } from "@/lib/privacy/process-request";
import { closePrivacyQueue, enqueuePrivacyRequest, startPrivacyWorker } from "@/lib/privacy/queue";
import { createPrivacyRequest } from "@/lib/privacy/requests";
import { parseCallerNumber } from "@/lib/privacy/subject";
import { createTwilioRecordingEraser } from "@/lib/privacy/twilio-recordings";
import { s3ConfigFromEnv } from "@/lib/recordings/config";
import { createRecordingStores } from "@/lib/recordings/create-stores";
import { signUp } from "@/lib/teams/sign-up";
import { FakeS3 } from "@/tests/fakes/s3";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";

// Export and erasure of one caller's data, end to end against real Postgres, a real local recording store, the
// fake S3 behind the real SDK and the fake Twilio REST API. Two teams share the caller's number: only the team
// that received the request is touched.

const t = await createTestDb();
const s3 = await FakeS3.start({ buckets: ["recs"] });
const twilio = await FakeTwilioRest.start();
const dir = mkdtempSync(path.join(tmpdir(), "aica-privacy-"));
afterAll(async () => {
  await s3.close();
  await twilio.close();
  rmSync(dir, { recursive: true, force: true });
  await t.drop();
});

const s3Env = s3.env("recs", "rec/");
const s3Config = s3ConfigFromEnv({ ...s3Env, S3_REGION: s3.region, S3_FORCE_PATH_STYLE: true } as never)!;
const stores = createRecordingStores({ recordingsDir: dir, s3: s3Config });
const secretKey = randomBytes(32);
const deps: TPrivacyDeps = {
  stores,
  s3Prefix: "rec/",
  secretKey,
  twilio: createTwilioRecordingEraser(t.db, { platform: { accountSid: twilio.mainAccount.sid, authToken: twilio.mainAccount.authToken }, apiBaseUrl: twilio.url }),
};

const CALLER = "+14155550123";
const DIGITS = "4155550123";
const OTHER = "+14155550199";

function wav(): Buffer {
  return Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVEfmt "), randomBytes(4000)]);
}

async function seedTeam(label: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@privacy.test`, password: `password-${label}`, companyName: `${label} Clinic` });
  const [number] = await t.db
    .insert(phoneNumbers)
    .values({ teamId: team.id, e164: label === "alpha" ? "+15550001111" : "+15550002222", twilioSid: `PN${label}`, twilioAccountSid: twilio.mainAccount.sid, source: "imported" })
    .returning();
  return { user, team, number: number! };
}

type TTeam = Awaited<ReturnType<typeof seedTeam>>;

// A finished call with a transcript, an event, analysis, captured fields, a message, a recording (local or S3),
// a voicemail recording Twilio still holds and a webhook delivery about it.
async function seedCall(team: TTeam, from: string, options: { storage: "local" | "s3"; startedAt: Date; isLive?: boolean }) {
  const twilioCall = twilio.addCall({ from, to: team.number.e164 });
  // The number as people write it: "(415) 555-0123", "415 555 0123", "415-555-0123", "415.555.0123".
  const [a, b, c] = [from.slice(2, 5), from.slice(5, 8), from.slice(8)];
  const [call] = await t.db
    .insert(calls)
    .values({
      teamId: team.team.id,
      phoneNumberId: team.number.id,
      twilioCallSid: twilioCall.sid,
      direction: "inbound",
      fromNumber: from,
      toNumber: team.number.e164,
      status: options.isLive ? "in_progress" : "completed",
      outcome: options.isLive ? null : "message_taken",
      startedAt: options.startedAt,
      answeredAt: options.startedAt,
      endedAt: options.isLive ? null : new Date(options.startedAt.getTime() + 60_000),
      durationSec: options.isLive ? null : 60,
      sentiment: "positive",
      summary: `Caller ${from} asked to be called back at (${a}) ${b}-${c} about a refill.`,
      topic: "prescription refill",
      capturedFields: { callback: `(${a}) ${b}-${c}`, name: "Jane Roe" },
    })
    .returning();
  const id = call!.id;
  await t.db.insert(callTurns).values([
    { teamId: team.team.id, callId: id, seq: 0, speaker: "agent", text: "Hello, how can I help?", startMs: 0, endMs: 1000 },
    { teamId: team.team.id, callId: id, seq: 1, speaker: "caller", text: `Call me back on ${a} ${b} ${c} please`, startMs: 1200, endMs: 3000 },
  ]);
  await t.db.insert(callEvents).values({ teamId: team.team.id, callId: id, atMs: 2000, kind: "tool_call", name: "take_message", data: { callback_number: `${a}-${b}-${c}` } });
  await t.db.insert(callerMessages).values({ teamId: team.team.id, callId: id, callerName: "Jane Roe", callbackNumber: `${a}.${b}.${c}`, message: "Please call me about my refill" });
  const key = options.storage === "s3" ? `rec/${team.team.id}/${id}.wav` : `${team.team.id}/${id}.wav`;
  if (options.storage === "s3") s3.putObject("recs", key, wav(), "audio/wav");
  else await stores.local!.put(key, wav());
  await t.db.update(calls).set({ recordingPath: key, recordingStorage: options.storage }).where(eq(calls.id, id));
  twilio.addRecording({ audio: wav(), callSid: twilioCall.sid, durationSec: 10 });
  const [endpoint] = await t.db.insert(webhookEndpoints).values({ teamId: team.team.id, url: "https://example.test/hook", secretEnc: "x", events: ["call.completed"] }).returning();
  await t.db.insert(webhookDeliveries).values({
    teamId: team.team.id,
    endpointId: endpoint!.id,
    event: "call.completed",
    payload: { type: "call.completed", data: { call: { id, from, summary: `call back ${a}-${b}-${c}` } } },
    status: "succeeded",
  });
  return { id, twilioCallSid: twilioCall.sid, key };
}

const alpha = await seedTeam("alpha");
const beta = await seedTeam("beta");
const day = (n: number) => new Date(Date.parse("2030-05-01T10:00:00Z") + n * 86_400_000);
const alphaCalls = [await seedCall(alpha, CALLER, { storage: "local", startedAt: day(0) }), await seedCall(alpha, CALLER, { storage: "s3", startedAt: day(1) })];
const alphaOther = await seedCall(alpha, OTHER, { storage: "local", startedAt: day(0) });
// A message taken on another caller's call, naming our caller's number to call back: it is about them too.
await t.db.insert(callerMessages).values({ teamId: alpha.team.id, callerName: "Jane", callbackNumber: "(415) 555-0123", message: "Front desk note: call Jane back" });
const betaCall = await seedCall(beta, CALLER, { storage: "s3", startedAt: day(0) });
const actor = { userId: alpha.user.id, label: alpha.user.email };

function unzip(zip: Buffer): Record<string, Buffer> {
  const file = path.join(dir, `export-${randomBytes(4).toString("hex")}.zip`);
  writeFileSync(file, zip);
  expect(execFileSync("unzip", ["-t", file]).toString()).toMatch(/No errors detected/);
  const out = JSON.parse(
    execFileSync("python3", [
      "-c",
      "import zipfile,sys,json,base64; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: base64.b64encode(z.read(n)).decode() for n in z.namelist()}))",
      file,
    ]).toString(),
  ) as Record<string, string>;
  rmSync(file);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Buffer.from(v, "base64")]));
}

// Every text, varchar and jsonb column of every table in the public schema, searched for the number in any format
// (digits compared after stripping everything else). Rows of `exceptTeam` are left out where the table has a team.
async function findNumberAnywhere(exceptTeam: string): Promise<string[]> {
  const columns = await t.db.execute<{ table_name: string; column_name: string }>(sql`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`);
  const teamTables = new Set(
    (await t.db.execute<{ table_name: string }>(sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'team_id'`)).map((r) => r.table_name),
  );
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const scope = teamTables.has(table_name) ? sql`and team_id <> ${exceptTeam}` : sql``;
    const [row] = await t.db.execute<{ n: number }>(sql`
      select count(*)::int as n from ${sql.identifier(table_name)}
      where regexp_replace(${sql.identifier(column_name)}::text, '[^0-9]', '', 'g') like ${`%${DIGITS}%`} ${scope}`);
    if ((row?.n ?? 0) > 0) hits.push(`${table_name}.${column_name}: ${row!.n}`);
  }
  return hits;
}

function localFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

async function teamTotals(teamId: string) {
  await rebuildRollups(t.db);
  const [row] = await t.db.execute<{ calls: number; completed: number; message_taken: number; handle: number; positive: number }>(sql`
    select coalesce(sum(calls), 0)::int as calls, coalesce(sum(completed), 0)::int as completed,
      coalesce(sum(message_taken), 0)::int as message_taken, coalesce(sum(handle_sec_sum), 0)::int as handle,
      coalesce(sum(sentiment_positive), 0)::int as positive
    from call_stats_daily where team_id = ${teamId}`);
  return row;
}

describe("caller data requests", () => {
  it("normalizes the number typed in any common format, and refuses an invalid one clearly", () => {
    for (const typed of ["+1 (415) 555-0123", "415.555.0123", "(415) 555 0123", "001 415 555 0123", "+14155550123"]) {
      expect(parseCallerNumber(typed, "US").e164).toBe(CALLER);
    }
    expect(parseCallerNumber("020 7946 0958", "GB").e164).toBe("+442079460958");
    expect(() => parseCallerNumber("12345", "US")).toThrow(/not a valid phone number/);
    expect(() => parseCallerNumber("", "US")).toThrow(/Enter the caller's phone number/);
  });

  it("exports exactly that caller's data of that team, with the recordings as WAV and a README", async () => {
    const { zip, counts } = await buildCallerExport(t.db, stores, alpha.team, parseCallerNumber(CALLER));
    expect(counts).toEqual({ calls: 2, recordings: 2, messages: 3, missing_recordings: 0 });
    const files = unzip(zip);
    expect(Object.keys(files).sort()).toEqual(["README.txt", "caller-data.json", ...alphaCalls.map((c) => `recordings/${c.id}.wav`)].sort());
    const doc = JSON.parse(files["caller-data.json"]!.toString()) as { caller_number: string; calls: { id: string; transcript: unknown[]; captured_fields: unknown; recording_file: string }[]; messages: { callback_number: string }[] };
    expect(doc.caller_number).toBe(CALLER);
    expect(doc.calls.map((c) => c.id).sort()).toEqual(alphaCalls.map((c) => c.id).sort());
    expect(doc.calls.every((c) => c.transcript.length === 2)).toBe(true);
    expect(doc.messages).toHaveLength(3);
    const text = files["caller-data.json"]!.toString();
    // Nothing of the other caller of the same team, nothing of the other team.
    expect(text).not.toContain(alphaOther.id);
    expect(text).not.toContain(OTHER);
    expect(text).not.toContain(betaCall.id);
    expect(text).not.toContain(beta.team.id);
    for (const c of alphaCalls) {
      const stored = c.key.startsWith("rec/") ? s3.object("recs", c.key)!.body : readFileSync(path.join(dir, c.key));
      expect(files[`recordings/${c.id}.wav`]!.equals(stored)).toBe(true);
      expect(files[`recordings/${c.id}.wav`]!.subarray(0, 4).toString()).toBe("RIFF");
    }
    expect(files["README.txt"]!.toString()).toMatch(/caller-data\.json/);
  });

  it("erases everything about the number in that team, and nothing of the other team; analytics counts stay", async () => {
    // An export of the same caller waiting to be downloaded: it holds the same data, so erasure removes it too.
    const exportRequest = await createPrivacyRequest(t.db, { teamId: alpha.team.id, kind: "export", law: "gdpr", subject: parseCallerNumber(CALLER), secretKey, actor });
    const exported = await processPrivacyRequest(t.db, deps, exportRequest.id);
    expect(exported?.status).toBe("completed");
    expect(exported?.exportKey).toMatch(/^rec\/privacy-exports\//);

    const before = await teamTotals(alpha.team.id);
    const betaBefore = await teamTotals(beta.team.id);
    expect(before?.calls).toBe(3);

    const request = await createPrivacyRequest(t.db, { teamId: alpha.team.id, kind: "erasure", law: "ccpa", subject: parseCallerNumber("(415) 555-0123"), secretKey, actor });
    expect(request.dueAt.getTime() - request.receivedAt.getTime()).toBe(45 * 86_400_000);
    const done = await processPrivacyRequest(t.db, deps, request.id);
    expect(done?.status).toBe("completed");
    expect(JSON.parse(done!.counts)).toMatchObject({ calls: 2, messages: 3, webhook_deliveries: 2, twilio_recordings: 2, twilio_accounts_unreachable: 0, exports: 1 });
    expect(done?.subjectEnc).toBeNull();

    // Every text column of every table: nothing left in team alpha, in any format.
    expect(await findNumberAnywhere(beta.team.id)).toEqual([]);
    // The recording stores: no file of the erased calls, no export, and no object holding the number.
    const files = localFiles();
    for (const c of alphaCalls) expect(files).not.toContain(c.key);
    expect(files).toContain(alphaOther.key);
    const objects = [...(s3.buckets.get("recs")?.keys() ?? [])];
    expect(objects.filter((k) => k.includes(alpha.team.id))).toEqual([]);
    expect(objects).toContain(betaCall.key);
    for (const f of files) expect(readFileSync(path.join(dir, f)).includes(DIGITS)).toBe(false);
    for (const k of objects.filter((k) => !k.includes(beta.team.id))) expect(s3.object("recs", k)!.body.includes(DIGITS)).toBe(false);
    // Twilio's copies of the voicemails: gone for alpha's calls, kept for beta's.
    const twilioLeft = [...twilio.recordings.values()].map((r) => r.callSid);
    for (const c of alphaCalls) expect(twilioLeft).not.toContain(c.twilioCallSid);
    expect(twilioLeft).toContain(betaCall.twilioCallSid);
    // The agent no longer knows the caller.
    expect(await lookupCallerHistory(t.db, { teamId: alpha.team.id, fromNumber: CALLER })).toEqual([]);

    // The other team still has all of it.
    const [betaRow] = await t.db.select().from(calls).where(and(eq(calls.teamId, beta.team.id), eq(calls.id, betaCall.id)));
    expect(betaRow?.fromNumber).toBe(CALLER);
    expect(await t.db.select().from(callTurns).where(eq(callTurns.callId, betaCall.id))).toHaveLength(2);
    expect(await t.db.select().from(callerMessages).where(eq(callerMessages.teamId, beta.team.id))).toHaveLength(1);
    expect(await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.teamId, beta.team.id))).toHaveLength(1);
    // Beta's calls from the same number are untouched (checked above); its caller history holds only an open
    // request, which this fixture does not have.
    expect(await lookupCallerHistory(t.db, { teamId: beta.team.id, fromNumber: CALLER })).toEqual([]);
    // The other caller of alpha is untouched.
    expect(await t.db.select().from(calls).where(eq(calls.id, alphaOther.id))).toHaveLength(1);

    // Dashboards count the same, even after a full rebuild from raw rows.
    expect(await teamTotals(alpha.team.id)).toEqual(before);
    expect(await teamTotals(beta.team.id)).toEqual(betaBefore);

    // The register and the audit log name the request by keyed hash, never the number.
    const audit = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, alpha.team.id), eq(auditLogs.targetId, request.id)));
    expect(audit.map((a) => a.action).sort()).toEqual(["privacy.erasure_completed", "privacy.erasure_requested"]);
    expect(audit[0]?.metadata.subject_hash).toBe(request.subjectHash);
    expect(request.subjectHash).toMatch(/^[0-9a-f]{64}$/);
    const [exportRow] = await t.db.select().from(privacyRequests).where(eq(privacyRequests.id, exportRequest.id));
    expect(exportRow?.exportKey).toBeNull();
  });

  it("waits for a live call from the number and erases it once the call has ended", async () => {
    const live = await seedCall(alpha, CALLER, { storage: "local", startedAt: new Date(), isLive: true });
    const request = await createPrivacyRequest(t.db, { teamId: alpha.team.id, kind: "erasure", law: "gdpr", subject: parseCallerNumber(CALLER), secretKey, actor });
    const waiting = await processPrivacyRequest(t.db, deps, request.id);
    expect(waiting?.status).toBe("waiting_for_call");
    // The call is not cut off: its row, turns and recording are all still there while it runs.
    const [still] = await t.db.select().from(calls).where(eq(calls.id, live.id));
    expect(still?.endedAt).toBeNull();
    expect(await stores.local!.size(live.key)).not.toBeNull();
    // The worker's sweep keeps it in view until the call ends.
    expect(await findRequestsToRetry(t.db)).toContain(request.id);
    expect((await processPrivacyRequest(t.db, deps, request.id))?.status).toBe("waiting_for_call");

    await t.db.update(calls).set({ endedAt: new Date(), status: "completed", outcome: "resolved" }).where(eq(calls.id, live.id));
    for (const id of await findRequestsToRetry(t.db)) await processPrivacyRequest(t.db, deps, id);
    const [after] = await t.db.select().from(privacyRequests).where(eq(privacyRequests.id, request.id));
    expect(after?.status).toBe("completed");
    expect(await t.db.select().from(calls).where(eq(calls.id, live.id))).toEqual([]);
    expect(await stores.local!.size(live.key)).toBeNull();
    expect(await findNumberAnywhere(beta.team.id)).toEqual([]);
  });

  it("builds a queued export in the worker's pg-boss job and keeps the number sealed in the register meanwhile", async () => {
    const request = await createPrivacyRequest(t.db, { teamId: beta.team.id, kind: "export", law: "gdpr", subject: parseCallerNumber(CALLER), secretKey, actor: { label: "api" } });
    expect(request.subjectEnc).not.toContain(DIGITS);
    const worker = await startPrivacyWorker({ databaseUrl: t.url, db: t.db, deps, log: { warn: () => {} }, pollingIntervalSeconds: 0.5, sweepIntervalMs: 60_000 });
    try {
      await enqueuePrivacyRequest(request.id, { databaseUrl: t.url });
      let row;
      for (let i = 0; i < 60; i++) {
        [row] = await t.db.select().from(privacyRequests).where(eq(privacyRequests.id, request.id));
        if (row?.status === "completed") break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(row?.status).toBe("completed");
      expect(row?.subjectEnc).toBeNull();
      expect(JSON.parse(row!.counts)).toMatchObject({ calls: 1, recordings: 1 });
      const zip = s3.object("recs", row!.exportKey!)!.body;
      expect(Object.keys(unzip(zip)).sort()).toEqual(["README.txt", "caller-data.json", `recordings/${betaCall.id}.wav`]);
    } finally {
      await worker.stop();
      await closePrivacyQueue();
    }
  });
});
