import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, phoneNumbers, teamDataKeys, teams, type Team } from "@/db/schema";
import { DataKeyNotFoundError, teamDataKey } from "@/lib/crypto/data-keys";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { createLocalRecordingStore } from "@/lib/recordings/local-store";
import { openStoredRecording } from "@/lib/recordings/read-recording";
import { encryptRecording } from "@/lib/recordings/recording-cipher";
import { createTestDb } from "@/tests/helpers/db";
import { deleteTeam } from "./delete-team";

let t: Awaited<ReturnType<typeof createTestDb>>;
let dir: string;
const masterKeys = masterKeyRing(randomBytes(32));

beforeAll(async () => {
  t = await createTestDb();
  dir = mkdtempSync(path.join(tmpdir(), "aica-delete-team-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.drop();
});

async function teamWithRecording(name: string) {
  const [team] = await t.db.insert(teams).values({ name, slug: `${name.toLowerCase()}-${randomBytes(4).toString("hex")}` }).returning();
  const [call] = await t.db
    .insert(calls)
    .values({ teamId: team!.id, direction: "inbound", status: "completed", endedAt: new Date() })
    .returning();
  const plain = Buffer.concat([Buffer.from("RIFF"), randomBytes(5000)]);
  const key = `${team!.id}/${call!.id}.wav`;
  await createLocalRecordingStore(dir).put(key, encryptRecording(plain, await teamDataKey(t.db, masterKeys, team!.id)));
  await t.db.update(calls).set({ recordingPath: key, recordingStorage: "local" }).where(eq(calls.id, call!.id));
  return { team: team as Team, callId: call!.id, plain, file: path.join(dir, key) };
}

describe("deleting a team", () => {
  it("needs the typed name and no active numbers, then deletes its rows, files and data key: a backup copy no longer decrypts", async () => {
    const a = await teamWithRecording("Alpha Clinic");
    const b = await teamWithRecording("Beta Dental");
    // A backup of A's recording made before the deletion.
    const backup = readFileSync(a.file);
    const stores = { local: createLocalRecordingStore(dir), s3: null };

    await expect(deleteTeam(t.db, { team: a.team, confirmation: "alpha clinic", stores })).rejects.toThrow(
      "Type the team's name, Alpha Clinic, exactly to confirm.",
    );
    const [number] = await t.db
      .insert(phoneNumbers)
      .values({ teamId: a.team.id, e164: "+15550001111", twilioSid: `PN${randomBytes(16).toString("hex")}`, twilioAccountSid: `AC${"1".repeat(32)}`, source: "purchased" })
      .returning();
    await expect(deleteTeam(t.db, { team: a.team, confirmation: "Alpha Clinic", stores })).rejects.toThrow(/Release the team's 1 phone number/);
    expect(existsSync(a.file)).toBe(true);
    await t.db.update(phoneNumbers).set({ status: "released" }).where(eq(phoneNumbers.id, number!.id));

    expect(await deleteTeam(t.db, { team: a.team, confirmation: " Alpha Clinic ", stores })).toEqual({ recordingsRemoved: 1, recordingsLeft: 0 });
    expect(await t.db.select().from(teams).where(eq(teams.id, a.team.id))).toEqual([]);
    expect(await t.db.select().from(calls).where(eq(calls.teamId, a.team.id))).toEqual([]);
    expect(await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, a.team.id))).toEqual([]);
    expect(existsSync(a.file)).toBe(false);
    expect(existsSync(path.dirname(a.file))).toBe(false);
    await expect(openStoredRecording(t.db, { masterKeys, teamId: a.team.id, bytes: backup })).rejects.toBeInstanceOf(DataKeyNotFoundError);

    // The other team is untouched.
    expect(existsSync(b.file)).toBe(true);
    expect((await openStoredRecording(t.db, { masterKeys, teamId: b.team.id, bytes: readFileSync(b.file) })).equals(b.plain)).toBe(true);
  });

  it("is refused while a call of the team is live", async () => {
    const c = await teamWithRecording("Gamma");
    await t.db.insert(calls).values({ teamId: c.team.id, direction: "inbound", status: "in_progress" });
    await expect(deleteTeam(t.db, { team: c.team, confirmation: "Gamma", stores: { local: null, s3: null } })).rejects.toThrow(/call is in progress/);
    expect(await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, c.team.id))).toHaveLength(1);
  });
});
