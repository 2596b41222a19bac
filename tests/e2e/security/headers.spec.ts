import { expect, test, type Page } from "@playwright/test";
import { createTenant, signInUi } from "../helpers";

// Every page carries the security headers and works under its Content-Security-Policy: no violation is reported
// while the main pages load and hydrate, and the agent section (and only it) may use the microphone.

function collectCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|connect|apply|frame)/i.test(text)) violations.push(`${page.url()}: ${text}`);
  });
  return violations;
}

async function microphoneAllowed(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const policy = (document as Document & { featurePolicy?: { allowsFeature(f: string): boolean } }).featurePolicy;
    if (!policy) throw new Error("this Chromium exposes no document.featurePolicy");
    return policy.allowsFeature("microphone");
  });
}

test("the main pages send the security headers and load without CSP violations", async ({ page }) => {
  test.setTimeout(120_000);
  const violations = collectCspViolations(page);
  const owner = await createTenant("headers");

  for (const path of ["/", "/signin", "/signup", "/docs/api"]) {
    const response = await page.goto(path);
    const headers = response!.headers();
    expect(headers["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"], path).not.toContain("unsafe-eval");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["permissions-policy"], path).toContain("microphone=()");
    // The e2e stack runs NODE_ENV=production.
    expect(headers["strict-transport-security"], path).toMatch(/^max-age=\d+/);
    // Next.js's inline scripts carry the request's nonce.
    const unsigned = await page.evaluate(() => [...document.querySelectorAll("script:not([src])")].filter((s) => !(s as HTMLScriptElement).nonce).length);
    expect(unsigned, path).toBe(0);
  }

  await signInUi(page, owner.email);
  const base = `/t/${owner.team.slug}`;
  for (const path of ["", "/calls", "/analytics", "/numbers", "/settings", "/settings/members", "/settings/api-keys", "/settings/webhooks", "/settings/audit", "/agents"]) {
    const response = await page.goto(`${base}${path}`);
    expect(response!.status(), path).toBe(200);
    expect(response!.headers()["content-security-policy"], path).toContain("'nonce-");
  }
  expect(await microphoneAllowed(page)).toBe(true);

  // Creating an agent and using its builder needs hydrated client components (tabs, forms).
  await page.goto(`${base}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);
  await page.getByRole("tab", { name: "Knowledge" }).click();
  await expect(page.getByRole("tab", { name: "Knowledge" })).toHaveAttribute("aria-selected", "true");
  await page.getByRole("tab", { name: "Test call" }).click();
  await expect(page.locator("#panel-test-call").getByRole("button", { name: "Start test call" })).toBeVisible();

  // A page is not framed by another site.
  const framed = await page.goto(`${base}/calls`);
  expect(framed!.headers()["x-frame-options"]).toBe("DENY");
  expect(await microphoneAllowed(page)).toBe(false);

  expect(violations).toEqual([]);
});

test("reaching an agent from another page inside the app still gives its test call the microphone", async ({ page }) => {
  const violations = collectCspViolations(page);
  const owner = await createTenant("micnav");
  await signInUi(page, owner.email);
  const base = `/t/${owner.team.slug}`;
  await page.goto(`${base}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);
  const agentUrl = new URL(page.url()).pathname;

  // Loaded as the calls page (no microphone), then client-side navigation into the agent section.
  await page.goto(`${base}/calls`);
  expect(await microphoneAllowed(page)).toBe(false);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
  await expect(page).toHaveURL(new RegExp(`${base}/agents$`));
  await page.getByRole("link", { name: "Front desk" }).first().click();
  await expect(page).toHaveURL(new RegExp(`${agentUrl}$`));
  // The test call panel reloads the page once, so this document may use the microphone.
  // (Asked again while the reload replaces the document.)
  await expect.poll(() => microphoneAllowed(page).catch(() => null), { timeout: 15_000 }).toBe(true);
  await expect(page.getByRole("tab", { name: "Test call" })).toBeVisible();
  expect(violations).toEqual([]);
});
