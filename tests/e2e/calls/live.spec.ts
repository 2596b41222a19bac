import { expect, test } from "@playwright/test";
import { appendCallTurn } from "@/lib/calls/append-turn";
import { CALL_HEARTBEAT_MS, touchLiveCalls } from "@/lib/calls/heartbeat";
import { createTenant, e2eDb, signInUi } from "../helpers";
import { seedCall } from "./seed-calls";

test("the live view shows a call in progress and its transcript as it grows", async ({ page }) => {
  const a = await createTenant("Live");
  const started = new Date(Date.now() - 20_000);
  const call = await seedCall(
    a.team.id,
    { fromNumber: "+15550007777", status: "in_progress", startedAt: started, answeredAt: started, endedAt: null, heartbeatAt: new Date() },
    [{ speaker: "agent", text: "Hello, you are through to the live desk.", startMs: 0, endMs: 1800 }],
  );
  // A call in progress is kept alive by its voice server's heartbeat; without it the worker would close it as lost.
  const heartbeat = setInterval(() => void touchLiveCalls(e2eDb(), [{ teamId: a.team.id, callId: call.id }]), CALL_HEARTBEAT_MS);
  try {
    await signInUi(page, a.email);
    await page.goto(`/t/${a.team.slug}/calls`);
    await expect(page.getByRole("region", { name: "Live now" })).toContainText("+15550007777");

    await page.goto(`/t/${a.team.slug}/calls/live`);
    const transcript = page.locator(`[data-testid="live-transcript"][data-call-id="${call.id}"]`);
    await expect(transcript).toContainText("you are through to the live desk");
    await expect(page.getByText(/0:(1|2|3)\d/).first()).toBeVisible();

    await appendCallTurn(e2eDb(), { teamId: a.team.id, callId: call.id, seq: 2, speaker: "caller", text: "I would like to change my booking please.", startMs: 2500, endMs: 4200 });
    await expect(transcript).toContainText("change my booking", { timeout: 10_000 });
    await expect(transcript.locator("li")).toHaveCount(2);
  } finally {
    clearInterval(heartbeat);
  }
});
