import { expect, test, type Page } from "@playwright/test";
import { createTenant, signInUi } from "../helpers";

// A business builds a test suite on the Tests tab, runs it against the draft in text mode (a durable job in the
// worker, through the real call loop with the offline engines), and sees each scenario pass or fail with why.

async function openTab(page: Page, name: string) {
  await page.getByRole("tab", { name }).click();
  await expect(page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
}

const ANSWER = "Yes, we sell gift cards at the front desk in any amount from twenty dollars.";

test("a suite created in the UI runs in text mode and shows pass and fail with reasons", async ({ page }) => {
  test.setTimeout(180_000);
  const owner = await createTenant("suites");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);

  await openTab(page, "Knowledge");
  const knowledge = page.locator("#panel-knowledge");
  await knowledge.getByLabel("Question callers ask").fill("Do you sell gift cards?");
  await knowledge.getByLabel("Answer", { exact: true }).fill(ANSWER);
  await knowledge.getByRole("button", { name: "Add question" }).click();
  await expect(knowledge.getByRole("status").filter({ hasText: "Question added to the draft." })).toBeVisible();

  await openTab(page, "Tests");
  const panel = page.locator("#panel-tests");
  const form = panel.getByRole("form", { name: "New scenario" });
  // A typo in a token is refused with its row, not sent to the agent as speech.
  await form.getByLabel("Scenario name").fill("Gift cards");
  await form.getByLabel("What the caller says").fill("Do you sell gift cards?\n[paws 500]");
  await form.getByLabel("Replies mention").fill("twenty dollars | $20");
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(form.getByText("Row 2: unknown token [paws]")).toBeVisible();
  await form.getByLabel("What the caller says").fill("Do you sell gift cards?\n[pause 300]");
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(panel.getByTestId("scenario").filter({ hasText: "Gift cards" })).toBeVisible();

  await form.getByLabel("Scenario name").fill("Parking (wrong fact)");
  await form.getByLabel("What the caller says").fill("Do you sell gift cards?");
  await form.getByLabel("Replies mention").fill("free parking");
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(panel.getByTestId("scenario")).toHaveCount(2);

  await panel.getByRole("button", { name: "Run suite" }).click();
  const status = panel.getByTestId("run-status");
  await expect(status).toContainText(/of 2 (scenarios done|passed)/, { timeout: 20_000 });
  await expect(status).toContainText("1 of 2 passed, 1 failed", { timeout: 120_000 });
  const results = panel.getByTestId("scenario-result");
  const passed = results.filter({ has: page.getByText("Gift cards", { exact: true }) });
  await expect(passed).toContainText("Passed");
  await expect(passed).toContainText("gift cards at the front desk");
  const failed = results.filter({ has: page.getByText("Parking (wrong fact)", { exact: true }) });
  await expect(failed).toContainText("Failed");
  await expect(failed).toContainText('No reply mentioned "free parking". The agent said:');
  await failed.getByText("Transcript").click();
  await expect(failed).toContainText("Caller: Do you sell gift cards?");

  // The history keeps the run with its pass count and version.
  const row = panel.getByTestId("test-run-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Draft");
  await expect(row).toContainText("1/2");
});
