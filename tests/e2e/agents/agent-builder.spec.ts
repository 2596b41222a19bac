import { and, eq } from "drizzle-orm";
import { expect, test, type Page } from "@playwright/test";
import { agents, knowledgeEntries, memberships } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { signUp } from "@/lib/teams/sign-up";
import { createTenant, e2eDb, formAlert, PASSWORD, signInUi, uniqueEmail } from "../helpers";

async function openTab(page: Page, name: string) {
  await page.getByRole("tab", { name }).click();
  await expect(page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
}

function panel(page: Page, key: string) {
  return page.locator(`#panel-${key}`);
}

test("build an agent from a template: knowledge, publish, edit, publish again, roll back, instructions", async ({ page }) => {
  const owner = await createTenant("builder");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents`);
  await expect(page.getByRole("heading", { name: "No agents yet" })).toBeVisible();
  await page.getByRole("link", { name: "New agent" }).click();

  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Reception");
  await page.getByLabel("Time zone for business hours").selectOption("America/Chicago");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);
  await expect(page.getByRole("heading", { name: "Reception", level: 1 })).toBeVisible();
  await expect(page.getByTestId("publish-status")).toContainText("Not published");
  await expect(page.getByText("Your agent is ready as a draft.")).toBeVisible();
  const agentId = page.url().match(/agents\/([0-9a-f-]{36})/)![1]!;

  // Knowledge: the template's entries are there; add a Q&A, then a document from an uploaded file.
  await openTab(page, "Knowledge");
  const knowledge = panel(page, "knowledge");
  await expect(knowledge.getByTestId("knowledge-entry")).toHaveCount(6);
  await knowledge.getByLabel("Question callers ask").fill("Do you validate parking tickets?");
  await knowledge.getByRole("button", { name: "Add question" }).click();
  await expect(knowledge.getByText("Enter the answer the agent should give")).toBeVisible();
  await knowledge.getByLabel("Answer", { exact: true }).fill("Yes, bring your ticket to the front desk and we stamp it.");
  await knowledge.getByRole("button", { name: "Add question" }).click();
  await expect(knowledge.getByRole("status").filter({ hasText: "Question added to the draft." })).toBeVisible();
  await expect(knowledge.getByTestId("knowledge-entry")).toHaveCount(7);

  await knowledge.getByRole("group", { name: "Kind of entry" }).getByText("Document").click();
  await knowledge.getByLabel("Upload a file (optional)").setInputFiles({ name: "brochure.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4") });
  await expect(knowledge.getByText("“brochure.pdf” is not a .txt or .md file.")).toBeVisible();
  await knowledge.getByLabel("Upload a file (optional)").setInputFiles({
    name: "holiday-hours.md",
    mimeType: "text/markdown",
    buffer: Buffer.from("# Holiday hours\n\nWe close at noon on Christmas Eve and reopen on January 2nd.\n"),
  });
  await expect(knowledge.getByLabel("Document name")).toHaveValue("holiday-hours");
  await expect(knowledge.getByLabel("Text", { exact: true })).toHaveValue(/close at noon on Christmas Eve/);
  await knowledge.getByRole("button", { name: "Add document" }).click();
  await expect(knowledge.getByRole("status").filter({ hasText: "Document added to the draft." })).toBeVisible();

  // Search is server-side and filters the list.
  await knowledge.getByRole("searchbox").fill("ticket");
  await expect(knowledge.getByTestId("knowledge-entry")).toHaveCount(1);
  await expect(knowledge.getByTestId("knowledge-entry")).toContainText("Do you validate parking tickets?");
  await expect(page).toHaveURL(/q=ticket/);
  await knowledge.getByRole("searchbox").fill("");
  await expect(knowledge.getByTestId("knowledge-entry")).toHaveCount(8);

  // Usage counts come from calls (recorded by the voice server); shown per entry.
  await e2eDb()
    .update(knowledgeEntries)
    .set({ usageCount: 3 })
    .where(and(eq(knowledgeEntries.agentId, agentId), eq(knowledgeEntries.title, "Is there parking?")));
  await page.reload();
  await expect(panel(page, "knowledge").getByTestId("knowledge-entry").filter({ hasText: "Is there parking?" })).toContainText("Used 3 times in calls");

  // Departments: a bad number is explained inline.
  await openTab(page, "Departments");
  const departments = panel(page, "departments");
  await departments.getByLabel("Department name").fill("Parking office");
  await departments.getByLabel("Phone number").fill("555-0199");
  await departments.getByRole("button", { name: "Add department" }).click();
  await expect(departments.getByText("Not a valid phone number. Use international format with country code")).toBeVisible();
  await departments.getByLabel("Phone number").fill("+1 (312) 555-0199");
  await departments.getByRole("button", { name: "Add department" }).click();
  await expect(departments.getByTestId("department").filter({ hasText: "Parking office" })).toContainText("+13125550199");

  // Publish version 1; publishing again without changes is refused.
  await page.getByLabel("Note (optional)").fill("First version");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText("Published version 1. New calls use it now.")).toBeVisible();
  await expect(page.getByTestId("publish-status")).toContainText("Live: version 1");
  await expect(page.getByTestId("publish-status")).toContainText("Draft matches live");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(formAlert(page)).toContainText("Nothing has changed since version 1, which is already live.");
  // The first-steps banner is for a draft: once published it is gone, even on the link that created the agent.
  await page.goto(`/t/${owner.team.slug}/agents/${agentId}?created=1`);
  await expect(page.getByTestId("publish-status")).toContainText("Live: version 1");
  await expect(page.getByText("Your agent is ready as a draft.")).toHaveCount(0);

  // Edit the greeting (draft only), hear it in the chosen voice, then publish version 2.
  await openTab(page, "Settings");
  const settings = panel(page, "settings");
  await settings.getByLabel("Greeting").fill("Hello from Reception, version two speaking.");
  await expect(settings.getByText("Unsaved changes")).toBeVisible();
  await settings.getByLabel("Voice").selectOption("en-us+f3");
  const preview = page.waitForResponse((r) => r.url().endsWith("/voices/preview"));
  await settings.getByRole("button", { name: "Preview voice" }).click();
  const sample = await preview;
  expect(sample.status()).toBe(200);
  expect(sample.headers()["content-type"]).toBe("audio/wav");
  // The browser decodes the sample: a real WAV of a second or more.
  await expect(settings.getByTestId("voice-sample")).toBeVisible();
  await expect
    .poll(() => settings.getByTestId("voice-sample").evaluate((a: HTMLAudioElement) => (Number.isFinite(a.duration) ? a.duration : 0)))
    .toBeGreaterThan(1);
  await settings.getByLabel("End-of-turn silence (ms)").fill("20");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings.getByText("At least 100 ms")).toBeVisible();
  await settings.getByLabel("End-of-turn silence (ms)").fill("700");
  await settings.getByLabel("Interruption while thinking (ms)").fill("90");
  await settings.getByLabel("When a caller says “uh-huh” over the agent").selectOption("false");
  await settings.getByLabel("Acknowledgements that never interrupt (optional)").fill("no worries\nlovely, lovely");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings.getByRole("status").filter({ hasText: "Draft saved. Publish to put it live on calls." })).toBeVisible();
  await expect(page.getByTestId("publish-status")).toContainText("Unpublished changes");
  await page.reload();
  await expect(panel(page, "settings").getByLabel("Greeting")).toHaveValue("Hello from Reception, version two speaking.");
  await expect(panel(page, "settings").getByLabel("Voice")).toHaveValue("en-us+f3");
  await expect(panel(page, "settings").getByLabel("Interruption while thinking (ms)")).toHaveValue("90");
  await expect(panel(page, "settings").getByLabel("When a caller says “uh-huh” over the agent")).toHaveValue("false");
  await expect(panel(page, "settings").getByLabel("Acknowledgements that never interrupt (optional)")).toHaveValue("no worries\nlovely");
  await page.getByLabel("Note (optional)").fill("New greeting");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText("Published version 2. New calls use it now.")).toBeVisible();

  // Roll back to version 1 (and reset the draft to it).
  await openTab(page, "Versions");
  const versions = panel(page, "versions");
  await expect(versions.getByTestId("version-2")).toContainText("Live");
  await expect(versions.getByTestId("version-2")).toContainText("New greeting");
  await versions.getByTestId("version-1").getByRole("button", { name: "Roll back to this version" }).click();
  await versions.getByRole("button", { name: "Confirm rollback to version 1" }).click();
  await expect(versions.getByRole("status").filter({ hasText: "Version 1 is live again. The draft was reset to it." })).toBeVisible();
  await expect(versions.getByTestId("version-1")).toContainText("Live");
  await expect(versions.getByTestId("version-2")).not.toContainText("Live");
  await expect(page.getByTestId("publish-status")).toContainText("Live: version 1");
  await expect(page.getByTestId("publish-status")).toContainText("Draft matches live");
  const [stored] = await e2eDb().select().from(agents).where(eq(agents.id, agentId));
  expect(stored?.config.greeting).toContain("Thank you for calling");

  // The assembled instructions show what calls get, including the knowledge added above.
  await openTab(page, "Instructions");
  const instructions = page.getByTestId("instructions-draft");
  await expect(instructions).toContainText("Q: Do you validate parking tickets?");
  await expect(instructions).toContainText("Document: holiday-hours");
  await expect(instructions).toContainText("- Parking office:");
  await expect(instructions).toContainText("Hours are in the America/Chicago time zone.");

  // Tab and search state survive a reload; the list page shows the live version; the audit log has it all.
  await page.goto(`/t/${owner.team.slug}/agents`);
  await expect(page.getByTestId("agent-row")).toContainText("Live: version 1");
  await page.goto(`/t/${owner.team.slug}/settings/audit`);
  for (const action of ["agent.created", "knowledge.created", "department.created", "agent.updated", "agent.published", "agent.rolled_back"]) {
    await expect(page.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
});

test("a viewer sees the agent read-only and the server refuses their changes", async ({ page }) => {
  const owner = await createTenant("agentowner");
  const agent = await createAgent(e2eDb(), owner.team, { userId: owner.user.id, label: owner.email }, { templateKey: "support_triage" });
  const viewerEmail = uniqueEmail("agentviewer");
  const viewer = await signUp(e2eDb(), { name: "Vera Viewer", email: viewerEmail, password: PASSWORD, companyName: `Vera ${Date.now()}` });
  await e2eDb().insert(memberships).values({ teamId: owner.team.id, userId: viewer.user.id, role: "viewer" });

  await signInUi(page, viewerEmail);
  await page.goto(`/t/${owner.team.slug}/agents`);
  await expect(page.getByRole("link", { name: "New agent" })).toHaveCount(0);
  await page.getByRole("link", { name: "Support line" }).click();
  await expect(page.getByText("You can view this agent. Only owners and admins can change or publish it.")).toBeVisible();
  await expect(page.getByLabel("Greeting")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Publish" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(0);
  await openTab(page, "Knowledge");
  await expect(panel(page, "knowledge").getByTestId("knowledge-entry").first()).toBeVisible();
  await expect(panel(page, "knowledge").getByRole("button", { name: /Edit|Delete/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add question" })).toHaveCount(0);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await expect(page.getByRole("heading", { name: "New agent" })).toHaveCount(0);

  // Forced open and submitted anyway: the server says no and nothing changes.
  await page.goto(`/t/${owner.team.slug}/agents/${agent.id}`);
  await page.evaluate(() => {
    const greeting = document.querySelector('textarea[name="greeting"]') as HTMLTextAreaElement;
    const form = greeting.form!;
    form.querySelectorAll("fieldset").forEach((f) => (f.disabled = false));
    greeting.value = "Hijacked by a viewer";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "force";
    form.appendChild(submit);
  });
  await page.getByRole("button", { name: "force" }).click();
  await expect(formAlert(page)).toHaveText("Your role does not allow this action.");
  const [stored] = await e2eDb().select().from(agents).where(eq(agents.id, agent.id));
  expect(stored?.config.greeting).not.toContain("Hijacked");

  const preview = await page.request.post(`/api/teams/${owner.team.slug}/voices/preview`, { data: { voice: "en-us" }, failOnStatusCode: false });
  expect(preview.status()).toBe(403);
});
