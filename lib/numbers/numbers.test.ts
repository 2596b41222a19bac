import { randomBytes } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { agents, agentVersions, auditLogs, calls, phoneNumbers, teams } from "@/db/schema";
import { ZAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { openSecret } from "@/lib/crypto/secret-box";
import { signUp } from "@/lib/teams/sign-up";
import { resolveTwilioAccount } from "@/lib/twilio/credentials";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { assignNumber } from "./assign-number";
import { buyNumber } from "./buy-number";
import type { TNumbersConfig } from "./config";
import { importNumber, listImportableNumbers } from "./import-number";
import { listNumbers } from "./list-numbers";
import { releaseNumber } from "./release-number";
import { searchAvailableNumbers } from "./search-available-numbers";
import { connectOwnTwilioAccount, getTeamTwilio, switchToPlatformTwilio } from "./twilio-account";

// The real twilio SDK against the local fake Twilio REST API, and a real database.
describe("phone numbers through Twilio", async () => {
  const t = await createTestDb();
  const fake = await FakeTwilioRest.start();
  const config: TNumbersConfig = {
    platform: { accountSid: fake.mainAccount.sid, authToken: fake.mainAccount.authToken },
    isSandbox: false,
    apiBaseUrl: fake.url,
    secretKey: randomBytes(32),
    voicePublicUrl: "https://voice.example.test/",
  };
  afterAll(async () => {
    await fake.close();
    await t.drop();
  });

  let seq = 0;
  async function tenant(label: string) {
    seq += 1;
    const { user, team } = await signUp(t.db, {
      name: label,
      email: `${label.toLowerCase()}-${seq}@example.test`,
      password: "password-numbers",
      companyName: `${label} ${seq}`,
    });
    return { team, actor: { userId: user.id, label: user.email } };
  }

  async function addAgent(teamId: string, name: string, isPublished: boolean) {
    const [agent] = await t.db.insert(agents).values({ teamId, name, config: ZAgentConfig.parse({ greeting: `Hi, ${name} here.` }) }).returning();
    if (!agent) throw new Error("no agent");
    if (isPublished) {
      const [version] = await t.db
        .insert(agentVersions)
        .values({ teamId, agentId: agent.id, version: 1, snapshot: { agentName: name } as unknown as TAgentSnapshot })
        .returning();
      await t.db.update(agents).set({ publishedVersionId: version!.id }).where(eq(agents.id, agent.id));
    }
    return agent;
  }

  const rowsOf = (teamId: string) => t.db.select().from(phoneNumbers).where(eq(phoneNumbers.teamId, teamId));
  const auditOf = (teamId: string, action: string) =>
    t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, teamId), eq(auditLogs.action, action))).orderBy(asc(auditLogs.createdAt));
  const subaccountsOf = (teamId: string) => [...fake.accounts.values()].filter((a) => a.friendlyName.includes(teamId));
  const ownedInFake = (e164: string) => [...fake.numbers.values()].filter((n) => n.phoneNumber === e164);

  it("creates one subaccount per team, even when first uses race", async () => {
    const { team, actor } = await tenant("Racer");
    const results = await Promise.all(Array.from({ length: 5 }, () => getTeamTwilio(t.db, team.id, config, actor)));
    expect(new Set(results.map((r) => r.accountSid)).size).toBe(1);
    const subs = subaccountsOf(team.id);
    expect(subs).toHaveLength(1);
    expect(subs[0]!.ownerAccountSid).toBe(fake.mainAccount.sid);
    expect(subs[0]!.friendlyName).toBe(`${team.name} (${team.id})`);

    const [stored] = await t.db.select().from(teams).where(eq(teams.id, team.id));
    expect(stored?.twilioAccountSid).toBe(subs[0]!.sid);
    expect(stored?.twilioAuthTokenEnc).not.toContain(subs[0]!.authToken);
    expect(openSecret(stored!.twilioAuthTokenEnc!, config.secretKey!)).toBe(subs[0]!.authToken);
    expect(await auditOf(team.id, "twilio.subaccount_created")).toHaveLength(1);
    // The voice server can verify webhooks of the subaccount with what was stored.
    const resolved = await resolveTwilioAccount(t.db, subs[0]!.sid, { platform: config.platform!, secretKey: config.secretKey! });
    expect(resolved).toMatchObject({ teamId: team.id, authToken: subs[0]!.authToken });

    const other = await tenant("Other");
    const [a, b] = await Promise.all([
      buyNumber(t.db, other.team.id, other.actor, config, { phoneNumber: "+13125550100" }),
      buyNumber(t.db, other.team.id, other.actor, config, { phoneNumber: "+13125550101" }),
    ]);
    expect(subaccountsOf(other.team.id)).toHaveLength(1);
    expect(a.number.twilioAccountSid).toBe(b.number.twilioAccountSid);
    expect(a.number.twilioAccountSid).not.toBe(subs[0]!.sid);
  });

  it("searches, then buys a number on the team's subaccount with the voice server's webhooks", async () => {
    const { team, actor } = await tenant("Buyer");
    const found = await searchAvailableNumbers(t.db, team.id, config, { country: "US", areaCode: "415" });
    expect(found.numbers.length).toBeGreaterThan(0);
    expect(found.numbers[0]).toMatchObject({ locality: "San Francisco", isoCountry: "US", capabilities: { voice: true } });
    // Looking does not create a subaccount; buying does.
    expect(subaccountsOf(team.id)).toHaveLength(0);
    const digits = await searchAvailableNumbers(t.db, team.id, config, { country: "US", contains: "5550119" });
    expect(digits.numbers.every((n) => n.phoneNumber.includes("5550119"))).toBe(true);

    const pick = found.numbers[0]!.phoneNumber;
    const { number, message } = await buyNumber(t.db, team.id, actor, config, { phoneNumber: pick });
    expect(message).toContain(`Bought ${pick}`);
    const [inTwilio] = ownedInFake(pick);
    expect(inTwilio?.accountSid).toBe(subaccountsOf(team.id)[0]!.sid);
    expect(inTwilio?.fields).toMatchObject({
      VoiceUrl: "https://voice.example.test/twilio/voice",
      VoiceMethod: "POST",
      StatusCallback: "https://voice.example.test/twilio/status",
      StatusCallbackMethod: "POST",
    });
    expect(number).toMatchObject({ e164: pick, twilioSid: inTwilio!.sid, twilioAccountSid: inTwilio!.accountSid, source: "purchased", status: "active", isVoiceConfigured: true, country: "US" });
    expect(await auditOf(team.id, "number.purchased")).toHaveLength(1);
    const again = await searchAvailableNumbers(t.db, team.id, config, { country: "US", areaCode: "415" });
    expect(again.numbers.map((n) => n.phoneNumber)).not.toContain(pick);
  });

  it("a search shows the monthly price, and one that finds nothing says which area codes have numbers", async () => {
    const { team } = await tenant("Shopper");
    const found = await searchAvailableNumbers(t.db, team.id, config, { country: "US", areaCode: "415" });
    expect(found.price).toMatchObject({ amount: 1.15, currency: "USD" });
    expect(found.alternatives).toBeNull();
    const none = await searchAvailableNumbers(t.db, team.id, config, { country: "US", areaCode: "999" });
    expect(none.numbers).toEqual([]);
    expect(none.alternatives?.areaCodes).toEqual(expect.arrayContaining(["212", "415"]));
    expect(none.alternatives?.areaCodes).not.toContain("999");
    const noDigits = await searchAvailableNumbers(t.db, team.id, config, { country: "GB", contains: "99999" });
    expect(noDigits.numbers).toEqual([]);
    expect(noDigits.alternatives).toMatchObject({ areaCodes: [] });
    expect(noDigits.alternatives!.count).toBeGreaterThan(0);
    // Looking still creates no subaccount.
    expect(subaccountsOf(team.id)).toHaveLength(0);
  });

  it("a purchase Twilio refuses leaves no row and says why", async () => {
    const { team, actor } = await tenant("Refused");
    await expect(buyNumber(t.db, team.id, actor, config, { phoneNumber: "+14155559999" })).rejects.toMatchObject({
      code: "conflict",
      message: "+14155559999 is no longer available. Search again and pick another number.",
    });
    const sub = subaccountsOf(team.id)[0]!;
    fake.setPurchaseError(sub.sid, { status: 400, code: 21404, message: "Insufficient funds" });
    await expect(buyNumber(t.db, team.id, actor, config, { phoneNumber: "+14155550110" })).rejects.toThrow(/does not have enough funds/);
    fake.setPurchaseError(sub.sid, null);

    const unreachable = { ...config, apiBaseUrl: "http://127.0.0.1:9" };
    await expect(buyNumber(t.db, team.id, actor, unreachable, { phoneNumber: "+14155550110" })).rejects.toThrow("Twilio could not be reached");
    const badPlatform = await tenant("BadPlatform");
    const wrongToken = { ...config, platform: { ...config.platform!, authToken: "wrong-token-wrong-token" } };
    await expect(buyNumber(t.db, badPlatform.team.id, badPlatform.actor, wrongToken, { phoneNumber: "+14155550110" })).rejects.toThrow(
      /rejected the platform's credentials/,
    );

    expect(await rowsOf(team.id)).toHaveLength(0);
    expect(await rowsOf(badPlatform.team.id)).toHaveLength(0);
    expect(ownedInFake("+14155550110")).toHaveLength(0);
  });

  it("a number that cannot be saved is released in Twilio again", async () => {
    const holder = await tenant("Holder");
    await t.db.insert(phoneNumbers).values({
      teamId: holder.team.id,
      e164: "+14155550105",
      twilioSid: `PN${"1".repeat(32)}`,
      twilioAccountSid: `AC${"2".repeat(32)}`,
      source: "imported",
      isVoiceConfigured: true,
    });
    const { team, actor } = await tenant("Loser");
    await expect(buyNumber(t.db, team.id, actor, config, { phoneNumber: "+14155550105" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("purchase was undone in Twilio"),
    });
    expect(ownedInFake("+14155550105")).toHaveLength(0);
    const sub = subaccountsOf(team.id)[0]!;
    expect(fake.requests.filter((r) => r.method === "DELETE" && r.path.includes(`/Accounts/${sub.sid}/IncomingPhoneNumbers/`))).toHaveLength(1);
    expect(await rowsOf(team.id)).toHaveLength(0);
    expect(await auditOf(team.id, "number.purchased")).toHaveLength(0);
  });

  it("releases in Twilio, then marks the number released; one already gone from Twilio is released too", async () => {
    const { team, actor } = await tenant("Releaser");
    const { number } = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+12125550100" });

    fake.faults.push({ status: 503, code: 20503, message: "Service unavailable" }, 1, (r) => r.method === "DELETE");
    await expect(releaseNumber(t.db, team.id, actor, config, { numberId: number.id })).rejects.toThrow(/Twilio had a problem/);
    expect((await rowsOf(team.id))[0]?.status).toBe("active");

    const released = await releaseNumber(t.db, team.id, actor, config, { numberId: number.id });
    expect(released.wasAlreadyGone).toBe(false);
    expect(fake.numbers.has(number.twilioSid)).toBe(false);
    const [row] = await rowsOf(team.id);
    expect(row).toMatchObject({ status: "released", isVoiceConfigured: false });
    expect(row?.releasedAt).toBeInstanceOf(Date);
    await expect(releaseNumber(t.db, team.id, actor, config, { numberId: number.id })).rejects.toMatchObject({ code: "not_found" });

    const second = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+12125550101" });
    fake.numbers.delete(second.number.twilioSid); // released in the Twilio console
    const gone = await releaseNumber(t.db, team.id, actor, config, { numberId: second.number.id });
    expect(gone.wasAlreadyGone).toBe(true);
    expect(gone.number.status).toBe("released");
    expect(await auditOf(team.id, "number.released")).toHaveLength(2);
    // The same number can be bought again once released.
    const rebought = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+12125550100" });
    expect(rebought.number.status).toBe("active");
  });

  it("imports a number the team already owns in Twilio", async () => {
    const { team, actor } = await tenant("Importer");
    expect(await listImportableNumbers(t.db, team.id, config)).toEqual({ accountSid: null, numbers: [] });
    const { accountSid } = await getTeamTwilio(t.db, team.id, config, actor);
    const owned = await fake.client(accountSid).incomingPhoneNumbers.create({ phoneNumber: "+15125550100", voiceUrl: "https://old.example.test/hook" });

    const importable = await listImportableNumbers(t.db, team.id, config);
    expect(importable.numbers).toEqual([
      { sid: owned.sid, phoneNumber: "+15125550100", friendlyName: "(512) 555-0100", currentVoiceUrl: "https://old.example.test/hook" },
    ]);
    const { number } = await importNumber(t.db, team.id, actor, config, { twilioSid: owned.sid });
    expect(number).toMatchObject({ e164: "+15125550100", source: "imported", twilioSid: owned.sid, twilioAccountSid: accountSid, isVoiceConfigured: true });
    expect(fake.numbers.get(owned.sid)?.fields).toMatchObject({
      VoiceUrl: "https://voice.example.test/twilio/voice",
      StatusCallback: "https://voice.example.test/twilio/status",
    });
    expect((await listImportableNumbers(t.db, team.id, config)).numbers).toEqual([]);
    await expect(importNumber(t.db, team.id, actor, config, { twilioSid: owned.sid })).rejects.toThrow("already one of this team's numbers");
    await expect(importNumber(t.db, team.id, actor, config, { twilioSid: `PN${"0".repeat(32)}` })).rejects.toMatchObject({ code: "not_found" });
    expect(await auditOf(team.id, "number.imported")).toHaveLength(1);
  });

  it("assigns, reassigns and unassigns, and reconfigures a number whose webhooks were lost", async () => {
    const { team, actor } = await tenant("Assigner");
    const live = await addAgent(team.id, "Front desk", true);
    const draft = await addAgent(team.id, "Night shift", false);
    const { number } = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+12125550102", agentId: live.id });
    expect(number.agentId).toBe(live.id);

    const toDraft = await assignNumber(t.db, team.id, actor, config, { numberId: number.id, agentId: draft.id });
    expect(toDraft.message).toBe("+12125550102 now goes to Night shift. Night shift is not live until it is published.");
    let listed = (await listNumbers(t.db, team.id)).active[0]!;
    expect(listed.agent).toEqual({ id: draft.id, name: "Night shift", isLive: false });
    expect(listed.attention).toEqual(["agent_not_live"]);

    // Someone pointed the number elsewhere; assigning sets the webhooks again.
    fake.numbers.get(number.twilioSid)!.fields.VoiceUrl = "https://elsewhere.example.test/";
    await t.db.update(phoneNumbers).set({ isVoiceConfigured: false }).where(eq(phoneNumbers.id, number.id));
    await assignNumber(t.db, team.id, actor, config, { numberId: number.id, agentId: live.id });
    expect(fake.numbers.get(number.twilioSid)?.fields.VoiceUrl).toBe("https://voice.example.test/twilio/voice");
    listed = (await listNumbers(t.db, team.id)).active[0]!;
    expect(listed).toMatchObject({ isVoiceConfigured: true, attention: [], agent: { name: "Front desk", isLive: true } });

    const none = await assignNumber(t.db, team.id, actor, config, { numberId: number.id });
    expect(none.number.agentId).toBeNull();
    expect((await listNumbers(t.db, team.id)).active[0]!.attention).toEqual(["no_agent"]);
    const assigned = await auditOf(team.id, "number.assigned");
    expect(assigned.map((a) => a.metadata)).toEqual([
      { changes: { agent: { from: "Front desk", to: "Night shift" } } },
      { changes: { agent: { from: "Night shift", to: "Front desk" } } },
    ]);
    expect(await auditOf(team.id, "number.unassigned")).toHaveLength(1);
  });

  it("counts calls since UTC midnight per number", async () => {
    const { team, actor } = await tenant("Counter");
    const { number } = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+12125550103" });
    const now = new Date("2030-05-06T10:00:00Z");
    await t.db.insert(calls).values([
      { teamId: team.id, phoneNumberId: number.id, direction: "inbound", startedAt: new Date("2030-05-06T00:00:01Z") },
      { teamId: team.id, phoneNumberId: number.id, direction: "inbound", startedAt: new Date("2030-05-06T09:59:00Z") },
      { teamId: team.id, phoneNumberId: number.id, direction: "inbound", startedAt: new Date("2030-05-05T23:59:59Z") },
    ]);
    const { active } = await listNumbers(t.db, team.id, now);
    expect(active[0]).toMatchObject({ e164: "+12125550103", callsToday: 2, attention: ["no_agent"] });
  });

  it("keeps teams apart: no one uses another team's numbers or agents", async () => {
    const a = await tenant("Alpha");
    const b = await tenant("Beta");
    const agentA = await addAgent(a.team.id, "Alpha agent", true);
    const agentB = await addAgent(b.team.id, "Beta agent", true);
    const { number: numberA } = await buyNumber(t.db, a.team.id, a.actor, config, { phoneNumber: "+12125550104", agentId: agentA.id });
    const { number: numberB } = await buyNumber(t.db, b.team.id, b.actor, config, { phoneNumber: "+12125550105" });

    await expect(assignNumber(t.db, b.team.id, b.actor, config, { numberId: numberA.id, agentId: agentB.id })).rejects.toMatchObject({ code: "not_found" });
    await expect(assignNumber(t.db, b.team.id, b.actor, config, { numberId: numberB.id, agentId: agentA.id })).rejects.toMatchObject({ code: "not_found" });
    await expect(releaseNumber(t.db, b.team.id, b.actor, config, { numberId: numberA.id })).rejects.toMatchObject({ code: "not_found" });
    const purchasesBefore = fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/IncomingPhoneNumbers.json")).length;
    await expect(buyNumber(t.db, b.team.id, b.actor, config, { phoneNumber: "+12125550106", agentId: agentA.id })).rejects.toMatchObject({ code: "not_found" });
    expect(fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/IncomingPhoneNumbers.json")).length).toBe(purchasesBefore);
    // A's number is untouched, in the database and in Twilio.
    const [rowA] = await rowsOf(a.team.id);
    expect(rowA).toMatchObject({ status: "active", agentId: agentA.id });
    expect(fake.numbers.has(numberA.twilioSid)).toBe(true);
    // B cannot import A's number: it is not in B's Twilio account.
    await expect(importNumber(t.db, b.team.id, b.actor, config, { twilioSid: numberA.twilioSid })).rejects.toMatchObject({ code: "not_found" });
    expect((await listNumbers(t.db, b.team.id)).active.map((n) => n.e164)).toEqual(["+12125550105"]);
  });

  it("connects the team's own Twilio account and switches back to the platform", async () => {
    const { team, actor } = await tenant("Owner");
    const platformSub = await getTeamTwilio(t.db, team.id, config, actor);
    const own = await fake.client().api.v2010.accounts.create({ friendlyName: "Customer's own account" });

    await expect(
      connectOwnTwilioAccount(t.db, team.id, actor, { accountSid: own.sid, authToken: "0123456789abcdef0123456789abcdef" }, config),
    ).rejects.toThrow(/rejected the account credentials/);
    await expect(
      connectOwnTwilioAccount(t.db, team.id, actor, { accountSid: config.platform!.accountSid, authToken: config.platform!.authToken }, config),
    ).rejects.toThrow(/platform's own Twilio account/);

    const connected = await connectOwnTwilioAccount(t.db, team.id, actor, { accountSid: own.sid, authToken: own.authToken }, config);
    expect(connected.friendlyName).toBe("Customer's own account");
    const [stored] = await t.db.select().from(teams).where(eq(teams.id, team.id));
    expect(stored).toMatchObject({ twilioMode: "own_account", twilioAccountSid: own.sid });
    expect(stored?.twilioAuthTokenEnc).not.toContain(own.authToken);
    expect(await auditOf(team.id, "twilio.account_connected")).toHaveLength(1);

    const { number } = await buyNumber(t.db, team.id, actor, config, { phoneNumber: "+13125550105" });
    expect(number.twilioAccountSid).toBe(own.sid);
    expect(fake.numbers.get(number.twilioSid)?.accountSid).toBe(own.sid);

    const other = await tenant("Copycat");
    await expect(
      connectOwnTwilioAccount(t.db, other.team.id, other.actor, { accountSid: own.sid, authToken: own.authToken }, config),
    ).rejects.toThrow("already connected to another team");

    await expect(switchToPlatformTwilio(t.db, team.id, actor)).rejects.toThrow(/1 active number/);
    await releaseNumber(t.db, team.id, actor, config, { numberId: number.id });
    await switchToPlatformTwilio(t.db, team.id, actor);
    const [back] = await t.db.select().from(teams).where(eq(teams.id, team.id));
    expect(back).toMatchObject({ twilioMode: "platform_subaccount", twilioAccountSid: null, twilioAuthTokenEnc: null });
    // The earlier subaccount is found again by name rather than a second one created.
    const again = await getTeamTwilio(t.db, team.id, config, actor);
    expect(again.accountSid).toBe(platformSub.accountSid);
    expect(subaccountsOf(team.id)).toHaveLength(1);
  });
});
