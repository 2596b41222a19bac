import { randomUUID } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { like } from "drizzle-orm";
import { createDb, type Db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { signUp } from "@/lib/teams/sign-up";
import { E2E } from "./env";

export function uniqueEmail(prefix: string) {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

export const PASSWORD = "correct-horse-battery";

let db: Db | undefined;
export function e2eDb(): Db {
  // Messages a spec writes are sealed with the key the app under test reads them with.
  configureFieldEncryption(masterKeyRing(Buffer.from(E2E.encryptionKey, "base64")));
  db ??= createDb(E2E.databaseUrl, { max: 2 }).db;
  return db;
}

// Fast path for tests that need a tenant but do not test signup itself.
export async function createTenant(label: string) {
  const email = uniqueEmail(label);
  const { user, team } = await signUp(e2eDb(), { name: `${label} Owner`, email, password: PASSWORD, companyName: `${label} ${randomUUID().slice(0, 6)}` });
  return { user, team, email, password: PASSWORD };
}

export async function signInUi(page: Page, email: string, password = PASSWORD) {
  // Every spec's people sign in from 127.0.0.1, where real ones would come from their own addresses: the per-IP
  // budget (50 per 15 minutes) is spent by the suite as a whole, not by any one spec. The per-email limit stays,
  // and signup.spec.ts tests the limits themselves.
  await e2eDb().delete(rateLimits).where(like(rateLimits.key, "signin:ip:%"));
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/t\/[^/]+$/);
}

// The page's own alert (Next.js keeps an empty role="alert" route announcer on every page).
export function formAlert(page: Page) {
  return page.locator('[role="alert"]:not(#__next-route-announcer__)');
}
