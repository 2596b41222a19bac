import { expect, test, type Page } from "@playwright/test";
import { createTenant, signInUi } from "../helpers";

async function openTab(page: Page, name: string) {
  await page.getByRole("tab", { name }).click();
  await expect(page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
}

const ANSWER = "Yes, we sell gift cards at the front desk in any amount from twenty dollars.";

test("a typed test call answers from the draft's knowledge, shows latency, and is listed as a test call", async ({ page }) => {
  test.setTimeout(120_000);
  const owner = await createTenant("testcall");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);

  // A knowledge entry in the draft only: test calls run the draft, before anything is published.
  await openTab(page, "Knowledge");
  const knowledge = page.locator("#panel-knowledge");
  await knowledge.getByLabel("Question callers ask").fill("Do you sell gift cards?");
  await knowledge.getByLabel("Answer", { exact: true }).fill(ANSWER);
  await knowledge.getByRole("button", { name: "Add question" }).click();
  await expect(knowledge.getByRole("status").filter({ hasText: "Question added to the draft." })).toBeVisible();

  await openTab(page, "Test call");
  const panel = page.locator("#panel-test-call");
  await panel.getByRole("radio", { name: /Type as caller/ }).check();
  await panel.getByRole("button", { name: "Start test call" }).click();
  await expect(panel.getByTestId("test-call-status")).toHaveText("Live", { timeout: 20_000 });
  // The greeting is transcribed once it has played.
  await expect(panel.getByTestId("turn-agent").first()).toBeVisible({ timeout: 20_000 });

  await panel.getByLabel("What the caller says").fill("Do you sell gift cards?");
  await panel.getByLabel("What the caller says").press("Enter");
  await expect(panel.getByTestId("turn-caller")).toContainText("Do you sell gift cards?");
  const answer = panel.getByTestId("turn-agent").filter({ hasText: "gift cards at the front desk" });
  await expect(answer).toBeVisible({ timeout: 30_000 });
  await expect(answer.getByTestId("turn-latency")).toContainText(/LLM first token \d+ ms/);
  await expect(answer.getByTestId("turn-latency")).toContainText(/first audio \d+ ms/);

  await panel.getByRole("button", { name: "End call" }).click();
  await expect(panel.getByTestId("test-call-status")).toContainText("You ended the call.");
  await panel.getByRole("link", { name: "Open the recorded call" }).click();
  await expect(page).toHaveURL(new RegExp(`/t/${owner.team.slug}/calls/[0-9a-f-]{36}$`));
  await expect(page.getByTestId("transcript-turn").filter({ hasText: "gift cards at the front desk" })).toBeVisible({ timeout: 15_000 });

  // Hidden from the default list, shown and flagged with the test-call filter.
  await page.goto(`/t/${owner.team.slug}/calls?testCalls=only`);
  const row = page.getByTestId("call-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Test");
});
