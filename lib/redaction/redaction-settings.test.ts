import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, teams, type Team } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { DEFAULT_REDACTION_SETTINGS } from "./redact-text";
import { loadRedactionSettings, redactionSettingsFor, updateRedactionSettings, ZRedactionSettings } from "./redaction-settings";

let t: Awaited<ReturnType<typeof createTestDb>>;
let a: Team;
let b: Team;

beforeAll(async () => {
  t = await createTestDb();
  [a, b] = (await t.db
    .insert(teams)
    .values([
      { name: "A", slug: `a-${randomBytes(4).toString("hex")}` },
      { name: "B", slug: `b-${randomBytes(4).toString("hex")}` },
    ])
    .returning()) as [Team, Team];
});

afterAll(async () => {
  await t?.drop();
});

describe("redaction settings", () => {
  it("default to cards and SSNs on, and a form's unticked boxes mean off", () => {
    expect(DEFAULT_REDACTION_SETTINGS).toEqual({ cardNumbers: true, ssns: true, emails: false, phoneNumbers: false });
    expect(ZRedactionSettings.parse({ cardNumbers: "on", emails: "on" })).toEqual({ cardNumbers: true, ssns: false, emails: true, phoneNumbers: false });
    expect(ZRedactionSettings.parse({ cardNumbers: true, ssns: false, emails: false, phoneNumbers: true })).toMatchObject({ phoneNumbers: true });
  });

  it("are per team, audited, and a change reaches the turn writers' cache at once in this process", async () => {
    expect(await redactionSettingsFor(t.db, a.id)).toEqual(DEFAULT_REDACTION_SETTINGS);
    const next = { cardNumbers: true, ssns: true, emails: true, phoneNumbers: false };
    await updateRedactionSettings(t.db, a, { label: "owner@example.test" }, next);
    expect(await redactionSettingsFor(t.db, a.id)).toEqual(next);
    expect(await loadRedactionSettings(t.db, b.id)).toEqual(DEFAULT_REDACTION_SETTINGS);
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.teamId, a.id));
    expect(audit).toEqual([expect.objectContaining({ action: "team.redaction_changed", metadata: { changes: { emails: { from: false, to: true } } } })]);
    // Saving the same again records nothing.
    await updateRedactionSettings(t.db, a, { label: "owner@example.test" }, next);
    expect(await t.db.select().from(auditLogs).where(eq(auditLogs.teamId, a.id))).toHaveLength(1);
  });
});
