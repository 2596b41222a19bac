import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { auditLogs, calls, signInFailures } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/chain";
import { recordAudit } from "@/lib/audit/record-audit";
import { authorizeCredentials } from "@/lib/auth/credentials";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";

// The audit trail: the per-team hash chain and its verification (in code and through `npm run audit:verify`), and
// the access events the product records. Route handlers run as Next.js calls them; only the session is stubbed.
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "x-forwarded-for": "203.0.113.9" }) }));
vi.mock("@/lib/auth/auth", () => ({ auth: async () => session.current, signIn: async () => {}, signOut: async () => {} }));

const t = await createTestDb();
const recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-audit-"));
Object.assign(process.env, { DATABASE_URL: t.url, RECORDINGS_DIR: recordingsDir });
const routes = {
  recording: await import("@/app/api/teams/[slug]/calls/[callId]/recording/route"),
  analytics: await import("@/app/api/teams/[slug]/analytics/export/route"),
  auditCsv: await import("@/app/api/teams/[slug]/audit/export/route"),
};
afterAll(async () => {
  rmSync(recordingsDir, { recursive: true, force: true });
  await t.drop();
});

const alpha = await signUp(t.db, { name: "A", email: "audit-a@example.test", password: "password-aaaa", companyName: "Audit Alpha" });
const beta = await signUp(t.db, { name: "B", email: "audit-b@example.test", password: "password-bbbb", companyName: "Audit Beta" });
const actorA = { userId: alpha.user.id, label: alpha.user.email };

async function entries(teamId: string) {
  return t.db.select().from(auditLogs).where(eq(auditLogs.teamId, teamId)).orderBy(auditLogs.seq);
}

describe("audit hash chain", () => {
  it("gives concurrent writers of one team consecutive links, and verify finds the chain intact", async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        recordAudit(t.db, { teamId: i % 5 === 0 ? beta.team.id : alpha.team.id, actor: actorA, action: "test.concurrent", targetType: "test", targetId: String(i), metadata: { i, nested: { b: 1, a: [1, "x"] } } }),
      ),
    );
    for (const team of [alpha.team, beta.team]) {
      const rows = await entries(team.id);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      for (const [i, row] of rows.entries()) expect(row.prevHash).toBe(i === 0 ? "" : rows[i - 1]!.hash);
      expect(await verifyAuditChain(t.db, team.id)).toMatchObject({ isIntact: true, checked: rows.length, firstBroken: null });
    }
  });

  it("catches an edited entry and names it, in code and through npm run audit:verify", async () => {
    const rows = await entries(alpha.team.id);
    const victim = rows[7]!;
    await t.db.execute(sql`update audit_logs set target_label = 'nothing to see' where id = ${victim.id}`);
    const result = await verifyAuditChain(t.db, alpha.team.id);
    expect(result).toMatchObject({ isIntact: false, checked: 7, firstBroken: { id: victim.id, seq: victim.seq, reason: expect.stringMatching(/content was changed/) } });
    // The other team's chain is unaffected.
    expect((await verifyAuditChain(t.db, beta.team.id)).isIntact).toBe(true);

    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], { env: { ...process.env, DATABASE_URL: t.url } }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(run.code).toBe(1);
    expect(run.out).toContain(`${alpha.team.slug}: BROKEN at entry ${victim.seq} (id ${victim.id}`);
    expect(run.out).toMatch(new RegExp(`${beta.team.slug}: intact`));

    // Putting the content back restores the link; recomputing the hash instead would break the next link.
    await t.db.execute(sql`update audit_logs set target_label = ${victim.targetLabel} where id = ${victim.id}`);
    expect((await verifyAuditChain(t.db, alpha.team.id)).isIntact).toBe(true);
  });

  it("catches a deleted entry in the middle and the newest entries removed", async () => {
    const rows = await entries(beta.team.id);
    await t.db.execute(sql`delete from audit_logs where id = ${rows[1]!.id}`);
    expect((await verifyAuditChain(t.db, beta.team.id)).firstBroken).toMatchObject({ seq: 2, reason: expect.stringMatching(/missing/) });
    await t.db.execute(sql`delete from audit_logs where team_id = ${beta.team.id} and seq >= 2`);
    expect((await verifyAuditChain(t.db, beta.team.id)).firstBroken?.reason).toMatch(/newest entries were removed/);
  });
});

describe("access events", () => {
  const headers = new Headers({ "x-forwarded-for": "198.51.100.7" });

  it("records sign-in success and failure in the member's teams, and an unknown email only as a keyed hash", async () => {
    const key = Buffer.alloc(32, 7);
    const good = await authorizeCredentials(t.db, { email: alpha.user.email, password: "password-aaaa" }, headers, { auditHashKey: key });
    expect(good?.id).toBe(alpha.user.id);
    const wrong = await authorizeCredentials(t.db, { email: alpha.user.email, password: "wrong-password" }, headers, { auditHashKey: key });
    const unknown = await authorizeCredentials(t.db, { email: "nobody@example.test", password: "wrong-password" }, headers, { auditHashKey: key });
    // The browser learns nothing from the difference.
    expect(wrong).toBeNull();
    expect(unknown).toBeNull();
    const rows = (await entries(alpha.team.id)).filter((r) => r.action.startsWith("auth."));
    expect(rows.map((r) => [r.action, r.targetId, r.actorUserId])).toEqual([
      ["auth.signed_in", alpha.user.id, alpha.user.id],
      ["auth.sign_in_failed", alpha.user.id, null],
    ]);
    expect(rows[1]?.metadata).toEqual({ reason: "wrong_password" });
    const failures = await t.db.select().from(signInFailures);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(failures)).not.toContain("nobody");
    expect((await verifyAuditChain(t.db, alpha.team.id)).isIntact).toBe(true);
  });

  it("records playing a recording once per member and call however many ranges the player asks for", async () => {
    const [call] = await t.db.insert(calls).values({ teamId: alpha.team.id, direction: "inbound", status: "completed", endedAt: new Date() }).returning();
    const key = `${alpha.team.id}/${call!.id}.wav`;
    await createLocalRecordingStore(recordingsDir).put(key, Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVE"), Buffer.alloc(2000)]));
    await t.db.update(calls).set({ recordingPath: key }).where(eq(calls.id, call!.id));
    session.current = { user: { id: alpha.user.id, email: alpha.user.email } };
    for (const range of [null, "bytes=0-99", "bytes=100-"]) {
      const res = await routes.recording.GET(new Request("http://localhost/x", { headers: range ? { range } : {} }), { params: Promise.resolve({ slug: alpha.team.slug, callId: call!.id }) });
      expect(res.status).toBe(range ? 206 : 200);
      await res.arrayBuffer();
    }
    // Another team's member: 404 and no entry in either team.
    session.current = { user: { id: beta.user.id, email: beta.user.email } };
    const res = await routes.recording.GET(new Request("http://localhost/x"), { params: Promise.resolve({ slug: alpha.team.slug, callId: call!.id }) });
    expect(res.status).toBe(404);
    const played = await t.db.select().from(auditLogs).where(eq(auditLogs.action, "recording.accessed"));
    expect(played.map((r) => [r.teamId, r.targetId, r.actorUserId, r.ip])).toEqual([[alpha.team.id, call!.id, alpha.user.id, null]]);
  });

  it("records the analytics CSV export and exports the audit log as CSV with filters", async () => {
    session.current = { user: { id: alpha.user.id, email: alpha.user.email } };
    const csv = await routes.analytics.GET(new Request(`http://localhost/api/teams/${alpha.team.slug}/analytics/export?range=7`), { params: Promise.resolve({ slug: alpha.team.slug }) });
    expect(csv.status).toBe(200);
    const [exported] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, alpha.team.id), eq(auditLogs.action, "analytics.exported")));
    expect(exported?.actorUserId).toBe(alpha.user.id);

    const res = await routes.auditCsv.GET(new Request(`http://localhost/api/teams/${alpha.team.slug}/audit/export?action=auth.`), { params: Promise.resolve({ slug: alpha.team.slug }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe("seq,created_at,actor,actor_user_id,actor_api_key_id,action,target_type,target_id,target,details,ip,hash,prev_hash");
    expect(lines.slice(1).map((l) => l.split(",")[5])).toEqual(["auth.sign_in_failed", "auth.signed_in"]);
    const bad = await routes.auditCsv.GET(new Request(`http://localhost/api/teams/${alpha.team.slug}/audit/export?from=yesterday`), { params: Promise.resolve({ slug: alpha.team.slug }) });
    expect(bad.status).toBe(400);
    // A member of another team gets 404.
    session.current = { user: { id: beta.user.id, email: beta.user.email } };
    const other = await routes.auditCsv.GET(new Request(`http://localhost/api/teams/${alpha.team.slug}/audit/export`), { params: Promise.resolve({ slug: alpha.team.slug }) });
    expect(other.status).toBe(404);
  });
});
