import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createTenant, signInUi } from "../helpers";

// Chromium's fake microphone plays a WAV of a caller asking the question (eSpeak, 16 kHz with faint noise, as
// phone-like speech the offline recognizer handles), once. The template's opening (greeting and recording
// disclosure, about 10 s in offline speech) cannot be interrupted and words over it start no turn (issue 13), so
// the caller waits 18 s from the moment the microphone opens, as a real caller waits for the opening to end.
function callerWav(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "aica-mic-"));
  const raw = path.join(dir, "raw.wav");
  const padded = path.join(dir, "padded.wav");
  const noise = path.join(dir, "noise.wav");
  const out = path.join(dir, "caller.wav");
  execFileSync("espeak-ng", ["-w", raw, "Is there parking?"]);
  execFileSync("sox", [raw, "-r", "16000", "-b", "16", "-c", "1", padded, "pad", "18", "20"]);
  const seconds = execFileSync("soxi", ["-D", padded]).toString().trim();
  execFileSync("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", noise, "synth", seconds, "whitenoise", "vol", "0.002"]);
  execFileSync("sox", ["-m", padded, noise, out]);
  return out;
}

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${callerWav()}%noloop`,
    ],
  },
});

// The question matches the Receptionist template's own knowledge entry.
test("talk to the agent with the microphone: the spoken question is answered from knowledge", async ({ page }) => {
  test.setTimeout(120_000);
  const owner = await createTenant("voicecall");
  await signInUi(page, owner.email);
  await page.goto(`/t/${owner.team.slug}/agents/new`);
  await page.getByRole("radio", { name: /Receptionist/ }).check();
  await page.getByLabel("Agent name").fill("Front desk");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\?created=1$/);

  await page.getByRole("tab", { name: "Test call" }).click();
  const panel = page.locator("#panel-test-call");
  await expect(panel.getByRole("radio", { name: /Talk to agent/ })).toBeChecked();
  await panel.getByRole("button", { name: "Start test call" }).click();
  await expect(panel.getByTestId("test-call-status")).toHaveText("Live", { timeout: 20_000 });
  await expect(panel.getByRole("button", { name: "Mute" })).toBeVisible();

  // The offline recognizer decodes against a grammar of the agent's knowledge questions and common intents, so
  // it may hear the knowledge entry's own wording ("do you have parking") for the spoken "is there parking".
  await expect(panel.getByTestId("turn-caller")).toContainText(/parking/i, { timeout: 40_000 });
  const answer = panel.getByTestId("turn-agent").filter({ hasText: "free visitor parking in the garage" });
  await expect(answer).toBeVisible({ timeout: 30_000 });
  await expect(answer.getByTestId("turn-latency")).toContainText(/voice-to-voice \d+ ms/);

  await panel.getByRole("button", { name: "End call" }).click();
  await expect(panel.getByTestId("test-call-status")).toContainText("You ended the call.");
  await expect(panel.getByRole("link", { name: "Open the recorded call" })).toBeVisible();
});
