import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { calls, type NewCall } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { createTenant, e2eDb, signInUi } from "../helpers";

const DAY_MS = 86_400_000;

function isoDay(ms: number) {
  return new Date(ms).toISOString().slice(0, 10);
}

test("analytics dashboard: charts render with the seeded numbers, CSV export has the daily rows, overview shows the rates", async ({ page }) => {
  const a = await createTenant("Analytics");
  const db = e2eDb();
  const agent = await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  // Whole UTC days, so the numbers do not depend on the hour the test runs.
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const call = (dayOffset: number, second: number, values: Partial<NewCall>): NewCall => {
    const startedAt = new Date(today - dayOffset * DAY_MS + second * 1000);
    return {
      teamId: a.team.id,
      agentId: agent.id,
      direction: "inbound",
      status: "completed",
      startedAt,
      answeredAt: values.outcome === "abandoned" ? null : startedAt,
      // Ended, as finished calls are: the worker's recovery sweep would otherwise close them as lost mid-test and
      // re-analyze them (no turns: abandoned), changing the numbers under the test.
      endedAt: new Date(startedAt.getTime() + 60_000),
      durationSec: 60,
      // Analyzed: a pending ended call is picked up by the worker's sweep and re-analyzed (no turns: abandoned),
      // which changed today's row between the overview and the CSV in one CI run.
      analysisStatus: "done",
      voiceToVoiceP50Ms: 640,
      voiceToVoiceP95Ms: 950,
      ...values,
    };
  };
  await db.insert(calls).values([
    call(0, 1, { outcome: "resolved", sentiment: "positive" }),
    call(0, 2, { outcome: "resolved", sentiment: "neutral" }),
    call(0, 3, { outcome: "transferred", transferredTo: "Billing", sentiment: "negative" }),
    call(1, 10, { outcome: "abandoned", durationSec: 5 }),
    call(1, 20, { outcome: "message_taken", sentiment: "positive" }),
    call(3, 30, { outcome: "resolved", sentiment: "positive" }),
    call(3, 40, { outcome: "failed" }),
    // A test call: never counted.
    call(0, 4, { outcome: "resolved", isTest: true, direction: "web" }),
  ]);
  await rebuildRollups(db, a.team.id);

  await signInUi(page, a.email);
  // Overview: today's resolution rate (2 of 3) and sentiment (1 of 3 positive), from the rollups.
  await expect(page.getByText("Resolution rate today")).toBeVisible();
  await expect(page.getByText("67%", { exact: true })).toBeVisible();
  await expect(page.getByText("2 of 3 finished calls")).toBeVisible();
  await expect(page.getByText("33% positive", { exact: true })).toBeVisible();

  await page.goto(`/t/${a.team.slug}/analytics?range=7`);
  await expect(page.getByRole("heading", { name: "Analytics" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Last 7 days" })).toHaveAttribute("aria-current", "page");
  const stat = (label: string) => page.locator("dt", { hasText: label }).locator("xpath=following-sibling::dd");
  await expect(stat("Calls")).toHaveText("7");
  await expect(stat("Resolution rate")).toHaveText("42.9%");
  // The latency histogram answers within its 500-700 ms and 900-1100 ms buckets.
  await expect(stat("Voice-to-voice p50 / p95")).toHaveText(/^(5\d\d|6\d\d) \/ (9\d\d|10\d\d) ms$/);

  // Every recharts chart drew its SVG with data in it.
  for (const name of ["Calls per day", "Answered versus abandoned", "Resolution rate", "Sentiment", "Average handle time", "Voice-to-voice latency", "Transfers per department"]) {
    await expect(page.getByRole("figure", { name }).locator("svg.recharts-surface").first()).toBeVisible();
  }
  await expect(page.getByRole("figure", { name: "Calls per day" }).locator(".recharts-bar-rectangle path")).not.toHaveCount(0);
  await expect(page.getByRole("figure", { name: "Transfers per department" }).getByText("Billing")).toBeVisible();
  // No analyzed topics were seeded: the card says so instead of drawing an empty chart.
  await expect(page.getByText("No analyzed topics in this range yet.")).toBeVisible();
  // All seeded calls started in the first minute of their UTC day: three busy cells, today's with all three of its calls.
  const heatmap = page.getByRole("table", { name: "Calls by hour of week (UTC)" });
  await expect(heatmap.locator("td:not([title$=': 0 calls'])")).toHaveCount(3);
  await expect(heatmap.locator("td[title$=' 00:00 UTC: 3 calls']")).toHaveCount(1);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/analytics-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync((await download.path())!, "utf8").trim().split(/\r\n/);
  expect(csv[0]).toBe(
    "day,calls,answered,abandoned,resolved,transferred,message_taken,failed,resolution_rate,avg_handle_sec,sentiment_positive,sentiment_neutral,sentiment_negative,voice_to_voice_p50_ms,voice_to_voice_p95_ms",
  );
  expect(csv).toHaveLength(8);
  const row = (offset: number) => csv.find((line) => line.startsWith(`${isoDay(today - offset * DAY_MS)},`))?.split(",");
  expect(row(0)?.slice(0, 8)).toEqual([isoDay(today), "3", "3", "0", "2", "1", "0", "0"]);
  expect(row(1)?.slice(0, 8)).toEqual([isoDay(today - DAY_MS), "2", "1", "1", "0", "0", "1", "0"]);
  expect(row(2)?.slice(1, 2)).toEqual(["0"]);
  expect(row(3)?.slice(0, 9)).toEqual([isoDay(today - 3 * DAY_MS), "2", "2", "0", "1", "0", "0", "1", "0.5"]);

  // A custom range from the form lands in the URL; a range without calls shows the honest empty state.
  await page.getByLabel("From", { exact: true }).fill("2001-01-01");
  await page.getByLabel("To", { exact: true }).fill("2001-01-31");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/from=2001-01-01&to=2001-01-31/);
  await expect(page.getByText("No calls in this range")).toBeVisible();
  await expect(page.getByRole("link", { name: "Export CSV" })).toHaveCount(0);
});
