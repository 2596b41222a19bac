import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { teamDataKeys, teams, webhookEndpoints } from "@/db/schema";
import { decryptRecording, encryptRecording } from "@/lib/recordings/recording-cipher";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { dataKeyById, DataKeyNotFoundError, forgetTeamDataKeys, rewrapDataKeys, teamDataKey } from "./data-keys";
import { masterKeyId, masterKeyRing, masterKeyRingFromEnv } from "./master-keys";
import { openSecret, sealSecret } from "./secret-box";

const t = setupTwoTeamDb();
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyC = randomBytes(32);

function forgetAll() {
  forgetTeamDataKeys(t.teamA);
  forgetTeamDataKeys(t.teamB);
}

describe("master key ring", () => {
  it("names each key by a short hash of it and reads ENCRYPTION_KEY_PREVIOUS", () => {
    const ring = masterKeyRingFromEnv({ ENCRYPTION_KEY: keyB.toString("base64"), ENCRYPTION_KEY_PREVIOUS: [keyA.toString("base64")] })!;
    expect(ring.current.id).toBe(masterKeyId(keyB));
    expect(ring.current.id).toMatch(/^[0-9a-f]{16}$/);
    expect([...ring.byId.keys()]).toEqual([masterKeyId(keyB), masterKeyId(keyA)]);
    expect(masterKeyId(keyA)).not.toBe(masterKeyId(keyB));
    // Production never derives the key from AUTH_SECRET.
    expect(() => masterKeyRingFromEnv({ AUTH_SECRET: "x".repeat(40), NODE_ENV: "production" })).toThrow(/ENCRYPTION_KEY is required/);
    expect(masterKeyRingFromEnv({})).toBeNull();
  });
});

describe("per-team data keys", () => {
  it("creates one key per team on first use, stores it only wrapped, and keeps it", async () => {
    const ring = masterKeyRing(keyA);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => teamDataKey(t.db, ring, t.teamA)));
    expect(new Set(concurrent.map((k) => k.id)).size).toBe(1);
    const a = concurrent[0]!;
    const b = await teamDataKey(t.db, ring, t.teamB);
    expect(a.key.length).toBe(32);
    expect(a.key.equals(b.key)).toBe(false);
    forgetAll();
    expect((await teamDataKey(t.db, ring, t.teamA)).key.equals(a.key)).toBe(true);

    const rows = await t.db.select().from(teamDataKeys);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.masterKeyId).toBe(masterKeyId(keyA));
      const raw = row.teamId === t.teamA ? a.key : b.key;
      expect(row.wrappedKey).not.toContain(raw.toString("base64url"));
      expect(row.wrappedKey).not.toContain(raw.toString("hex"));
    }
  });

  it("a key is found only under its own team, and a wrapped key moved to another team does not unwrap", async () => {
    const ring = masterKeyRing(keyA);
    const a = await teamDataKey(t.db, ring, t.teamA);
    forgetAll();
    await expect(dataKeyById(t.db, ring, t.teamB, a.id)).rejects.toBeInstanceOf(DataKeyNotFoundError);
    const [rowA] = await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, t.teamA));
    const [rowB] = await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, t.teamB));
    await t.db.update(teamDataKeys).set({ wrappedKey: rowA!.wrappedKey }).where(eq(teamDataKeys.id, rowB!.id));
    try {
      await expect(dataKeyById(t.db, ring, t.teamB, rowB!.id)).rejects.toThrow();
    } finally {
      await t.db.update(teamDataKeys).set({ wrappedKey: rowB!.wrappedKey }).where(eq(teamDataKeys.id, rowB!.id));
    }
  });

  it("rotating the master key re-wraps every data key, keeps every recording readable, and is idempotent", async () => {
    const ringA = masterKeyRing(keyA);
    const plain = { a: randomBytes(200_000), b: randomBytes(70_000) };
    const sealed = {
      a: encryptRecording(plain.a, await teamDataKey(t.db, ringA, t.teamA)),
      b: encryptRecording(plain.b, await teamDataKey(t.db, ringA, t.teamB)),
    };
    const before = await t.db.select().from(teamDataKeys);

    const ringB = masterKeyRing(keyB, [keyA]);
    expect(await rewrapDataKeys(t.db, ringB, { batchSize: 1 })).toEqual({ rewrapped: 2, alreadyCurrent: 0 });
    const after = await t.db.select().from(teamDataKeys);
    expect(after.map((r) => r.masterKeyId)).toEqual([masterKeyId(keyB), masterKeyId(keyB)]);
    for (const row of after) expect(row.wrappedKey).not.toBe(before.find((b) => b.id === row.id)!.wrappedKey);
    expect(await rewrapDataKeys(t.db, ringB)).toEqual({ rewrapped: 0, alreadyCurrent: 2 });

    // The old master key can go: the new one alone reads every recording; the old one alone reads none.
    forgetAll();
    const onlyB = masterKeyRing(keyB);
    const readWith = async (ring: typeof onlyB, teamId: string, file: Buffer) => {
      const keyId = (await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, teamId)))[0]!.id;
      return decryptRecording(file, await dataKeyById(t.db, ring, teamId, keyId));
    };
    expect((await readWith(onlyB, t.teamA, sealed.a)).equals(plain.a)).toBe(true);
    expect((await readWith(onlyB, t.teamB, sealed.b)).equals(plain.b)).toBe(true);
    forgetAll();
    await expect(readWith(masterKeyRing(keyA), t.teamA, sealed.a)).rejects.toThrow(/neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS/);
  });

  it("npm run keys:rotate re-wraps under the new ENCRYPTION_KEY, then reports nothing left to do", async () => {
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/keys-rotate.ts"], {
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", DATABASE_URL: t.url, ...env },
      }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    // Secrets sealed with the old keys: a team's own Twilio token, a webhook signing secret.
    await t.db.update(teams).set({ twilioAuthTokenEnc: sealSecret("twilio-token", keyA) }).where(eq(teams.id, t.teamA));
    const [endpoint] = await t.db
      .insert(webhookEndpoints)
      .values({ teamId: t.teamB, url: "https://example.test/hook", events: ["call.completed"], secretEnc: sealSecret("whsec", keyB) })
      .returning();
    const first = await run({ ENCRYPTION_KEY: keyC.toString("base64"), ENCRYPTION_KEY_PREVIOUS: `${keyA.toString("base64")}, ${keyB.toString("base64")}` });
    expect(first.out).toContain("2 data key(s) re-wrapped, 0 already current");
    expect(first.out).toContain("2 stored secret(s) re-sealed");
    const [teamRow] = await t.db.select().from(teams).where(eq(teams.id, t.teamA));
    expect(openSecret(teamRow!.twilioAuthTokenEnc!, keyC)).toBe("twilio-token");
    const [endpointRow] = await t.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint!.id));
    expect(openSecret(endpointRow!.secretEnc, keyC)).toBe("whsec");
    expect(first.code).toBe(0);
    const second = await run({ ENCRYPTION_KEY: keyC.toString("base64"), ENCRYPTION_KEY_PREVIOUS: keyB.toString("base64") });
    expect(second.out).toContain("0 data key(s) re-wrapped, 2 already current");
    expect(second.out).toContain("0 stored secret(s) re-sealed");
    expect(second.code).toBe(0);
    expect(new Set((await t.db.select().from(teamDataKeys)).map((r) => r.masterKeyId))).toEqual(new Set([masterKeyId(keyC)]));
    // A ring that cannot unwrap the keys fails loudly and changes nothing.
    const wrong = await run({ ENCRYPTION_KEY: keyA.toString("base64") });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS/);
    expect(new Set((await t.db.select().from(teamDataKeys)).map((r) => r.masterKeyId))).toEqual(new Set([masterKeyId(keyC)]));
  });
});
