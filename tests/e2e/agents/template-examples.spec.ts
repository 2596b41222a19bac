import { expect, test } from "@playwright/test";
import { createAgent } from "@/lib/agents/create-agent";
import { listDepartments, updateDepartment } from "@/lib/agents/departments";
import { listKnowledge, updateKnowledge } from "@/lib/agents/knowledge";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("template warnings follow the content: they go once the examples are replaced, and all examples clear with one confirmation", async ({ page }) => {
  const a = await createTenant("Examples");
  const db = e2eDb();
  const actor = { userId: a.user.id, label: a.email };
  const agent = await createAgent(db, a.team, actor, { templateKey: "receptionist" });
  const scope = { teamId: a.team.id, agentId: agent.id };
  const knowledge = await listKnowledge(db, scope);
  expect(knowledge.length).toBeGreaterThan(2);
  // The owner already rewrote one answer: it is theirs now, not an example.
  const [mine] = knowledge;
  await updateKnowledge(db, { ...scope, entryId: mine!.id }, actor, { kind: mine!.kind, title: mine!.title, content: "Our own answer, checked." });
  const examples = knowledge.length - 1;

  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/agents/${agent.id}?tab=knowledge`);
  await expect(page.getByText(`${examples} entries are still the template's examples`)).toBeVisible();
  await expect(page.getByTestId("knowledge-entry").filter({ hasText: "Example" })).toHaveCount(examples);

  let dialogs = 0;
  page.on("dialog", (dialog) => {
    dialogs++;
    void dialog.accept();
  });
  await page.getByRole("button", { name: `Delete all ${examples} example entries` }).click();
  await expect(page.getByTestId("knowledge-entry")).toHaveCount(1);
  await expect(page.getByTestId("knowledge-entry")).toContainText("Our own answer, checked.");
  await expect(page.getByText("still the template's example")).toHaveCount(0);
  expect(dialogs).toBe(1);

  // Departments: replacing the fictional numbers clears the warning, without publishing.
  await page.goto(`/t/${a.team.slug}/agents/${agent.id}?tab=departments`);
  await expect(page.getByText("a fictional example number (555-01xx)")).toBeVisible();
  for (const d of await listDepartments(db, scope)) {
    await updateDepartment(db, { ...scope, departmentId: d.id }, actor, { name: d.name, phoneNumber: "+14155552671", whenToTransfer: d.whenToTransfer });
  }
  await page.reload();
  await expect(page.getByTestId("department").first()).toBeVisible();
  await expect(page.getByText("fictional example number")).toHaveCount(0);
});
