import { expect, test } from "@playwright/test";
import { createTenant, signInUi } from "../helpers";

test("the app has a favicon, and the sidebar says who is signed in with a way to sign out", async ({ page, request }) => {
  const a = await createTenant("Shell");
  await signInUi(page, a.email);
  const href = await page.locator('head link[rel="icon"]').first().getAttribute("href");
  expect(href).toBeTruthy();
  const icon = await request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");

  const who = page.getByRole("region", { name: "Signed in" });
  await expect(who).toContainText("Shell Owner");
  await expect(who).toContainText(a.email);
  await expect(who.getByRole("button", { name: "Sign out" })).toBeVisible();
  await who.getByRole("button", { name: "Sign out" }).click();
  await expect(page).not.toHaveURL(/\/t\//);
  await page.goto(`/t/${a.team.slug}`);
  await expect(page).toHaveURL(/\/signin/);
});

test("on a phone the call filters fold behind a button that counts the filters on", async ({ page }) => {
  const a = await createTenant("Phone");
  await page.setViewportSize({ width: 390, height: 844 });
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/calls?outcome=resolved`);
  const filters = page.getByRole("search", { name: "Filter calls" });
  await expect(filters).toBeHidden();
  const toggle = page.getByRole("button", { name: "Filters (1 on)" });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await toggle.click();
  await expect(filters).toBeVisible();
  await expect(filters.getByLabel("Outcome")).toHaveValue("resolved");
  await page.getByRole("button", { name: /Hide filters/ }).click();
  await expect(filters).toBeHidden();

  // From a tablet up the form is simply there.
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(filters).toBeVisible();
  await expect(page.getByRole("button", { name: /^Filters/ })).toBeHidden();

  // The inbox's filters fold the same way, so its messages start on the first screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/t/${a.team.slug}/inbox?urgent=1`);
  const inboxFilters = page.getByRole("form", { name: "Filters" });
  await expect(inboxFilters).toBeHidden();
  await page.getByRole("button", { name: "Filters (1 on)" }).click();
  await expect(inboxFilters.getByLabel("Urgent only")).toBeChecked();
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(inboxFilters).toBeVisible();
});
