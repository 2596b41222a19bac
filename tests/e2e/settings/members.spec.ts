import { expect, test } from "@playwright/test";
import { createTenant, formAlert, PASSWORD, signInUi, uniqueEmail } from "../helpers";

test("invite a viewer, who joins in another browser and cannot change settings", async ({ page, browser }) => {
  const owner = await createTenant("inviter");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings/members`);

  const inviteeEmail = uniqueEmail("viewer");
  await page.getByLabel("Email").fill(inviteeEmail);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation created for ${inviteeEmail}`);
  const link = await page.getByTestId("invite-link").inputValue();
  expect(link).toMatch(/\/invite\/[\w-]+$/);

  // The invitee, in a separate browser context, signs up through the link and joins.
  const other = await browser.newContext();
  const invitee = await other.newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: `Join ${owner.team.name}` })).toBeVisible();
  await invitee.getByRole("link", { name: "Create an account" }).click();
  await invitee.getByLabel("Your name").fill("Vic Viewer");
  await invitee.getByLabel("Work email").fill(inviteeEmail);
  await invitee.getByLabel("Password").fill(PASSWORD);
  await invitee.getByLabel("Company name").fill("Vic's Own Co");
  await invitee.getByRole("button", { name: "Create account" }).click();
  await expect(invitee).toHaveURL(/\/invite\//);
  await invitee.getByRole("button", { name: "Accept invitation" }).click();
  await expect(invitee).toHaveURL(new RegExp(`/t/${owner.team.slug}$`));

  // The viewer sees settings read-only...
  await invitee.goto(`/t/${owner.team.slug}/settings`);
  await expect(invitee.getByText("Only owners and admins can change them.")).toBeVisible();
  await expect(invitee.getByLabel("Team name")).toBeDisabled();
  await expect(invitee.getByRole("button", { name: "Save settings" })).toHaveCount(0);
  // ...and the server refuses the change even when the form is forced open and submitted.
  await invitee.evaluate(() => {
    const form = (document.querySelector('input[name="concurrentCallLimit"]') as HTMLInputElement).form!;
    form.querySelector("fieldset")!.disabled = false;
    (form.querySelector('input[name="name"]') as HTMLInputElement).value = "Hijacked";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "force";
    form.appendChild(submit);
  });
  await invitee.getByRole("button", { name: "force" }).click();
  await expect(formAlert(invitee)).toHaveText("Your role does not allow this action.");

  await page.goto(`/t/${owner.team.slug}/settings`);
  await expect(page.getByLabel("Team name")).toHaveValue(owner.team.name);
  // The viewer is listed with their role, and the audit log recorded the invitation and the join.
  await page.goto(`/t/${owner.team.slug}/settings/members`);
  await expect(page.getByTestId(`member-${inviteeEmail}`)).toBeVisible();
  await page.goto(`/t/${owner.team.slug}/settings/audit`);
  await expect(page.getByRole("cell", { name: "member.invited" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "member.joined" })).toBeVisible();
  await other.close();
});

test("an admin changes settings, which land in the audit log; the last owner cannot be removed", async ({ page }) => {
  const owner = await createTenant("settings");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings`);
  await page.getByLabel("Concurrent call limit").fill("0");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("At least 1 call")).toBeVisible();
  await page.getByLabel("Concurrent call limit").fill("12");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status")).toHaveText("Settings saved.");
  await page.reload();
  await expect(page.getByLabel("Concurrent call limit")).toHaveValue("12");

  await page.goto(`/t/${owner.team.slug}/settings/audit`);
  const row = page.getByTestId("audit-row").filter({ hasText: "team.settings_changed" });
  await expect(row).toContainText("concurrentCallLimit: 5 → 12");
  await expect(row).toContainText(owner.email);

  await page.goto(`/t/${owner.team.slug}/settings/members`);
  page.once("dialog", (d) => d.accept());
  await page.getByTestId(`member-${owner.email}`).getByRole("button", { name: "Remove" }).click();
  await expect(formAlert(page)).toContainText("at least one owner");
});

test("leaving a form with unsaved edits through an in-app link asks first", async ({ page }) => {
  const owner = await createTenant("unsaved");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings`);
  await page.getByLabel("Team name").fill("Edited but not saved");

  let question = "";
  page.once("dialog", (dialog) => {
    question = dialog.message();
    void dialog.dismiss();
  });
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Members" }).click();
  expect(question).toContain("unsaved changes");
  await expect(page).toHaveURL(new RegExp(`/t/${owner.team.slug}/settings$`));
  await expect(page.getByLabel("Team name")).toHaveValue("Edited but not saved");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Members" }).click();
  await expect(page).toHaveURL(new RegExp(`/t/${owner.team.slug}/settings/members$`));
});
