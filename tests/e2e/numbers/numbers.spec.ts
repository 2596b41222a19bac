import { and, eq } from "drizzle-orm";
import { expect, test, type Page } from "@playwright/test";
import twilio from "twilio";
import { agents, agentVersions, memberships, phoneNumbers, teams } from "@/db/schema";
import { ZAgentConfig } from "@/lib/agents/config";
import { createTwilioHttpClient } from "@/tests/fakes/twilio-rest";
import { E2E } from "../env";
import { createTenant, e2eDb, formAlert, signInUi } from "../helpers";

// The stack's fake Twilio REST API, seen through the real SDK with the stack's platform account (which also reaches
// every team's subaccount, as a parent account does on Twilio).
function fakeTwilio() {
  return twilio(E2E.twilioAccountSid, E2E.twilioAuthToken, { httpClient: createTwilioHttpClient(E2E.twilioUrl) });
}

async function teamAccountSid(teamId: string): Promise<string> {
  const [team] = await e2eDb().select({ sid: teams.twilioAccountSid }).from(teams).where(eq(teams.id, teamId));
  if (!team?.sid) throw new Error("the team has no Twilio account yet");
  return team.sid;
}

async function addAgent(team: { id: string; name: string }, name: string, isPublished: boolean) {
  const db = e2eDb();
  const config = ZAgentConfig.parse({ greeting: `Thanks for calling ${team.name}.` });
  const [agent] = await db.insert(agents).values({ teamId: team.id, name, config }).returning();
  if (!agent) throw new Error("no agent");
  if (isPublished) {
    const [version] = await db
      .insert(agentVersions)
      .values({ teamId: team.id, agentId: agent.id, version: 1, snapshot: { agentName: name, teamName: team.name, config, knowledge: [], departments: [] } })
      .returning();
    await db.update(agents).set({ publishedVersionId: version!.id }).where(eq(agents.id, agent.id));
  }
  return agent;
}

async function search(page: Page, areaCode: string) {
  const form = page.getByRole("form", { name: "Search numbers" });
  await form.getByLabel("Area code").fill(areaCode);
  await form.getByRole("button", { name: "Search" }).click();
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("listitem").first()).toBeVisible();
  return results;
}

test("search and buy a number: it rings the voice server, takes an agent, and can be released", async ({ page }) => {
  const owner = await createTenant("numbers");
  const agent = await addAgent(owner.team, "Front desk", true);
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/numbers`);
  // The production build with a platform account of its own: no sandbox notice.
  await expect(page.getByRole("heading", { name: "Phone numbers" })).toBeVisible();
  await expect(page.getByText("Sandbox.")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "No numbers yet" })).toBeVisible();

  // Inline validation before anything reaches Twilio.
  await page.getByRole("form", { name: "Search numbers" }).getByLabel("Area code").fill("41");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("An area code has 3 digits")).toBeVisible();

  // An area code without numbers says which area codes have some.
  await page.getByRole("form", { name: "Search numbers" }).getByLabel("Area code").fill("999");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("available-area-codes")).toContainText(/^No numbers in area code 999\. Area codes with numbers for sale(, among others)?: \d{3}/);
  await expect(page.getByTestId("available-area-codes")).toContainText("415");

  const results = await search(page, "415");
  await expect(results.getByRole("listitem")).toHaveCount(20);
  await expect(page.getByTestId("search-capped")).toContainText("Showing the first 20 matches.");
  await expect(results.getByRole("listitem").first()).toContainText("San Francisco, CA");
  // The price shows before buying (the sandbox's configured price here).
  await expect(page.getByTestId("number-price")).toContainText("$1.15 a month");
  // With one agent, it is the default; this test assigns it afterwards, so it buys without one.
  const answerWith = page.getByRole("form", { name: "Available numbers" }).getByLabel("Answer calls with");
  await expect(answerWith).toHaveValue(agent.id);
  await answerWith.selectOption({ label: "No agent yet" });
  const first = results.getByRole("listitem").first();
  const e164 = (await first.getAttribute("data-testid"))!.replace("available-", "");
  await first.getByRole("button", { name: `Buy ${e164}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Bought ${e164}` })).toBeVisible();

  const row = page.getByTestId(`number-${e164}`);
  await expect(row).toContainText("Needs attention");
  await expect(row).toContainText("No agent: callers hear that no one is available.");
  await expect(row.getByTestId("calls-today")).toHaveText("0 calls today");
  await expect(results.getByTestId(`available-${e164}`)).toHaveCount(0);

  // In Twilio the number sits on the team's own subaccount and points at the voice server.
  const accountSid = await teamAccountSid(owner.team.id);
  const [inTwilio] = await fakeTwilio().api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ phoneNumber: e164 });
  expect(inTwilio).toMatchObject({
    phoneNumber: e164,
    voiceUrl: `http://localhost:${E2E.voicePort}/twilio/voice`,
    voiceMethod: "POST",
    statusCallback: `http://localhost:${E2E.voicePort}/twilio/status`,
    statusCallbackMethod: "POST",
  });
  const [subaccount] = await fakeTwilio().api.v2010.accounts.list({ friendlyName: `${owner.team.name} (${owner.team.id})` });
  expect(subaccount?.sid).toBe(accountSid);
  await expect(page.getByTestId("twilio-account")).toContainText(accountSid);

  // Assign it to the agent: the only agent is already offered in the menu, unsaved.
  await expect(row.getByLabel(`Agent for ${e164}`)).toHaveValue(agent.id);
  await row.getByLabel(`Agent for ${e164}`).selectOption({ label: "Front desk" });
  await expect(row.getByText("Unsaved")).toBeVisible();
  await row.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${e164} now goes to Front desk.` })).toBeVisible();
  await expect(row).toContainText("Configured");
  await expect(row.getByRole("link", { name: "Open Front desk" })).toHaveAttribute("href", `/t/${owner.team.slug}/agents/${agent.id}`);
  const [saved] = await e2eDb().select().from(phoneNumbers).where(eq(phoneNumbers.teamId, owner.team.id));
  expect(saved).toMatchObject({ e164, agentId: agent.id, status: "active", isVoiceConfigured: true, twilioAccountSid: accountSid });

  // Release, with confirmation; Cancel keeps it.
  await row.getByRole("button", { name: "Release…" }).click();
  const confirm = page.getByRole("group", { name: `Confirm releasing ${e164}` });
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  await row.getByRole("button", { name: "Release…" }).click();
  await confirm.getByRole("button", { name: `Release ${e164}` }).click();
  await expect(page.getByTestId(`released-${e164}`)).toBeVisible();
  await expect(page.getByTestId(`number-${e164}`)).toHaveCount(0);
  expect(await fakeTwilio().api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ phoneNumber: e164 })).toEqual([]);

  await page.goto(`/t/${owner.team.slug}/settings/audit`);
  for (const action of ["twilio.subaccount_created", "number.purchased", "number.assigned", "number.released"]) {
    await expect(page.getByTestId("audit-row").filter({ hasText: action }).first()).toBeVisible();
  }
});

test("Twilio errors are shown as clear messages, and the database claims nothing", async ({ page }) => {
  const owner = await createTenant("twilio-errors");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/numbers`);
  const results = await search(page, "312");
  const taken = results.getByRole("listitem").first();
  const e164 = (await taken.getAttribute("data-testid"))!.replace("available-", "");
  // Someone else buys it between the search and the click.
  await fakeTwilio().incomingPhoneNumbers.create({ phoneNumber: e164 });
  await taken.getByRole("button", { name: `Buy ${e164}` }).click();
  await expect(formAlert(page)).toHaveText(`${e164} is no longer available. Search again and pick another number.`);
  expect(await e2eDb().select().from(phoneNumbers).where(eq(phoneNumbers.teamId, owner.team.id))).toEqual([]);

  // Bad credentials for an own account.
  await page.getByRole("button", { name: "Connect your own Twilio account" }).click();
  const connect = page.getByRole("form", { name: "Connect a Twilio account" });
  await connect.getByLabel("Account SID").fill("AC123");
  await connect.getByRole("button", { name: "Connect account" }).click();
  await expect(connect.getByText("An Account SID starts with AC followed by 32 letters and digits")).toBeVisible();
  const own = await fakeTwilio().api.v2010.accounts.create({ friendlyName: "Customer account" });
  await connect.getByLabel("Account SID").fill(own.sid);
  await connect.getByLabel("Auth Token").fill("not-the-right-token-at-all");
  await connect.getByRole("button", { name: "Connect account" }).click();
  await expect(connect.getByRole("alert")).toContainText("Twilio rejected the account credentials");

  // The right ones connect; numbers are then bought on that account, and existing ones can be imported.
  const owned = await fakeTwilio().api.v2010.accounts(own.sid).incomingPhoneNumbers.create({ phoneNumber: "+15125550104", voiceUrl: "https://old.example.test/voice" });
  await connect.getByLabel("Account SID").fill(own.sid);
  await connect.getByLabel("Auth Token").fill(own.authToken);
  await connect.getByRole("button", { name: "Connect account" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Connected Twilio account Customer account (${own.sid})` })).toBeVisible();
  await expect(page.getByTestId("twilio-account")).toContainText("own Twilio account");

  await page.getByRole("button", { name: "Find numbers in the team's Twilio account" }).click();
  const importable = page.getByTestId("importable-+15125550104");
  await expect(importable).toContainText("Calls now go to https://old.example.test/voice");
  await importable.getByRole("button", { name: "Import +15125550104" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported +15125550104" })).toBeVisible();
  await expect(page.getByTestId("number-+15125550104")).toContainText("Imported");
  const [afterImport] = await fakeTwilio().api.v2010.accounts(own.sid).incomingPhoneNumbers.list({ phoneNumber: "+15125550104" });
  expect(afterImport?.sid).toBe(owned.sid);
  expect(afterImport?.voiceUrl).toBe(`http://localhost:${E2E.voicePort}/twilio/voice`);
});

test("a viewer sees numbers but cannot change them, and the server refuses when the role changed under an open page", async ({ page }) => {
  const owner = await createTenant("numbers-viewer");
  await addAgent(owner.team, "Night line", false);
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/numbers`);
  const results = await search(page, "512");
  const e164 = (await results.getByRole("listitem").first().getAttribute("data-testid"))!.replace("available-", "");
  await page.getByRole("form", { name: "Available numbers" }).getByLabel("Answer calls with").selectOption({ label: "Night line (not published)" });
  await results.getByRole("button", { name: `Buy ${e164}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Bought ${e164} and assigned it to Night line. Night line is not live until it is published.` })).toBeVisible();
  await expect(page.getByTestId(`number-${e164}`)).toContainText("Night line is not published yet");

  // Demoted to viewer while the page is open: the next purchase is refused by the server.
  await e2eDb().update(memberships).set({ role: "viewer" }).where(and(eq(memberships.teamId, owner.team.id), eq(memberships.userId, owner.user.id)));
  const second = results.getByRole("listitem").nth(1);
  const secondE164 = (await second.getAttribute("data-testid"))!.replace("available-", "");
  await second.getByRole("button", { name: `Buy ${secondE164}` }).click();
  await expect(formAlert(page)).toHaveText("Your role does not allow this action.");
  const rows = await e2eDb().select().from(phoneNumbers).where(eq(phoneNumbers.teamId, owner.team.id));
  expect(rows.map((r) => r.e164)).toEqual([e164]);
  const accountSid = await teamAccountSid(owner.team.id);
  expect(await fakeTwilio().api.v2010.accounts(accountSid).incomingPhoneNumbers.list({ phoneNumber: secondE164 })).toEqual([]);

  // As a viewer the page is read-only.
  await page.reload();
  await expect(page.getByText("You can view numbers. Only owners and admins can change them.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Buy a number" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Release…" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Connect your own Twilio account/ })).toHaveCount(0);
  await expect(page.getByTestId(`number-${e164}`).getByRole("link", { name: "Night line" })).toBeVisible();
});
