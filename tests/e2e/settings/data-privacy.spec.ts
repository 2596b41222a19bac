import { eq } from "drizzle-orm";
import { expect, test } from "@playwright/test";
import { teamDataKeys, teams } from "@/db/schema";
import { teamDataKey } from "@/lib/crypto/data-keys";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { E2E } from "../env";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("the Data & privacy page describes the team's data, and redaction choices are saved", async ({ page }) => {
  const owner = await createTenant("privacy");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings/data-privacy`);

  const map = page.getByTestId("data-map");
  await expect(map.getByRole("row", { name: /^Transcripts/ })).toContainText("payment card numbers and Social Security numbers redacted before storage");
  await expect(map.getByRole("row", { name: /^Transcripts/ })).toContainText("1 year");
  await expect(page.getByLabel("Privacy notice text")).toHaveValue(new RegExp(`on behalf of ${owner.team.name}`));

  await expect(page.getByLabel("Payment card numbers")).toBeChecked();
  await expect(page.getByLabel("Email addresses")).not.toBeChecked();
  await page.getByLabel("Email addresses").check();
  await page.getByRole("button", { name: "Save redaction settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Redaction settings saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Email addresses")).toBeChecked();
  await expect(page.getByLabel("Privacy notice text")).toHaveValue(/Payment card numbers, Social Security numbers and email addresses are removed/);
});

test("the owner deletes the team after typing its name: its data and its encryption key are gone", async ({ page }) => {
  const owner = await createTenant("shred");
  await teamDataKey(e2eDb(), masterKeyRing(Buffer.from(E2E.encryptionKey, "base64")), owner.team.id);
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings`);

  const button = page.getByRole("button", { name: "Delete team" });
  await expect(button).toBeDisabled();
  await page.getByLabel(`Type ${owner.team.name} to confirm`).fill("wrong name");
  await expect(button).toBeDisabled();
  await page.getByLabel(`Type ${owner.team.name} to confirm`).fill(owner.team.name);
  await button.click();
  await expect(page).toHaveURL(/\/teams\/new$/);
  expect(await e2eDb().select().from(teams).where(eq(teams.id, owner.team.id))).toEqual([]);
  expect(await e2eDb().select().from(teamDataKeys).where(eq(teamDataKeys.teamId, owner.team.id))).toEqual([]);
  const gone = await page.goto(`/t/${owner.team.slug}`);
  expect(gone?.status()).toBe(404);
});
