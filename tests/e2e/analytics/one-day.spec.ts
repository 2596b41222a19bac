import { expect, test } from "@playwright/test";
import { eq } from "drizzle-orm";
import { callEvents, calls, departments } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { rebuildRollups } from "@/lib/analytics/rollup";
import { createTenant, e2eDb, signInUi } from "../helpers";

test("analytics with one day of data draws a visible point on every line chart, and transfers carry the department's name", async ({ page }) => {
  const a = await createTenant("OneDay");
  const db = e2eDb();
  const agent = await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  const [dept] = await db.select().from(departments).where(eq(departments.agentId, agent.id)).limit(1);
  const startedAt = new Date(Date.now() - 5 * 60_000);
  const [transferred] = await db
    .insert(calls)
    .values([
      { teamId: a.team.id, agentId: agent.id, direction: "inbound", status: "completed", outcome: "resolved", startedAt, endedAt: new Date(), analysisStatus: "done", durationSec: 90, voiceToVoiceP50Ms: 640, voiceToVoiceP95Ms: 950 },
      { teamId: a.team.id, agentId: agent.id, direction: "inbound", status: "completed", outcome: "transferred", transferredTo: dept!.phoneNumber, startedAt, endedAt: new Date(), analysisStatus: "done", durationSec: 30 },
    ])
    .returning()
    .then((rows) => rows.filter((r) => r.outcome === "transferred"));
  await db.insert(callEvents).values({ teamId: a.team.id, callId: transferred!.id, atMs: 5000, kind: "transfer", name: dept!.name, data: { to: dept!.phoneNumber } });
  await rebuildRollups(db, a.team.id);

  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/analytics?range=7`);
  for (const name of ["Resolution rate", "Average handle time", "Voice-to-voice latency"]) {
    await expect(page.getByRole("figure", { name }).getByTestId("chart-point").first()).toBeVisible();
  }
  // Both p50 and p95 have their point.
  await expect(page.getByRole("figure", { name: "Voice-to-voice latency" }).getByTestId("chart-point")).toHaveCount(2);
  const transfers = page.getByRole("figure", { name: "Transfers per department" });
  await expect(transfers.getByText(dept!.name)).toBeVisible();
  await expect(transfers.getByText(dept!.phoneNumber)).toHaveCount(0);
});
