import { expect, test } from "@playwright/test";
import { createAgent } from "@/lib/agents/create-agent";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("a typed test call shows that the agent is speaking while its voice plays, and typing without sending does not interrupt it", async ({ page }) => {
  test.setTimeout(120_000);
  const owner = await createTenant("speaking");
  const agent = await createAgent(e2eDb(), owner.team, { userId: owner.user.id, label: owner.email }, { templateKey: "receptionist" });
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/${agent.id}?tab=test-call`);
  const panel = page.locator("#panel-test-call");
  await panel.getByRole("radio", { name: /Type as caller/ }).check();
  await panel.getByRole("button", { name: "Start test call" }).click();
  await expect(panel.getByTestId("test-call-status")).toHaveText("Live", { timeout: 20_000 });

  // The greeting plays for a few seconds before its turn is final: the speaking indicator shows meanwhile.
  const speaking = panel.getByTestId("agent-speaking");
  await expect(speaking).toContainText("speaking…", { timeout: 20_000 });
  await expect(panel.getByTestId("turn-agent")).toHaveCount(0);

  // Typing while the agent speaks is not an interruption: nothing is sent until Enter.
  await panel.getByLabel("What the caller says").pressSequentially("What are your hours", { delay: 20 });
  await expect(panel.getByTestId("turn-agent").first()).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId("turn-agent").first()).not.toContainText("Interrupted");
  await expect(panel.getByText("Caller interrupted the agent")).toHaveCount(0);
  await expect(panel.getByTestId("turn-caller")).toHaveCount(0);
  await expect(speaking).toHaveCount(0, { timeout: 10_000 });

  await panel.getByLabel("What the caller says").press("Enter");
  await expect(panel.getByTestId("turn-caller")).toContainText("What are your hours");
  await expect(speaking).toContainText("speaking…", { timeout: 30_000 });
  await expect(panel.getByTestId("turn-agent")).toHaveCount(2, { timeout: 30_000 });
  await panel.getByRole("button", { name: "End call" }).click();
});
