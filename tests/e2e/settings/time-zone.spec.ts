import { expect, test } from "@playwright/test";
import { calls } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { createTenant, e2eDb, signInUi } from "../helpers";
import { seedCall } from "../calls/seed-calls";

const HOUR = 3_600_000;
const DAY = 86_400_000;

test("team time zone: taken from the first agent, editable in Settings, and every page shows local times and local days", async ({ page }) => {
  const a = await createTenant("Zone");
  const db = e2eDb();
  await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist", timeZone: "America/New_York" });
  // 02:30 UTC on Thursday January 15th is 21:30 on Wednesday the 14th in New York and 11:30 Thursday in Tokyo.
  await seedCall(a.team.id, { fromNumber: "+15550001234", outcome: "resolved", startedAt: new Date("2026-01-15T02:30:00Z"), endedAt: new Date("2026-01-15T02:31:00Z"), durationSec: 60 }, []);

  await signInUi(page, a.email);
  await expect(page.getByText("Today at a glance (America/New_York time)")).toBeVisible();
  await page.goto(`/t/${a.team.slug}/calls`);
  await expect(page.getByTestId("call-row").first()).toContainText("2026-01-14 21:30 EST");

  await page.goto(`/t/${a.team.slug}/settings`);
  const zone = page.getByLabel("Time zone");
  await expect(zone).toHaveValue("America/New_York");
  await expect(page.getByText("Not saved yet: taken from your first agent's business hours.")).toBeVisible();
  await zone.selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Time zone")).toHaveValue("Asia/Tokyo");
  await expect(page.getByText("Not saved yet")).toHaveCount(0);

  await page.goto(`/t/${a.team.slug}/calls`);
  await expect(page.getByTestId("call-row").first()).toContainText("2026-01-15 11:30 GMT+9");
  // The date filter picks Tokyo days: the call is on the 15th there, not on the 14th.
  await page.goto(`/t/${a.team.slug}/calls?from=2026-01-14&to=2026-01-14`);
  await expect(page.getByText("No calls match these filters")).toBeVisible();
  await page.goto(`/t/${a.team.slug}/calls?from=2026-01-15&to=2026-01-15`);
  await expect(page.getByTestId("call-row")).toHaveCount(1);

  await rebuildRollups(db, a.team.id);
  await page.goto(`/t/${a.team.slug}/analytics?from=2026-01-15&to=2026-01-15`);
  await expect(page.getByText("2026-01-15 to 2026-01-15, days in Asia/Tokyo")).toBeVisible();
  const heatmap = page.getByRole("table", { name: "Calls by hour of week (Asia/Tokyo)" });
  await expect(heatmap.locator("td[title='Thu 11:00 Asia/Tokyo: 1 calls']")).toHaveCount(1);
});

test("calls today counts from local midnight and leaves test calls out, as Analytics does", async ({ page }) => {
  const a = await createTenant("Today");
  const db = e2eDb();
  await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist", timeZone: "Asia/Tokyo" });
  // Tokyo is UTC+9 all year. One call just before Tokyo's midnight and one just after it: whatever the hour of the
  // run, one of them is on a different UTC day than its Tokyo day.
  const now = Date.now();
  const tokyoMidnight = Math.floor((now + 9 * HOUR) / DAY) * DAY - 9 * HOUR;
  const afterMidnight = Math.min(tokyoMidnight + HOUR / 2, now - 60_000);
  const rows = [
    { startedAt: new Date(tokyoMidnight - HOUR / 2), isTest: false }, // yesterday in Tokyo
    { startedAt: new Date(afterMidnight), isTest: false },
    { startedAt: new Date(now - 30_000), isTest: false },
    { startedAt: new Date(now - 20_000), isTest: true }, // a test call: counted nowhere
  ];
  await db.insert(calls).values(
    rows.map((r) => ({
      teamId: a.team.id,
      direction: r.isTest ? ("web" as const) : ("inbound" as const),
      isTest: r.isTest,
      status: "completed" as const,
      outcome: "resolved" as const,
      startedAt: r.startedAt,
      endedAt: new Date(r.startedAt.getTime() + 10_000),
      analysisStatus: "done" as const,
      durationSec: 10,
    })),
  );
  await rebuildRollups(db, a.team.id);

  await signInUi(page, a.email);
  const stat = (label: string) => page.locator("p", { hasText: label }).locator("xpath=following-sibling::p[1]");
  await expect(stat("Calls today")).toHaveText("2");
  await expect(page.getByText("2 of 2 finished calls")).toBeVisible();
  const todayInTokyo = new Date(now + 9 * HOUR).toISOString().slice(0, 10);
  await page.goto(`/t/${a.team.slug}/analytics?from=${todayInTokyo}&to=${todayInTokyo}`);
  await expect(page.locator("dt", { hasText: "Calls" }).first().locator("xpath=following-sibling::dd")).toHaveText("2");
});

test("the getting-started checklist: test call and publish steps, and the first call stays done on a quiet day", async ({ page }) => {
  const a = await createTenant("Checklist");
  const db = e2eDb();
  await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  // One real call, last month; nothing today.
  await seedCall(a.team.id, { fromNumber: "+15550009876", outcome: "resolved", startedAt: new Date(Date.now() - 30 * DAY), endedAt: new Date(Date.now() - 30 * DAY + 60_000) }, []);
  await signInUi(page, a.email);
  const steps = page.getByRole("list").filter({ hasText: "Create your agent" });
  await expect(steps.getByRole("listitem")).toHaveText(["✓Create your agent", "2Make a test call", "3Publish your agent", "4Attach a phone number", "✓Take your first call"]);
  await expect(steps.getByRole("link", { name: "Make a test call" })).toHaveAttribute("href", /\/agents\/[0-9a-f-]+\?tab=test-call$/);
});
