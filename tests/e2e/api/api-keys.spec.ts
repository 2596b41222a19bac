import { expect, test } from "@playwright/test";
import { emitTeamEvent } from "@/lib/webhooks/dispatch";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("create an API key in Settings, call the API with it, revoke it", async ({ page }) => {
  const owner = await createTenant("ApiKeys");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings`);
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);

  await page.getByLabel("Key name").fill("CRM sync");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("status")).toContainText("Copy it now");
  const key = await page.getByTestId("new-api-key").inputValue();
  expect(key).toMatch(/^aica_live_[\w-]{20,}$/);
  const row = page.getByTestId("api-key-CRM sync");
  await expect(row).toContainText(key.slice(0, 16));
  await expect(row).toContainText(owner.email);
  await expect(row).not.toContainText(key.slice(16));

  const ok = await page.request.get("/api/v1/calls", { headers: { Authorization: `Bearer ${key}` } });
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual({ data: [], next_cursor: null });
  await page.reload();
  await expect(page.getByTestId("api-key-CRM sync")).not.toContainText("Never");

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Revoke CRM sync" }).click();
  await expect(page.getByTestId("api-key-CRM sync")).toContainText("Revoked");
  const refused = await page.request.get("/api/v1/calls", { headers: { Authorization: `Bearer ${key}` }, failOnStatusCode: false });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ error: { code: "unauthenticated" } });
});

test("register a webhook endpoint, see the secret once and its deliveries in the log", async ({ page }) => {
  const owner = await createTenant("Webhooks");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/settings/webhooks`);

  await page.getByLabel("Endpoint URL").fill("http://example.com/hook");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText("Use an https:// URL")).toBeVisible();

  await page.getByLabel("Endpoint URL").fill("https://hooks.example.test/aica");
  await page.getByLabel(/call\.started/).uncheck();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const secret = await page.getByTestId("webhook-secret").inputValue();
  expect(secret).toMatch(/^whsec_/);
  const endpoint = page.getByTestId("webhook-endpoint");
  await expect(endpoint).toContainText("https://hooks.example.test/aica");
  await expect(endpoint).toContainText("call.completed");
  await expect(endpoint).not.toContainText("call.started");

  await page.getByRole("button", { name: "Reveal secret" }).click();
  await expect(page.getByLabel("Signing secret of https://hooks.example.test/aica")).toHaveValue(secret);

  await emitTeamEvent(e2eDb(), owner.team.id, "call.completed", { call_id: "00000000-0000-4000-8000-000000000001" });
  await page.reload();
  const delivery = page.getByTestId("webhook-delivery");
  await expect(delivery).toHaveCount(1);
  await expect(delivery).toContainText("call.completed");
  await expect(delivery).toContainText("pending");
});
