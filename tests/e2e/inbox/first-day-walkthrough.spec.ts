import { expect, test, type Page } from "@playwright/test";
import { syncCaller } from "@/lib/callers/sync-caller";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { seedCall } from "../calls/seed-calls";
import { createTenant, e2eDb, signInUi } from "../helpers";

// What a new owner noticed walking the inbox, caller and compliance pages in a real browser after a simulated call
// in which the caller dictated their number as digits and hung up before saying why they called.

async function seedDictatedMessage(label: string) {
  const a = await createTenant(label);
  const now = Date.now();
  const call = await seedCall(
    a.team.id,
    { fromNumber: "+14155550199", toNumber: "+14155550100", startedAt: new Date(now - 3600_000), endedAt: new Date(now - 3600_000 + 64_000), durationSec: 64, outcome: "message_taken", capturedFields: { caller_name: "William Lopez" } },
    [{ speaker: "caller", text: "I would like to leave a message please", startMs: 0, endMs: 2000 }],
  );
  const message = await takeCallerMessage(e2eDb(), {
    teamId: a.team.id,
    callId: call.id,
    agentId: null,
    callerName: "William Lopez",
    callbackNumber: "4155550199",
    message: "No message given: the caller ended the call before saying what it was about.",
    details: { caller_name: "William Lopez", preferred_day: "Tuesday" },
  });
  const caller = await syncCaller(e2eDb(), { teamId: a.team.id, e164: "+14155550199" });
  return { a, call, message, caller };
}

async function pageWidth(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

test("inbox: named filters, a bulk bar that says what it is for, a dialable callback number and details in words", async ({ page }) => {
  const { a, message } = await seedDictatedMessage("Walk");
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/inbox`);
  const filters = page.getByRole("form", { name: "Filters" });
  // Every filter has a visible name: two bare date boxes did not say which one starts the range.
  for (const name of ["Assignee", "Department", "Received from", "Received to"]) await expect(filters.getByText(name, { exact: true })).toBeVisible();
  await expect(filters.getByLabel("Received from")).toHaveAttribute("type", "date");
  const bulk = page.getByRole("form", { name: "Bulk actions" });
  await expect(bulk).toContainText("Tick messages to act on several at once");
  // The assign menu is its own size on a wide screen, not a bar across the page.
  expect((await bulk.getByRole("combobox", { name: "Assign to" }).boundingBox())!.width).toBeLessThan(500);

  const row = page.getByTestId("inbox-row");
  await expect(row).toContainText("+1 415 555 0199");
  await expect(row).not.toContainText("caller_name");

  await page.goto(`/t/${a.team.slug}/inbox/${message.id}`);
  await expect(page.getByTestId("callback-number").getByRole("link", { name: "+1 415 555 0199" })).toHaveAttribute("href", "tel:+14155550199");
  const text = page.getByTestId("message-text");
  await expect(text).toContainText("Preferred day: Tuesday");
  // The name has its own line on the page; the raw key is never shown.
  await expect(text).not.toContainText("caller_name");
  await expect(text).not.toContainText("William Lopez");

  // The call's own page reads the same way: its message and captured fields in words.
  await page.getByRole("link", { name: "Transcript" }).click();
  await expect(page.getByRole("heading", { name: "Call from +14155550199" })).toBeVisible();
  await expect(page.getByText("Preferred day: Tuesday")).toBeVisible();
  await expect(page.getByText("+1 415 555 0199")).toBeVisible();
  await expect(page.getByText("caller name", { exact: true })).toBeVisible();
  await expect(page.getByText(/caller_name/)).toHaveCount(0);

  // The callers search is one row on a wide screen: the flag menu was a full-width bar under the search box.
  await page.goto(`/t/${a.team.slug}/callers`);
  const search = page.getByRole("search");
  const [box, flag, button] = await Promise.all([search.getByRole("textbox").boundingBox(), search.getByLabel("Flag").boundingBox(), search.getByRole("button", { name: "Search" }).boundingBox()]);
  expect(Math.abs(box!.y - flag!.y)).toBeLessThan(8);
  expect(Math.abs(box!.y - button!.y)).toBeLessThan(8);

  // The message sent no email (the default is urgent only): Notifications says why instead of only "Nothing sent yet".
  await page.goto(`/t/${a.team.slug}/settings/notifications`);
  await expect(page.getByText("You get an email for urgent messages only, so routine ones wait in the Inbox")).toBeVisible();
  await page.getByLabel("Email me about new messages").selectOption("all");
  await page.getByRole("button", { name: "Save notifications" }).click();
  await expect(page.getByText("Notification settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByText("Deliveries appear here when the agent takes a message.")).toBeVisible();
});

test("on a phone: inbox items are cards with the message on screen, and caller, settings and API pages keep the screen's width", async ({ page }) => {
  const { a, caller } = await seedDictatedMessage("WalkPhone");
  await page.setViewportSize({ width: 390, height: 844 });
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/inbox`);
  const message = page.getByTestId("inbox-row").getByText("No message given", { exact: false });
  await expect(message).toBeInViewport();
  expect((await message.boundingBox())!.x + 40).toBeLessThan(390);
  expect(await pageWidth(page)).toBeLessThanOrEqual(390);

  for (const path of [`/callers/${caller!.id}`, "/settings/retention", "/settings/notifications", "/settings/audit", "/privacy"]) {
    await page.goto(`/t/${a.team.slug}${path}`);
    await expect(page.getByRole("main")).toBeVisible();
    expect(await pageWidth(page), path).toBeLessThanOrEqual(390);
  }
  // The settings tabs scroll sideways instead: the last one is reachable.
  await page.goto(`/t/${a.team.slug}/settings/retention`);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" }).scrollIntoViewIfNeeded();
  await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" })).toBeInViewport();

  await page.goto("/docs/api");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await pageWidth(page)).toBeLessThanOrEqual(390);
});

test("caller data: the register fits a laptop screen with its download link, and the lookup reads in words", async ({ page }) => {
  const { a, caller } = await seedDictatedMessage("WalkPrivacy");
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/callers/${caller!.id}`);
  await page.getByRole("link", { name: "Export or erase data" }).click();
  const data = page.getByTestId("caller-data");
  await expect(data).toContainText("+14155550199: 1 call(s), 1 message(s).");
  await expect(data.getByTestId("caller-call").locator("summary")).toContainText("Message taken · 1:04");
  await expect(data).toContainText("Preferred day: Tuesday");
  await expect(data).not.toContainText("message_taken");

  await page.getByRole("button", { name: "Export data (access request)" }).click();
  const register = page.getByTestId("privacy-register");
  const download = register.getByRole("link", { name: /Download zip/ });
  await expect(download).toBeVisible();
  const box = (await download.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(1280);
  await expect(register.getByTestId("privacy-request")).toContainText(`by ${a.email}`);
});

test("retention: a shorter period with nothing old enough to delete says so, and Cancel puts the saved periods back", async ({ page }) => {
  const a = await createTenant("WalkRetention");
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/settings/retention`);
  await page.getByLabel("Recordings (days)").fill("1");
  await page.getByRole("button", { name: "Save retention policy" }).click();
  const warning = page.getByTestId("retention-warning");
  await expect(warning).toContainText("Nothing is old enough yet");
  await expect(warning).toContainText("0 recordings");
  await expect(warning.getByRole("button", { name: "Delete and save" })).toHaveCount(0);

  await warning.getByRole("button", { name: "Cancel" }).click();
  await expect(warning).toHaveCount(0);
  await expect(page.getByLabel("Recordings (days)")).toHaveValue("90");

  await page.getByLabel("Recordings (days)").fill("1");
  await page.getByRole("button", { name: "Save retention policy" }).click();
  await page.getByTestId("retention-warning").getByRole("button", { name: "Save shorter period" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Retention policy saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Recordings (days)")).toHaveValue("1");
});
