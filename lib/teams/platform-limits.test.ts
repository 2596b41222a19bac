import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { phoneNumbers, teams } from "@/db/schema";
import { buyNumber } from "@/lib/numbers/buy-number";
import type { TNumbersConfig } from "@/lib/numbers/config";
import { releaseNumber } from "@/lib/numbers/release-number";
import { searchAvailableNumbers } from "@/lib/numbers/search-available-numbers";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { signUp } from "./sign-up";
import { updateTeamSettings } from "./update-team-settings";

// Platform caps, through the real twilio SDK against the fake Twilio REST API and a real database.
describe("platform caps per team", async () => {
  const t = await createTestDb();
  const fake = await FakeTwilioRest.start();
  const config: TNumbersConfig = {
    platform: { accountSid: fake.mainAccount.sid, authToken: fake.mainAccount.authToken },
    isSandbox: false,
    apiBaseUrl: fake.url,
    secretKey: randomBytes(32),
    voicePublicUrl: "https://voice.example.test/",
    maxNumbersPerTeam: 2,
  };
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });

  let seq = 0;
  async function tenant(label: string) {
    seq += 1;
    const { user, team } = await signUp(t.db, { name: label, email: `caps-${label}-${seq}@example.test`, password: "password-caps-1", companyName: `${label} ${seq}` });
    return { team, actor: { userId: user.id, label: user.email } };
  }
  const activeOf = (teamId: string) =>
    t.db.select().from(phoneNumbers).where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")));
  const ownedInFake = () => [...fake.numbers.values()].length;
  async function pick(teamId: string, n: number) {
    const found = await searchAvailableNumbers(t.db, teamId, config, { country: "US" });
    const taken = new Set([...fake.numbers.values()].map((x) => x.phoneNumber));
    return found.numbers.map((x) => x.phoneNumber).filter((p) => !taken.has(p)).slice(0, n);
  }

  it("a team cannot buy past PLATFORM_MAX_NUMBERS_PER_TEAM, and nothing is bought in Twilio when refused; other teams are unaffected", async () => {
    const a = await tenant("Alpha");
    const b = await tenant("Beta");
    const [n1, n2, n3, n4] = await pick(a.team.id, 4);
    await buyNumber(t.db, a.team.id, a.actor, config, { phoneNumber: n1! });
    await buyNumber(t.db, a.team.id, a.actor, config, { phoneNumber: n2! });
    const before = ownedInFake();
    await expect(buyNumber(t.db, a.team.id, a.actor, config, { phoneNumber: n3! })).rejects.toMatchObject({
      code: "conflict",
      message: "This team already has 2 phone numbers, the most the platform allows (2). Release one first, or ask the platform operator to raise PLATFORM_MAX_NUMBERS_PER_TEAM.",
    });
    expect(ownedInFake()).toBe(before);
    expect(await activeOf(a.team.id)).toHaveLength(2);
    // Team B has its own allowance.
    await buyNumber(t.db, b.team.id, b.actor, config, { phoneNumber: n3! });
    // Releasing one frees a slot.
    const [first] = await activeOf(a.team.id);
    await releaseNumber(t.db, a.team.id, a.actor, config, { numberId: first!.id });
    await buyNumber(t.db, a.team.id, a.actor, config, { phoneNumber: n4! });
    expect(await activeOf(a.team.id)).toHaveLength(2);
  });

  it("two purchases racing for the last slot: one is kept, the other is undone in Twilio with the cap's message", async () => {
    const c = await tenant("Gamma");
    const [n1, n2, n3] = await pick(c.team.id, 3);
    await buyNumber(t.db, c.team.id, c.actor, config, { phoneNumber: n1! });
    const results = await Promise.allSettled([
      buyNumber(t.db, c.team.id, c.actor, config, { phoneNumber: n2! }),
      buyNumber(t.db, c.team.id, c.actor, config, { phoneNumber: n3! }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused?.reason).toMatchObject({ code: "conflict", message: expect.stringContaining("the most the platform allows (2)") });
    expect(await activeOf(c.team.id)).toHaveLength(2);
    const loser = [n2!, n3!].find((n) => !results.some((r) => r.status === "fulfilled" && r.value.number.e164 === n));
    expect([...fake.numbers.values()].filter((x) => x.phoneNumber === loser)).toEqual([]);
  });

  it("the concurrent-call limit cannot be set above PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM", async () => {
    const d = await tenant("Delta");
    const settings = { name: d.team.name, concurrentCallLimit: 51 };
    await expect(updateTeamSettings(t.db, d.team, d.actor, settings, 50)).rejects.toMatchObject({
      code: "bad_request",
      message: "The concurrent call limit can be at most 50 on this platform. Ask the platform operator if you need more.",
    });
    const updated = await updateTeamSettings(t.db, d.team, d.actor, { ...settings, concurrentCallLimit: 50 }, 50);
    expect(updated.concurrentCallLimit).toBe(50);
    // Set before the cap was lowered: kept when other settings are saved, but it cannot go up.
    const [high] = await t.db.update(teams).set({ concurrentCallLimit: 80 }).where(eq(teams.id, d.team.id)).returning();
    const renamed = await updateTeamSettings(t.db, high!, d.actor, { ...settings, name: "Delta renamed", concurrentCallLimit: 80 }, 50);
    expect(renamed).toMatchObject({ name: "Delta renamed", concurrentCallLimit: 80 });
    await expect(updateTeamSettings(t.db, renamed, d.actor, { ...settings, concurrentCallLimit: 81 }, 50)).rejects.toMatchObject({ code: "bad_request" });
  });
});
