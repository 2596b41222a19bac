import { expect, test, type Browser } from "@playwright/test";
import { createAgent } from "@/lib/agents/create-agent";
import { requestPasswordReset } from "@/lib/auth/password-reset";
import { E2E } from "../env";
import { createTenant, e2eDb, formAlert, PASSWORD, signInUi, uniqueEmail } from "../helpers";

// Sessions end everywhere on "sign out everywhere", a password change and a password reset; transfer destinations
// are refused with a clear error. Each browser context is one device.

async function device(browser: Browser, email: string, password = PASSWORD) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInUi(page, email, password);
  return page;
}

test("sign out everywhere ends the session on every device", async ({ browser }) => {
  const tenant = await createTenant("everywhere");
  const laptop = await device(browser, tenant.email);
  const phone = await device(browser, tenant.email);

  await laptop.getByRole("link", { name: tenant.email }).click();
  await expect(laptop).toHaveURL(/\/account$/);
  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/signin\?notice=signed-out-everywhere$/);
  await expect(laptop.getByText("You were signed out on every device.")).toBeVisible();

  await phone.goto(`/t/${tenant.team.slug}/settings`);
  await expect(phone).toHaveURL(/\/signin/);
  // Signing in again works as before.
  await signInUi(phone, tenant.email);
});

test("a password change keeps this device signed in, ends the others, and the old password stops working", async ({ browser }) => {
  const tenant = await createTenant("changer");
  const laptop = await device(browser, tenant.email);
  const phone = await device(browser, tenant.email);

  await laptop.goto("/account");
  await laptop.getByLabel("Current password").fill("not-my-password");
  await laptop.getByLabel("New password", { exact: true }).fill("a-brand-new-password");
  await laptop.getByLabel("Repeat new password").fill("a-brand-new-password");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await expect(formAlert(laptop)).toContainText("Your current password is not correct.");

  await laptop.getByLabel("Current password").fill(PASSWORD);
  await laptop.getByLabel("New password", { exact: true }).fill("short");
  await laptop.getByLabel("Repeat new password").fill("short");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await expect(laptop.getByText("Use at least 10 characters")).toBeVisible();

  await laptop.getByLabel("Current password").fill(PASSWORD);
  await laptop.getByLabel("New password", { exact: true }).fill("a-brand-new-password");
  await laptop.getByLabel("Repeat new password").fill("a-brand-new-password");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await expect(laptop.getByText("Password changed. Every other device signed in to your account has been signed out.")).toBeVisible();
  await laptop.goto(`/t/${tenant.team.slug}`);
  await expect(laptop).toHaveURL(new RegExp(`/t/${tenant.team.slug}$`));

  await phone.goto(`/t/${tenant.team.slug}`);
  await expect(phone).toHaveURL(/\/signin/);
  await phone.getByLabel("Email").fill(tenant.email);
  await phone.getByLabel("Password").fill(PASSWORD);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(formAlert(phone)).toContainText("Incorrect email or password.");
  await signInUi(phone, tenant.email, "a-brand-new-password");
});

test("forgot password answers the same for any address and, in production without SMTP, never shows the link", async ({ page }) => {
  const tenant = await createTenant("forgetful");
  await page.goto("/signin");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  const answers: string[] = [];
  for (const email of [tenant.email, uniqueEmail("nobody")]) {
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    const status = page.getByRole("status");
    await expect(status).toContainText("If an account uses this email");
    answers.push((await status.textContent()) ?? "");
    await expect(page.getByTestId("reset-link")).toHaveCount(0);
  }
  expect(answers[0]).toBe(answers[1]);
});

test("a reset link sets a new password once, and every existing session ends", async ({ browser }) => {
  const tenant = await createTenant("resetter");
  const phone = await device(browser, tenant.email);
  // The link as the email would carry it (the e2e stack has no mail server, and production never shows it).
  const result = await requestPasswordReset(e2eDb(), {
    email: tenant.email,
    ip: "e2e",
    appUrl: E2E.baseUrl,
    isProduction: false,
    isSmtpConfigured: false,
    deliver: async () => ({ isConfigured: false }),
  });
  const link = result.status === "accepted" ? result.devLink! : "";
  expect(link).toContain("/reset-password/");

  const page = await (await browser.newContext()).newPage();
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("reset-password-123");
  await page.getByLabel("Repeat new password").fill("something-else-123");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("The two passwords do not match")).toBeVisible();
  await page.getByLabel("New password", { exact: true }).fill("reset-password-123");
  await page.getByLabel("Repeat new password").fill("reset-password-123");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/signin\?notice=password-reset$/);
  await expect(page.getByText("Your password was changed and every session was signed out.")).toBeVisible();

  await phone.goto(`/t/${tenant.team.slug}`);
  await expect(phone).toHaveURL(/\/signin/);
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Reset link not valid" })).toBeVisible();
  await signInUi(page, tenant.email, "reset-password-123");
});

test("transfer destinations: premium-rate and disallowed countries are refused with a clear error until Settings allows the country", async ({ page }) => {
  const tenant = await createTenant("transfers");
  const agent = await createAgent(e2eDb(), tenant.team, { userId: tenant.user.id, label: tenant.email }, { name: "Desk", templateKey: "blank" });
  await signInUi(page, tenant.email);
  await page.goto(`/t/${tenant.team.slug}/agents/${agent.id}`);
  await page.getByRole("tab", { name: "Departments" }).click();
  const departments = page.locator("#panel-departments");
  await departments.getByLabel("Department name").fill("Hotline");
  await departments.getByLabel("Phone number").fill("+1 900 555 1234");
  await departments.getByRole("button", { name: "Add department" }).click();
  await expect(departments.getByText("+19005551234 is a premium-rate number.")).toBeVisible();
  await departments.getByLabel("Department name").fill("Paris office");
  await departments.getByLabel("Phone number").fill("+33 6 12 34 56 78");
  await departments.getByRole("button", { name: "Add department" }).click();
  await expect(departments.getByText("+33612345678 is in France, which this team does not transfer to.")).toBeVisible();

  await page.goto(`/t/${tenant.team.slug}/settings`);
  const countries = page.getByLabel("Countries agents may transfer calls to");
  await expect(page.getByText("Now allowed: CA, US (default)")).toBeVisible();
  await countries.fill("US, CA, XX");
  await page.getByRole("button", { name: "Save transfer countries" }).click();
  await expect(page.getByText("Not a country code: XX.")).toBeVisible();
  await countries.fill("US, CA, FR");
  await page.getByRole("button", { name: "Save transfer countries" }).click();
  await expect(page.getByText("Transfer countries saved.")).toBeVisible();

  await page.goto(`/t/${tenant.team.slug}/agents/${agent.id}`);
  await page.getByRole("tab", { name: "Departments" }).click();
  await departments.getByLabel("Department name").fill("Paris office");
  await departments.getByLabel("Phone number").fill("+33 6 12 34 56 78");
  await departments.getByRole("button", { name: "Add department" }).click();
  await expect(departments.getByTestId("department").filter({ hasText: "Paris office" })).toContainText("+33612345678");
});
