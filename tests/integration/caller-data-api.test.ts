import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLogs, callerMessages, calls, callTurns } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { ZCallerDataOut, ZPrivacyRequestOut } from "@/lib/api/endpoints/caller-data";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { signUp } from "@/lib/teams/sign-up";
import { callRoute } from "@/tests/helpers/api-route";
import { createTestDb } from "@/tests/helpers/db";

vi.mock("server-only", () => ({}));

// The /api/v1/caller-data endpoints as Next.js calls them: real keys, real database, a real local recording store.
// Two teams hold calls from the same caller number; each key only ever sees and changes its own team's.

const t = await createTestDb();
const recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-privacy-api-"));
Object.assign(process.env, { DATABASE_URL: t.url, RECORDINGS_DIR: recordingsDir, ENCRYPTION_KEY: randomBytes(32).toString("base64") });
afterAll(async () => {
  rmSync(recordingsDir, { recursive: true, force: true });
  await t.drop();
});

const routes = {
  lookup: await import("@/app/api/v1/caller-data/lookup/route"),
  exports: await import("@/app/api/v1/caller-data/exports/route"),
  erasures: await import("@/app/api/v1/caller-data/erasures/route"),
  requests: await import("@/app/api/v1/caller-data/requests/route"),
  request: await import("@/app/api/v1/caller-data/requests/[id]/route"),
  download: await import("@/app/api/v1/caller-data/requests/[id]/download/route"),
  calls: await import("@/app/api/v1/calls/route"),
  call: await import("@/app/api/v1/calls/[id]/route"),
};

const call = callRoute;

const CALLER = "+14155550123";
const store = createLocalRecordingStore(recordingsDir);

async function seedTeam(label: string) {
  const { user, team } = await signUp(t.db, { name: label, email: `${label}@privacy-api.test`, password: `password-${label}`, companyName: `${label} Co` });
  const [c] = await t.db
    .insert(calls)
    .values({ teamId: team.id, direction: "inbound", fromNumber: CALLER, toNumber: "+15550001111", status: "completed", outcome: "resolved", endedAt: new Date(), summary: `${label} summary` })
    .returning();
  await t.db.insert(callTurns).values({ teamId: team.id, callId: c!.id, seq: 0, speaker: "caller", text: `${label} caller speaking`, startMs: 0, endMs: 1000 });
  await t.db.insert(callerMessages).values({ teamId: team.id, callId: c!.id, callerName: "Jane", callbackNumber: CALLER, message: `${label} message` });
  const key = `${team.id}/${c!.id}.wav`;
  await store.put(key, Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVE"), randomBytes(1000)]));
  await t.db.update(calls).set({ recordingPath: key }).where(eq(calls.id, c!.id));
  const { key: apiKey } = await createApiKey(t.db, team.id, { userId: user.id, label: user.email }, { name: `${label} key` });
  return { user, team, callId: c!.id, apiKey };
}

const a = await seedTeam("alpha");
const b = await seedTeam("beta");

describe("/api/v1/caller-data", () => {
  it("looks a caller up in the key's team only, and audits the lookup with a hash of the number", async () => {
    const res = await call(routes.lookup.POST, a.apiKey, "/caller-data/lookup", { method: "POST", body: { number: "(415) 555-0123" } });
    expect(res.status).toBe(200);
    const data = ZCallerDataOut.parse(res.json);
    expect(data.caller_number).toBe(CALLER);
    expect(data.calls.map((c) => c.id)).toEqual([a.callId]);
    expect(data.messages.map((m) => m.message)).toEqual(["alpha message"]);
    const [audit] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "privacy.caller_lookup")));
    expect(audit?.metadata).toMatchObject({ via: "api", calls: 1 });
    expect(JSON.stringify(audit)).not.toContain("4155550123");
  });

  it("refuses an invalid number with a clear 400", async () => {
    const res = await call(routes.lookup.POST, a.apiKey, "/caller-data/lookup", { method: "POST", body: { number: "12-34" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: "bad_request", message: expect.stringMatching(/not a valid phone number/) } });
  });

  it("exports to a zip the other team cannot see or download", async () => {
    const created = await call(routes.exports.POST, a.apiKey, "/caller-data/exports", { method: "POST", body: { number: CALLER, law: "gdpr" } });
    expect(created.status).toBe(201);
    const request = ZPrivacyRequestOut.parse(created.json);
    expect(request).toMatchObject({ kind: "export", status: "completed", caller_hint: "••23" });
    expect(Date.parse(request.due_at) - Date.parse(request.received_at)).toBe(30 * 86_400_000);
    expect(request.download_url).toBe(`/api/v1/caller-data/requests/${request.id}/download`);

    const zip = await call(routes.download.GET, a.apiKey, request.download_url!, { params: { id: request.id } });
    expect(zip.status).toBe(200);
    expect(zip.headers.get("content-type")).toBe("application/zip");
    const file = path.join(recordingsDir, "check.zip");
    writeFileSync(file, zip.bytes);
    const listing = execFileSync("unzip", ["-l", file]).toString();
    expect(listing).toContain(`recordings/${a.callId}.wav`);
    expect(listing).not.toContain(b.callId);
    expect(execFileSync("unzip", ["-p", file, "caller-data.json"]).toString()).not.toContain("beta");
    rmSync(file);

    // Team B: 404 for A's request, its status and its download; A's request is not in B's register.
    expect((await call(routes.request.GET, b.apiKey, `/caller-data/requests/${request.id}`, { params: { id: request.id } })).status).toBe(404);
    expect((await call(routes.download.GET, b.apiKey, `/caller-data/requests/${request.id}/download`, { params: { id: request.id } })).status).toBe(404);
    const bList = await call(routes.requests.GET, b.apiKey, "/caller-data/requests");
    expect((bList.json?.data as unknown[]).length).toBe(0);
    const aList = await call(routes.requests.GET, a.apiKey, "/caller-data/requests");
    expect((aList.json?.data as { id: string }[]).map((r) => r.id)).toContain(request.id);
    const downloaded = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "privacy.export_downloaded")));
    expect(downloaded).toHaveLength(1);
  });

  it("erases in the key's team only", async () => {
    const res = await call(routes.erasures.POST, a.apiKey, "/caller-data/erasures", { method: "POST", body: { number: "415-555-0123", law: "ccpa", note: "by email" } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ kind: "erasure", status: "completed", counts: { calls: 1, messages: 1, recordings: 1 } });
    expect(await t.db.select().from(calls).where(eq(calls.teamId, a.team.id))).toEqual([]);
    expect(await store.size(`${a.team.id}/${a.callId}.wav`)).toBeNull();
    expect(await t.db.select().from(calls).where(eq(calls.teamId, b.team.id))).toHaveLength(1);
    expect(await store.size(`${b.team.id}/${b.callId}.wav`)).not.toBeNull();
    const lookup = await call(routes.lookup.POST, b.apiKey, "/caller-data/lookup", { method: "POST", body: { number: CALLER } });
    expect((lookup.json as { calls: unknown[] }).calls).toHaveLength(1);
  });

  it("records API reads of calls in the audit log", async () => {
    await call(routes.calls.GET, b.apiKey, "/calls");
    await call(routes.call.GET, b.apiKey, `/calls/${b.callId}`, { params: { id: b.callId } });
    const rows = await t.db.select().from(auditLogs).where(eq(auditLogs.teamId, b.team.id));
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(["api.calls_listed", "call.viewed"]));
    const viewed = rows.find((r) => r.action === "call.viewed");
    expect(viewed).toMatchObject({ targetId: b.callId, actorLabel: expect.stringContaining("API key") });
  });
});
