import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { agentVersions, departments, phoneNumbers, teams } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { addDepartment, updateDepartment } from "@/lib/agents/departments";
import { publishAgent } from "@/lib/agents/publish-agent";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { checkTransferDestination, loadTransferPolicy, updateTransferCountries, ZTransferCountries } from "./transfer-policy";

describe("checkTransferDestination", () => {
  const usCa = ["US", "CA"];
  it("accepts ordinary numbers in allowed countries and returns E.164", () => {
    expect(checkTransferDestination("+1 (415) 555-0123", usCa)).toEqual({ ok: true, e164: "+14155550123", country: "US" });
    expect(checkTransferDestination("+16045551234", usCa)).toMatchObject({ ok: true, country: "CA" });
    expect(checkTransferDestination("+18005551234", usCa)).toMatchObject({ ok: true }); // toll-free
    expect(checkTransferDestination("+442079460958", ["GB"])).toMatchObject({ ok: true, country: "GB" });
  });

  it("refuses invalid numbers, premium-rate, shared-cost, personal-number and unclassifiable numbers", () => {
    expect(checkTransferDestination("555-0123", usCa)).toMatchObject({ ok: false, reason: "invalid" });
    expect(checkTransferDestination("+15550001234", usCa)).toMatchObject({ ok: false, reason: "invalid" });
    expect(checkTransferDestination("+19005551234", usCa)).toMatchObject({ ok: false, reason: "costly", message: "+19005551234 is a premium-rate number. Transfers only go to ordinary fixed-line, mobile or toll-free numbers." });
    expect(checkTransferDestination("+449098790000", ["GB"])).toMatchObject({ ok: false, reason: "costly" });
    expect(checkTransferDestination("+34901123456", ["ES"])).toMatchObject({ ok: false, reason: "costly", message: expect.stringContaining("shared-cost") });
    expect(checkTransferDestination("+447012345678", ["GB"])).toMatchObject({ ok: false, reason: "costly", message: expect.stringContaining("personal-number") });
    expect(checkTransferDestination("+882123456789", usCa)).toMatchObject({ ok: false });
  });

  it("refuses countries outside the allow-list, including NANP islands that share +1", () => {
    expect(checkTransferDestination("+33612345678", usCa)).toMatchObject({ ok: false, reason: "country", message: expect.stringContaining("France") });
    expect(checkTransferDestination("+18762345678", usCa)).toMatchObject({ ok: false, reason: "country", message: expect.stringContaining("Jamaica") });
  });

  it("parses the Settings field", () => {
    expect(ZTransferCountries.parse(" gb, us;fr us")).toEqual(["FR", "GB", "US"]);
    expect(ZTransferCountries.parse("")).toBeNull();
    expect(ZTransferCountries.safeParse("US, XX, EU").error?.issues[0]?.message).toBe("Not a country code: XX, EU. Use two-letter codes such as US, CA, GB.");
  });
});

describe("the team's transfer policy, enforced where departments are saved and published", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const a = await signUp(t.db, { name: "A", email: "transfer-a@example.test", password: "password-aaaa", companyName: "Alpha" });
  const b = await signUp(t.db, { name: "B", email: "transfer-b@example.test", password: "password-bbbb", companyName: "Beta" });
  const actor = { userId: a.user.id, label: a.user.email };

  it("defaults to the countries of the team's numbers, else US and CA; an explicit list wins; teams do not share it", async () => {
    expect(await loadTransferPolicy(t.db, a.team.id)).toEqual({ countries: ["CA", "US"], isDefault: true });
    await t.db.insert(phoneNumbers).values({ teamId: b.team.id, e164: "+442079460001", twilioSid: "PNb1", twilioAccountSid: "ACb", source: "purchased", country: "GB" });
    expect(await loadTransferPolicy(t.db, b.team.id)).toEqual({ countries: ["GB"], isDefault: true });
    const [teamA] = await t.db.select().from(teams).where(eq(teams.id, a.team.id));
    await updateTransferCountries(t.db, teamA!, actor, ["DE", "US"]);
    expect(await loadTransferPolicy(t.db, a.team.id)).toEqual({ countries: ["DE", "US"], isDefault: false });
    expect(await loadTransferPolicy(t.db, b.team.id)).toEqual({ countries: ["GB"], isDefault: true });
    await updateTransferCountries(t.db, { ...teamA!, transferCountries: ["DE", "US"] }, actor, null);
    expect(await loadTransferPolicy(t.db, a.team.id)).toMatchObject({ isDefault: true });
  });

  it("saving a department refuses premium-rate and disallowed countries with a clear error, and stores E.164", async () => {
    const agent = await createAgent(t.db, a.team, actor, { name: "Desk", templateKey: "blank" });
    const scope = { teamId: a.team.id, agentId: agent.id };
    await expect(addDepartment(t.db, scope, actor, { name: "Hotline", phoneNumber: "+19005551234", whenToTransfer: "" })).rejects.toMatchObject({
      code: "bad_request",
      message: "Phone number: +19005551234 is a premium-rate number. Transfers only go to ordinary fixed-line, mobile or toll-free numbers.",
    });
    await expect(addDepartment(t.db, scope, actor, { name: "Paris", phoneNumber: "+33612345678", whenToTransfer: "" })).rejects.toMatchObject({
      message: "Phone number: +33612345678 is in France, which this team does not transfer to. An owner or admin can allow it in Settings.",
    });
    const sales = await addDepartment(t.db, scope, actor, { name: "Sales", phoneNumber: "+14155550123", whenToTransfer: "" });
    expect(sales.phoneNumber).toBe("+14155550123");
    await expect(
      updateDepartment(t.db, { ...scope, departmentId: sales.id }, actor, { name: "Sales", phoneNumber: "+447012345678", whenToTransfer: "" }),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(await t.db.select({ n: departments.phoneNumber }).from(departments).where(eq(departments.agentId, agent.id))).toEqual([{ n: "+14155550123" }]);
  });

  it("publishing refuses a stored number that breaks the rules (saved before them, or countries narrowed since)", async () => {
    const agent = await createAgent(t.db, a.team, actor, { name: "Old", templateKey: "blank" });
    await t.db.insert(departments).values({ teamId: a.team.id, agentId: agent.id, name: "Legacy", phoneNumber: "+19005551234", whenToTransfer: "" });
    const error = await publishAgent(t.db, a.team, actor, { agentId: agent.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bad_request" });
    expect((error as { details: { problems: string[] } }).details.problems).toContain(
      'Department "Legacy": +19005551234 is a premium-rate number. Transfers only go to ordinary fixed-line, mobile or toll-free numbers.',
    );
    expect(await t.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id))).toEqual([]);
  });
});
