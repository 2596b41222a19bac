import { expect, test, type Page } from "@playwright/test";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createTenant, e2eDb, signInUi } from "../helpers";

// A business builds a test suite on the Tests tab and runs it against the draft in text mode (typed lines through
// the real call loop) and in voice mode (the worker speaks the lines as phone audio to the voice server, speech
// recognition included), seeing each scenario pass or fail with why; and before publishing a change, the suite's
// regressions against the live version are reported, and a team that requires the suite cannot publish them.

async function openTab(page: Page, name: string) {
  await page.getByRole("tab", { name }).click();
  await expect(page.getByRole("tab", { name })).toHaveAttribute("aria-selected", "true");
}

const ANSWER = "We are open Monday to Friday from 9 am to 5 pm.";

test("a suite created in the UI runs in text and voice modes and shows pass and fail with reasons", async ({ page }) => {
  test.setTimeout(420_000);
  page.on("dialog", (dialog) => void dialog.accept());
  const owner = await createTenant("suites");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await page.getByRole("radio", { name: /Blank/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);

  await openTab(page, "Knowledge");
  const knowledge = page.locator("#panel-knowledge");
  await knowledge.getByLabel("Question callers ask").fill("What are your opening hours?");
  await knowledge.getByLabel("Answer", { exact: true }).fill(ANSWER);
  await knowledge.getByRole("button", { name: "Add question" }).click();
  await expect(knowledge.getByRole("status").filter({ hasText: "Question added to the draft." })).toBeVisible();

  await openTab(page, "Tests");
  const panel = page.locator("#panel-tests");
  // Every template starts with a suite; this one's is a goodbye. It goes, so the run below is only ours.
  await expect(panel.getByTestId("scenario")).toHaveCount(1);
  await expect(panel.getByTestId("scenario")).toContainText("Says goodbye");
  await panel.getByRole("button", { name: "Remove Says goodbye" }).click();
  await expect(panel.getByTestId("scenario")).toHaveCount(0);

  const form = panel.getByRole("form", { name: "New scenario" });
  // A typo in a token is refused with its row, not sent to the agent as speech.
  await form.getByLabel("Scenario name").fill("Opening hours");
  await form.getByLabel("What the caller says").fill("What are your opening hours?\n[paws 500]");
  await form.getByLabel("Replies mention").fill("9 am | nine");
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(form.getByText("Row 2: unknown token [paws]")).toBeVisible();
  await form.getByLabel("What the caller says").fill("What are your opening hours?\n[pause 300]");
  await form.getByLabel("Judge instruction (optional)").fill('The agent says "Monday" and never mentions "parking".');
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(panel.getByTestId("scenario").filter({ hasText: "Opening hours" })).toBeVisible();
  await expect(panel.getByTestId("scenario").filter({ hasText: "Opening hours" })).toContainText('Judge: The agent says "Monday"');

  await form.getByLabel("Scenario name").fill("Parking (wrong fact)");
  await form.getByLabel("What the caller says").fill("What are your opening hours?");
  await form.getByLabel("Replies mention").fill("free parking");
  await form.getByRole("button", { name: "Add scenario" }).click();
  await expect(panel.getByTestId("scenario")).toHaveCount(2);

  const status = panel.getByTestId("run-status");
  const results = panel.getByTestId("scenario-result");
  const passed = results.filter({ has: page.getByText("Opening hours", { exact: true }) });
  const failed = results.filter({ has: page.getByText("Parking (wrong fact)", { exact: true }) });

  // Text mode.
  await panel.getByRole("button", { name: "Run suite" }).click();
  await expect(status).toContainText(/of 2 (scenarios done|passed)/, { timeout: 20_000 });
  await expect(status).toContainText("1 of 2 passed, 1 failed", { timeout: 120_000 });
  await expect(passed).toContainText("Passed");
  await expect(passed).toContainText("9 am to 5 pm");
  await expect(passed).toContainText("Judged by rules (no Gemini key)");
  await expect(failed).toContainText("Failed");
  await expect(failed).toContainText('No reply mentioned "free parking". The agent said:');
  await failed.getByText("Transcript").click();
  await expect(failed).toContainText("Caller: What are your opening hours?");

  // Voice mode: the same suite spoken, through speech recognition; results keep the recording and latencies.
  await panel.getByLabel("Mode").selectOption("voice");
  await panel.getByRole("button", { name: "Run suite" }).click();
  await expect(panel.getByRole("heading", { name: /voice mode/ })).toBeVisible({ timeout: 20_000 });
  await expect(status).toContainText("1 of 2 passed, 1 failed", { timeout: 300_000 });
  await expect(passed).toContainText("Passed");
  await expect(passed.getByTestId("latencies")).toContainText(/Greeting after \d+\.\d s\. Replies started after \d+\.\d s\./);
  await expect(passed.getByLabel("Recording of Opening hours")).toBeAttached();
  await expect(failed).toContainText('No reply mentioned "free parking"');

  // The history keeps both runs with their mode and pass count.
  const rows = panel.getByTestId("test-run-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("Voice");
  await expect(rows.nth(0)).toContainText("1/2");
  await expect(rows.nth(1)).toContainText("Text");
  await expect(rows.nth(1)).toContainText("1/2");

  // The recording plays from the team's own route.
  const src = await passed.getByLabel("Recording of Opening hours").getAttribute("src");
  const response = await page.request.get(src!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("audio/");
});

test("a regression introduced in a draft is reported before publishing, and a team that requires the suite cannot publish it", async ({ page }) => {
  test.setTimeout(300_000);
  const owner = await createTenant("gate");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);
  const agentUrl = page.url().replace(/\?.*$/, "");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.getByText("Published version 1. New calls use it now.")).toBeVisible();

  // The draft moves the office: the starter scenario about the location still expects the old address.
  await openTab(page, "Knowledge");
  const knowledge = page.locator("#panel-knowledge");
  await knowledge.getByRole("button", { name: "Edit “Where are you located?”" }).click();
  const edit = knowledge.getByRole("form", { name: "Edit “Where are you located?”" });
  await edit.getByLabel("Answer", { exact: true }).fill("We moved to 8 Pine Avenue, across from the library.");
  await edit.getByRole("button", { name: "Save entry" }).click();
  await expect(knowledge.getByRole("form", { name: "Edit “Where are you located?”" })).toHaveCount(0);

  // Publishing offers the suite first: it runs on the draft and on the live version, then names the regression.
  const gate = page.getByTestId("publish-gate");
  await expect(gate).toContainText("The suite has not been run on this draft yet.");
  await gate.getByRole("button", { name: "Run the test suite first" }).click();
  await expect(gate.getByTestId("publish-gate-summary")).toContainText(/1 of \d+ scenarios fail on this draft, 1 of them passed on the live version/, { timeout: 180_000 });
  await expect(gate).toContainText("1 regression");
  await expect(gate).toContainText('Regression: "Asks: Where are you located?" passed on version 1 and fails on this draft');

  // Settings: the suite is required. Publishing is now refused with the reason.
  await page.goto(`/t/${owner.team.slug}/settings`);
  await page.getByLabel("Test suite before publishing").selectOption("required");
  await page.getByRole("button", { name: "Save publishing rule" }).click();
  await expect(page.getByText("Publishing now requires every test scenario to pass")).toBeVisible();
  await page.goto(agentUrl);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.getByText(/This team requires the test suite to pass before publishing\. 1 of \d+ scenarios fail on this draft/)).toBeVisible();
  await expect(page.getByTestId("publish-status")).toContainText("Live: version 1");

  // The API says the same to a CI pipeline.
  const agentId = agentUrl.split("/").pop()!;
  const { key } = await createApiKey(e2eDb(), owner.team.id, { userId: owner.user.id, label: owner.email }, { name: "CI" });
  const api = await page.request.post(`/api/v1/agents/${agentId}/publish`, { headers: { authorization: `Bearer ${key}` }, data: {} });
  expect(api.status()).toBe(409);
  expect(JSON.stringify(await api.json())).toContain("requires the test suite to pass");
});
