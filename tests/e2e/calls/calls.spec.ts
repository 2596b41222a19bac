import { expect, test } from "@playwright/test";
import { and, eq } from "drizzle-orm";
import { auditLogs, calls, memberships } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { createTenant, e2eDb, signInUi } from "../helpers";
import { seedCall, seedEvent } from "./seed-calls";

test("calls list → filters → call detail with playback and the transcript following along", async ({ page }) => {
  const a = await createTenant("Calls");
  const agent = await createAgent(e2eDb(), a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  const now = Date.now();
  const booking = await seedCall(
    a.team.id,
    {
      agentId: agent.id,
      fromNumber: "+15550001111",
      toNumber: "+15559990000",
      startedAt: new Date(now - 60 * 60_000),
      answeredAt: new Date(now - 60 * 60_000),
      endedAt: new Date(now - 59 * 60_000),
      durationSec: 7,
      outcome: "resolved",
      sentiment: "positive",
      sentimentScore: 0.6,
      topic: "Appointment booking",
      analysisStatus: "done",
      summary: "The caller wanted to book a cleaning on Friday. The agent handled it on the call.",
      capturedFields: { caller_name: "Maria Lopez" },
      voiceToVoiceP50Ms: 640,
      voiceToVoiceP95Ms: 910,
    },
    [
      { speaker: "agent", text: "Thanks for calling Sunny Dental, how can I help?", startMs: 0, endMs: 2000, isInterrupted: true },
      { speaker: "caller", text: "Hi, I'd like to book a cleaning appointment on Friday.", startMs: 2200, endMs: 4400 },
      { speaker: "agent", text: "You're booked for Friday at ten.", startMs: 4800, endMs: 6800, firstAudioMs: 640 },
    ],
    { recordingSeconds: 7 },
  );
  await seedEvent(a.team.id, booking.id, { atMs: 4600, kind: "tool_call", name: "book_appointment", data: { day: "Friday" } });
  await seedCall(
    a.team.id,
    { fromNumber: "+15550002222", startedAt: new Date(now - 30 * 60_000), endedAt: new Date(now - 29 * 60_000), durationSec: 40, outcome: "transferred", transferredTo: "Billing", sentiment: "negative", topic: "Billing and payments" },
    [{ speaker: "caller", text: "I was charged twice on my invoice.", startMs: 0, endMs: 2000 }],
  );
  await seedCall(a.team.id, { fromNumber: "+15550003333", isTest: true, startedAt: new Date(now - 10 * 60_000), endedAt: new Date(now - 9 * 60_000), outcome: "resolved" }, []);

  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/calls`);
  const rows = page.getByTestId("call-row");
  // Test calls are hidden unless asked for.
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("+15550002222");
  await expect(rows.first()).toContainText("Transferred");

  await page.getByLabel("Outcome").selectOption("transferred");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/outcome=transferred/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("+15550002222");

  await page.getByLabel("Test calls").selectOption("only");
  await page.getByLabel("Outcome").selectOption("");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Test");

  // Full-text search in transcripts, with stemming ("appointments" finds "appointment").
  await page.goto(`/t/${a.team.slug}/calls?q=cleaning+appointments`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("+15550001111");
  await page.goto(`/t/${a.team.slug}/calls?q=nothing-like-this-was-said`);
  await expect(page.getByText("No calls match these filters")).toBeVisible();

  await page.goto(`/t/${a.team.slug}/calls?q=cleaning`);
  await rows.first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/calls/${booking.id}$`));
  await expect(page.getByTestId("call-summary")).toContainText("book a cleaning on Friday");
  await expect(page.getByText("Maria Lopez")).toBeVisible();
  await expect(page.getByText("book_appointment")).toBeVisible();
  await expect(page.getByText("p95 910 ms")).toBeVisible();
  const turns = page.getByTestId("transcript-turn");
  await expect(turns).toHaveCount(3);
  await expect(turns.nth(0)).toContainText("0:00");
  await expect(turns.nth(1)).toContainText("0:02");
  await expect(turns.nth(0)).toContainText("interrupted");

  // The recording loads in the page (through the team-checked route) and is seekable.
  const audio = page.getByLabel("Call recording");
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  expect(await audio.evaluate((el: HTMLAudioElement) => el.duration)).toBeCloseTo(7, 0);
  await audio.evaluate((el: HTMLAudioElement) => (el.currentTime = 3));
  await expect(turns.nth(1)).toHaveAttribute("aria-current", "true");
  await expect(turns.nth(0)).not.toHaveAttribute("aria-current", "true");
  // Clicking a line seeks there and the highlight follows.
  await turns.nth(2).getByRole("button").click();
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBeGreaterThanOrEqual(4.8);
  await expect(turns.nth(2)).toHaveAttribute("aria-current", "true");

  // Range requests answer 206 with the requested bytes, so the player can seek without downloading everything.
  const ranged = await page.request.get(`/api/teams/${a.team.slug}/calls/${booking.id}/recording`, { headers: { Range: "bytes=44-143" } });
  expect(ranged.status()).toBe(206);
  expect(ranged.headers()["content-range"]).toBe(`bytes 44-143/${44 + 7 * 8000 * 2}`);
  expect((await ranged.body()).length).toBe(100);
});

test("an admin re-runs analysis: the call is queued and analyzed again", async ({ page }) => {
  const a = await createTenant("Reanalyze");
  const call = await seedCall(
    a.team.id,
    { fromNumber: "+15550004444", endedAt: new Date(), durationSec: 5, outcome: "resolved", analysisStatus: "failed" },
    [{ speaker: "caller", text: "What are your opening hours?", startMs: 0, endMs: 1500 }],
  );
  await signInUi(page, a.email);
  await page.goto(`/t/${a.team.slug}/calls/${call.id}`);
  await expect(page.getByText("Analysis failed")).toBeVisible();
  await page.getByRole("button", { name: "Re-run analysis" }).click();
  await expect(page.getByText("Analysis queued")).toBeVisible();
  // The voice server's idle workers take the job at once, so it may already be running or done here.
  const status = async () => (await e2eDb().select({ analysisStatus: calls.analysisStatus }).from(calls).where(eq(calls.id, call.id)))[0]?.analysisStatus;
  expect(["pending", "running", "done"]).toContain(await status());
  await expect.poll(status, { timeout: 20_000 }).toBe("done");
  await page.reload();
  await expect(page.getByText("Analyzed", { exact: true })).toBeVisible();
  const audit = await e2eDb().select().from(auditLogs).where(and(eq(auditLogs.teamId, a.team.id), eq(auditLogs.action, "call.reanalyze")));
  expect(audit.map((x) => x.targetId)).toEqual([call.id]);
});

test("a viewer sees calls but cannot re-run analysis", async ({ page }) => {
  const a = await createTenant("Viewer");
  const viewer = await createTenant("ViewerUser");
  await e2eDb().insert(memberships).values({ teamId: a.team.id, userId: viewer.user.id, role: "viewer" });
  const call = await seedCall(a.team.id, { fromNumber: "+15550005555", endedAt: new Date(), outcome: "resolved" }, []);
  await signInUi(page, viewer.email);
  await page.goto(`/t/${a.team.slug}/calls/${call.id}`);
  await expect(page.getByText("+15550005555").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Re-run analysis" })).toHaveCount(0);
});
