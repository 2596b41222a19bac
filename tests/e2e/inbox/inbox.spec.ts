import { expect, test } from "@playwright/test";
import { and, eq } from "drizzle-orm";
import { auditLogs, callerMessages, memberships, teams, users } from "@/db/schema";
import { syncCaller } from "@/lib/callers/sync-caller";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { seedCall } from "../calls/seed-calls";
import { createTenant, e2eDb, signInUi } from "../helpers";

// The inbox as a clinic's front desk uses it: what the agent took, urgent first, assigned, handled, and the
// caller's page with everything about them.

async function seedInbox() {
  const a = await createTenant("Inbox");
  const db = e2eDb();
  const [nurse] = await db.insert(users).values({ email: `nurse-${a.team.id.slice(0, 8)}@example.test`, name: "Nora Nurse" }).returning();
  await db.insert(memberships).values({ teamId: a.team.id, userId: nurse!.id, role: "member" });
  const now = Date.now();
  const routine = await seedCall(
    a.team.id,
    { fromNumber: "+15550001111", startedAt: new Date(now - 3 * 3600_000), endedAt: new Date(now - 3 * 3600_000 + 60_000), durationSec: 60, outcome: "message_taken", summary: "Asked to move a cleaning to next week.", capturedFields: { caller_name: "Maria Lopez", preferred_day: "Tuesday" } },
    [{ speaker: "caller", text: "Can I move my cleaning to next week?", startMs: 0, endMs: 2000 }],
  );
  await takeCallerMessage(db, { teamId: a.team.id, callId: routine.id, agentId: null, callerName: "Maria Lopez", callbackNumber: "+15550001111", message: "Please move my cleaning to next Tuesday." });
  const voicemail = await seedCall(
    a.team.id,
    { fromNumber: "+15550002222", startedAt: new Date(now - 3600_000), endedAt: new Date(now - 3600_000 + 20_000), durationSec: 20, outcome: "message_taken", endReason: "lines_busy" },
    [],
    { recordingSeconds: 3 },
  );
  await takeCallerMessage(db, { teamId: a.team.id, callId: voicemail.id, agentId: null, callerName: "", callbackNumber: "+15550002222", message: "Voicemail (20 s), left while all lines were busy. Play it on the call's page.", kind: "voicemail", isUrgent: true });
  await syncCaller(db, { teamId: a.team.id, e164: "+15550001111" });
  await syncCaller(db, { teamId: a.team.id, e164: "+15550002222" });
  return { a, nurse: nurse!, routine, voicemail };
}

test("inbox triage: urgent first, bulk assign, handle with notes (audited), spam, and the new count in the navigation", async ({ page }) => {
  const { a, nurse, voicemail } = await seedInbox();
  await signInUi(page, a.email);
  await expect(page.getByTestId("inbox-new-count")).toHaveText("2");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Inbox/ }).click();
  await expect(page).toHaveURL(new RegExp(`/t/${a.team.slug}/inbox$`));
  const rows = page.getByTestId("inbox-row");
  await expect(rows).toHaveCount(2);
  // The urgent voicemail sorts first, with its call and recording one click away.
  await expect(rows.first()).toContainText("Urgent");
  await expect(rows.first()).toContainText("Voicemail");
  await expect(rows.first().getByRole("link", { name: /recording/ })).toHaveAttribute("href", `/t/${a.team.slug}/calls/${voicemail.id}#recording`);
  await expect(rows.nth(1)).toContainText("Maria Lopez");

  // Bulk: both assigned to the nurse.
  await page.getByRole("checkbox", { name: "Select all" }).check();
  await page.getByRole("combobox", { name: "Assign to" }).selectOption(nurse.id);
  await page.getByRole("button", { name: "Assign", exact: true }).click();
  await expect(page.getByText("2 messages updated.")).toBeVisible();
  await expect(rows.first()).toContainText("Nora Nurse");
  await expect(rows.nth(1)).toContainText("Assigned");
  await page.reload();
  await expect(page.getByTestId("inbox-new-count")).toHaveCount(0);

  // Filter by assignee and urgency.
  await page.getByRole("checkbox", { name: "Urgent only" }).check();
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Voicemail");

  // Handle Maria's message with a note and a callback time.
  await page.goto(`/t/${a.team.slug}/inbox`);
  await rows.nth(1).getByRole("link").first().click();
  await expect(page.getByTestId("message-text")).toContainText("next Tuesday");
  await page.getByLabel("Status").selectOption("handled");
  await page.getByLabel("Notes").fill("Called back, moved to Tuesday 10:00.");
  await page.getByLabel("Call back at").fill("2030-01-08T10:00");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("handled-by")).toContainText(`Handled by ${a.email}`);
  await expect(page.getByLabel("Notes")).toHaveValue("Called back, moved to Tuesday 10:00.");
  const audited = await e2eDb().select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "message.handled")));
  expect(audited).toHaveLength(1);
  expect(audited[0]!.actorUserId).toBe(a.user.id);

  // The voicemail is spam; the open view is then empty and the statuses have their own tabs.
  await page.goto(`/t/${a.team.slug}/inbox`);
  await expect(rows).toHaveCount(1);
  await page.getByRole("checkbox", { name: /Select message/ }).check();
  await page.getByRole("button", { name: "Spam" }).click();
  // The last open item is gone: the empty inbox replaces the list.
  await expect(page.getByText("Nothing waiting")).toBeVisible();
  await page.getByRole("link", { name: "Handled", exact: true }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Maria Lopez");
  await page.getByRole("link", { name: "Spam", exact: true }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Voicemail");
});

test("caller page: search by number in any format, every call and message, captured fields, and editable notes, tags and flags", async ({ page }) => {
  const { a, routine } = await seedInbox();
  await signInUi(page, a.email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Callers" }).click();
  await expect(page.getByTestId("caller-row")).toHaveCount(2);
  await page.getByLabel("Search callers").fill("(555) 000-1111");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("caller-row")).toHaveCount(1);
  await page.getByLabel("Search callers").fill("lop");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("caller-row")).toHaveCount(1);
  await page.getByTestId("caller-row").getByRole("link", { name: "Maria Lopez" }).click();

  await expect(page.getByRole("heading", { name: "Maria Lopez" })).toBeVisible();
  await expect(page.getByText("+15550001111 · 1 call")).toBeVisible();
  await expect(page.getByTestId("caller-call-row")).toHaveCount(1);
  await expect(page.getByTestId("caller-call-row").getByRole("link")).toHaveAttribute("href", `/t/${a.team.slug}/calls/${routine.id}`);
  await expect(page.getByTestId("caller-message")).toContainText("next Tuesday");
  await expect(page.getByText("preferred day")).toBeVisible();

  await page.getByLabel("Notes").fill("Prefers morning appointments.");
  await page.getByLabel("Tags").fill("cleaning, returning patient");
  await page.getByRole("checkbox", { name: /VIP/ }).check();
  await page.getByRole("button", { name: "Save caller" }).click();
  await expect(page.getByText("Caller saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Notes")).toHaveValue("Prefers morning appointments.");
  await expect(page.getByText("returning patient").first()).toBeVisible();
  await expect(page.getByText("VIP", { exact: true }).first()).toBeVisible();
  await page.goto(`/t/${a.team.slug}/callers?flag=vip`);
  await expect(page.getByTestId("caller-row")).toHaveCount(1);
});

test("caller page: owners reach the caller's export and erasure with the number filled in; members see no such button", async ({ page }) => {
  const { a, nurse } = await seedInbox();
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/callers?q=lopez`);
  await page.getByTestId("caller-row").getByRole("link", { name: "Maria Lopez" }).click();
  await page.getByTestId("caller-data-actions").getByRole("link", { name: "Export or erase data" }).click();
  await expect(page.getByRole("heading", { name: "Caller data requests" })).toBeVisible();
  await expect(page.getByLabel("Caller's phone number")).toHaveValue("+15550001111");
  // Looked up at once: the click on the caller's page asked for it, no second click on Look up.
  await expect(page.getByTestId("caller-data")).toContainText("+15550001111: 1 call(s), 1 message(s).");
  const lookups = await e2eDb().select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "privacy.caller_lookup")));
  expect(lookups).toHaveLength(1);
  await expect(page.getByRole("button", { name: "Export data (access request)" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Erase all data" })).toBeVisible();

  // A member may read callers but not answer data requests: no button that would lead to a 404.
  const db = e2eDb();
  await db.update(users).set({ passwordHash: (await db.select({ h: users.passwordHash }).from(users).where(eq(users.email, a.email)))[0]!.h }).where(eq(users.id, nurse.id));
  await page.getByRole("button", { name: "Sign out" }).click();
  await signInUi(page, nurse.email!);
  await page.goto(`/t/${a.team.slug}/callers?q=lopez`);
  await page.getByTestId("caller-row").getByRole("link", { name: "Maria Lopez" }).click();
  await expect(page.getByRole("heading", { name: "Maria Lopez" })).toBeVisible();
  await expect(page.getByTestId("caller-data-actions")).toHaveCount(0);
});

test.describe("a member whose browser is in another zone than the team", () => {
  test.use({ timezoneId: "Asia/Tokyo" });

  test("message triage: the callback time is typed and shown on the team's clocks, and picking an assignee makes a new item assigned", async ({ page }) => {
    const { a, nurse } = await seedInbox();
    const db = e2eDb();
    await db.update(teams).set({ timeZone: "America/New_York" }).where(eq(teams.id, a.team.id));
    await signInUi(page, a.email);
    await page.goto(`/t/${a.team.slug}/inbox`);
    await page.getByTestId("inbox-row").filter({ hasText: "Maria Lopez" }).getByRole("link").first().click();
    // The inbox's status tabs are labelled "Status" too: wait for the message page before reading its field.
    await expect(page).toHaveURL(/\/inbox\/[0-9a-f-]{36}$/);
    await expect(page.getByLabel("Status")).toHaveValue("new");
    await page.getByLabel("Assignee").selectOption(nurse.id);
    await expect(page.getByLabel("Status")).toHaveValue("assigned");
    await expect(page.getByText("America/New_York time")).toBeVisible();
    await page.getByLabel("Call back at").fill("2030-01-08T10:00");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    await page.reload();
    await expect(page.getByLabel("Call back at")).toHaveValue("2030-01-08T10:00");
    await expect(page.getByLabel("Status")).toHaveValue("assigned");
    const [row] = await db.select().from(callerMessages).where(and(eq(callerMessages.teamId, a.team.id), eq(callerMessages.assigneeId, nurse.id)));
    expect(row!.callbackAt?.toISOString()).toBe("2030-01-08T15:00:00.000Z");
    await page.goto(`/t/${a.team.slug}/inbox`);
    await expect(page.getByTestId("inbox-row").filter({ hasText: "Maria Lopez" })).toContainText("Call back 2030-01-08 10:00 EST");
  });
});
