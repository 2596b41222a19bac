import { expect, test } from "@playwright/test";
import { createTenant, formAlert, PASSWORD, signInUi, uniqueEmail } from "../helpers";

test("a business signs up and lands on its dashboard", async ({ page }) => {
  const email = uniqueEmail("signup");
  await page.goto("/");
  await page.getByRole("link", { name: "Get started" }).click();
  await page.getByLabel("Your name").fill("Dana Owner");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Company name").fill("Bright Smile Dental");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/t\/bright-smile-dental(-\d+)?$/);
  await expect(page.getByRole("heading", { name: "Bright Smile Dental" })).toBeVisible();
  for (const section of ["Overview", "Agents", "Phone numbers", "Calls", "Analytics", "Settings"]) {
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: section })).toBeVisible();
  }
  // Honest empty state, no sample data.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calls" }).click();
  await expect(page.getByRole("heading", { name: "No calls yet" })).toBeVisible();
});

test("signup validates input and refuses a taken email", async ({ page }) => {
  const { email } = await createTenant("taken");
  await page.goto("/signup");
  await page.getByLabel("Work email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter a valid work email")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters")).toBeVisible();
  await expect(page.getByText("Enter your company name")).toBeVisible();

  await page.getByLabel("Your name").fill("Someone");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Company name").fill("Another Co");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(formAlert(page)).toContainText("already exists");
});

test("a wrong password shows a clear error; the right one signs in; sign out works", async ({ page }) => {
  const { email, team } = await createTenant("signin");
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(formAlert(page)).toHaveText("Incorrect email or password.");
  await expect(page).toHaveURL(/\/signin/);

  await signInUi(page, email);
  await expect(page).toHaveURL(new RegExp(`/t/${team.slug}$`));
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/t/${team.slug}`);
  await expect(page).toHaveURL(/\/signin/);
});

test("repeated wrong passwords are rate limited", async ({ page }) => {
  const { email } = await createTenant("ratelimit");
  await page.goto("/signin");
  for (let i = 0; i < 10; i++) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong-${i}-password`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator('button[aria-busy="true"]')).toHaveCount(0);
    await expect(formAlert(page)).toHaveText("Incorrect email or password.");
  }
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(formAlert(page)).toContainText("Too many sign-in attempts");
});
