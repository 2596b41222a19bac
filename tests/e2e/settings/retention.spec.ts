import { expect, test } from "@playwright/test";
import { eq } from "drizzle-orm";
import { calls, callTurns, retentionPolicies } from "@/db/schema";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("a shorter retention period shows what the next purge would delete, and is saved only after confirming", async ({ page }) => {
  const owner = await createTenant("retention");
  const db = e2eDb();
  // Two calls of 100 days ago with three turns each: kept under the default policy (transcripts 365 days).
  const startedAt = new Date(Date.now() - 100 * 86_400_000);
  const old = await db
    .insert(calls)
    .values([1, 2].map(() => ({ teamId: owner.team.id, direction: "inbound" as const, status: "completed" as const, outcome: "resolved" as const, startedAt, endedAt: startedAt, analysisStatus: "done" as const })))
    .returning({ id: calls.id });
  await db.insert(callTurns).values(old.flatMap((c) => [0, 1, 2].map((seq) => ({ teamId: owner.team.id, callId: c.id, seq, speaker: "caller" as const, text: `turn ${seq}`, startMs: seq, endMs: seq + 1 }))));

  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings`);
  await page.getByRole("link", { name: "Data retention" }).click();
  await expect(page.getByLabel("Recordings (days)")).toHaveValue("90");
  await expect(page.getByLabel("Transcripts (days)")).toHaveValue("365");
  await expect(page.getByTestId("retention-next-run")).toContainText("Transcripts: 0 transcript turns");
  await expect(page.getByTestId("retention-last-run")).toContainText("No purge has run for this team yet.");

  // Invalid input is refused with the reason.
  await page.getByLabel("Transcripts (days)").fill("400");
  await page.getByRole("button", { name: "Save retention policy" }).click();
  await expect(page.getByText("Transcripts can't be kept longer than the calls they belong to (365 days).")).toBeVisible();

  await page.getByLabel("Transcripts (days)").fill("30");
  await page.getByRole("button", { name: "Save retention policy" }).click();
  const warning = page.getByTestId("retention-warning");
  await expect(warning).toContainText("The next purge");
  await expect(warning).toContainText("6 transcript turns");
  // Nothing is saved before the confirmation.
  expect((await db.select().from(retentionPolicies).where(eq(retentionPolicies.teamId, owner.team.id))).length).toBe(0);

  await warning.getByRole("button", { name: "Delete and save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Retention policy saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Transcripts (days)")).toHaveValue("30");
  await expect(page.getByTestId("retention-next-run")).toContainText("Transcripts: 6 transcript turns");
  const [saved] = await db.select().from(retentionPolicies).where(eq(retentionPolicies.teamId, owner.team.id));
  expect(saved).toMatchObject({ transcriptsDays: 30, recordingsDays: 90, callsDays: 365 });

  // Keep forever: a longer period needs no confirmation.
  await page.getByLabel("Keep messages forever").check();
  await page.getByRole("button", { name: "Save retention policy" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Retention policy saved." })).toBeVisible();
  await expect(page.getByTestId("retention-next-run")).toContainText("Messages: nothing (kept forever)");
});
