import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { eq } from "drizzle-orm";
import { calls } from "@/db/schema";
import { seedCall } from "../calls/seed-calls";
import { createTenant, e2eDb, formAlert, signInUi } from "../helpers";

// A privacy officer answers a caller: looks the number up, exports everything as a zip, erases it, and sees both
// requests in the register with their deadlines. Another team holding the same caller's number keeps its data.
test("caller data: look up, export as zip, erase, and see the register", async ({ page }, testInfo) => {
  const owner = await createTenant("privacy");
  const other = await createTenant("privacy-other");
  const caller = "+14155550123";
  const mine = await seedCall(
    owner.team.id,
    { fromNumber: caller, toNumber: "+15550001111", outcome: "message_taken", endedAt: new Date(), durationSec: 42, summary: "Asked for a prescription refill" },
    [
      { speaker: "agent", text: "Hello, Bright Clinic.", startMs: 0, endMs: 1000 },
      { speaker: "caller", text: "I need a refill of my prescription.", startMs: 1200, endMs: 3000 },
    ],
    { recordingSeconds: 1 },
  );
  const theirs = await seedCall(other.team.id, { fromNumber: caller, endedAt: new Date(), summary: "Other team's call" }, [{ speaker: "caller", text: "Other team", startMs: 0, endMs: 500 }]);

  await signInUi(page, owner.email);
  await page.getByRole("link", { name: "Caller data" }).click();
  await expect(page.getByRole("heading", { name: "Caller data requests" })).toBeVisible();

  // A clear error for a number that is not one.
  await page.getByLabel("Caller's phone number").fill("12-34");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByText(/is not a valid phone number/).first()).toBeVisible();

  await page.getByLabel("Caller's phone number").fill("(415) 555-0123");
  await page.getByRole("button", { name: "Look up" }).click();
  const data = page.getByTestId("caller-data");
  await expect(data).toContainText(`${caller}: 1 call(s)`);
  await data.getByTestId("caller-call").locator("summary").click();
  await expect(data).toContainText("I need a refill of my prescription.");
  await expect(data).not.toContainText("Other team");

  // Export: built at once for a small caller, downloaded from the register.
  await page.getByRole("button", { name: "Export data (access request)" }).click();
  await expect(page.getByRole("status").filter({ hasText: "ready to download" })).toBeVisible();
  const register = page.getByTestId("privacy-register");
  await expect(register.getByTestId("privacy-request")).toHaveCount(1);
  await expect(register).toContainText("Access / export");
  await expect(register).toContainText("Completed");
  const [download] = await Promise.all([page.waitForEvent("download"), register.getByRole("link", { name: /Download zip/ }).click()]);
  const file = testInfo.outputPath("export.zip");
  await download.saveAs(file);
  expect(execFileSync("unzip", ["-t", file]).toString()).toMatch(/No errors detected/);
  const listing = execFileSync("unzip", ["-Z1", file]).toString().trim().split("\n").sort();
  expect(listing).toEqual(["README.txt", "caller-data.json", `recordings/${mine.id}.wav`]);
  const json = JSON.parse(execFileSync("unzip", ["-p", file, "caller-data.json"]).toString()) as { calls: { id: string }[] };
  expect(json.calls.map((c) => c.id)).toEqual([mine.id]);

  // Erasure needs the confirmation, then removes everything of this team for the number.
  await page.getByLabel("Law").selectOption("ccpa");
  await page.getByRole("button", { name: "Erase all data" }).click();
  await expect(formAlert(page).filter({ hasText: "Please fix the highlighted fields." })).toBeVisible();
  await expect(page.getByText("Tick the box to confirm: erasure cannot be undone.")).toBeVisible();
  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Erase all data" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Erasure done" })).toBeVisible();
  await expect(register.getByTestId("privacy-request")).toHaveCount(2);
  const erasure = register.getByTestId("privacy-request").filter({ hasText: "Erasure" });
  await expect(erasure).toContainText("CCPA");
  await expect(erasure).toContainText("Completed");
  await expect(erasure).toContainText("1 calls");
  await expect(erasure).toContainText(owner.email);
  // The export of the erased caller can no longer be downloaded.
  await expect(register.getByTestId("privacy-request").filter({ hasText: "Access / export" })).toContainText("Download expired or erased");

  await page.getByLabel("Caller's phone number").fill(caller);
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByTestId("caller-data")).toContainText(`${caller}: 0 call(s), 0 message(s)`);
  expect(await e2eDb().select().from(calls).where(eq(calls.id, mine.id))).toEqual([]);
  expect(await e2eDb().select().from(calls).where(eq(calls.id, theirs.id))).toHaveLength(1);

  // The audit log shows every step, filtered to caller data requests, and its chain verifies.
  await page.goto(`/t/${owner.team.slug}/settings/audit?action=privacy.`);
  const actions = await page.getByTestId("audit-row").locator("td:nth-child(3)").allTextContents();
  expect(actions).toEqual(
    expect.arrayContaining(["privacy.caller_lookup", "privacy.export_requested", "privacy.export_ready", "privacy.export_downloaded", "privacy.erasure_requested", "privacy.erasure_completed"]),
  );
  // The number itself appears nowhere in the log, in any format.
  for (const row of await page.getByTestId("audit-row").allTextContents()) expect(row.replace(/\D/g, "")).not.toContain("4155550123");
  await page.getByRole("button", { name: "Verify integrity" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The chain is intact" })).toBeVisible();
});
