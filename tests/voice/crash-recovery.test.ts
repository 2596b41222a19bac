import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, callTurns, type Call } from "@/db/schema";
import { countActiveCalls } from "@/lib/calls/count-active-calls";
import { createTestDb } from "@/tests/helpers/db";
import { SANDBOX_ACCOUNT_SID } from "@/voice-server/env";
import { hearFirstSentenceOfHours } from "./helpers/hours-call";
import { eventsOf, turnsOf, waitForEndedCall } from "./helpers/records";
import { HOURS_KNOWLEDGE, HOURS_SENTENCES, seedAgent } from "./helpers/seed";
import { postTwilioForm, TwilioCaller } from "./helpers/twilio-caller";
import { startVoiceProcess, startWorkerProcess, type TProcess, type TVoiceProcess } from "./helpers/voice-process";

// Several voice servers and a worker on one database, one voice server killed with SIGKILL mid-call. Real processes
// (started as `npm run voice` and `npm run worker` start them), the real wire protocol, offline speech on both
// sides. Nothing in the test recovers anything: the worker's own sweep (every 5 s, its default) finalizes the dead
// server's calls, repairs their recordings from the shared volume and analyzes them.

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let recordingsDir: string;
let voiceA: TVoiceProcess | null = null;
let voiceB: TVoiceProcess | null = null;
let worker: TProcess | null = null;

beforeAll(async () => {
  testDb = await createTestDb();
  // One recordings volume shared by every voice server and the worker, as in the compose stack.
  recordingsDir = mkdtempSync(path.join(tmpdir(), "aica-crash-rec-"));
  [voiceA, voiceB, worker] = await Promise.all([
    startVoiceProcess("voice-a", { databaseUrl: testDb.url, recordingsDir }),
    startVoiceProcess("voice-b", { databaseUrl: testDb.url, recordingsDir }),
    startWorkerProcess("worker", { databaseUrl: testDb.url, recordingsDir }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    [voiceA, voiceB, worker].map(async (proc) => {
      if (!proc) return;
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 10_000))]);
      proc.kill("SIGKILL");
    }),
  );
  rmSync(recordingsDir, { recursive: true, force: true });
  await testDb?.drop();
}, 60_000);

async function callRow(callSid: string): Promise<Call> {
  const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, callSid));
  if (!row) throw new Error(`no call ${callSid}`);
  return row;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The WAV as the call page would play it: a valid header whose sizes match the file; its length in seconds.
function wavSeconds(file: string): number {
  const wav = readFileSync(file);
  expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
  expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  expect(wav.readUInt16LE(22)).toBe(2);
  expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
  return (wav.length - 44) / (8000 * 2 * 2);
}

describe("a voice server killed mid-call", () => {
  it("leaves every call it held finalized by the others, with every turn heard and its recording, and new calls answered", async () => {
    const a = voiceA!;
    const b = voiceB!;
    const hours = await seedAgent(testDb.db, {
      accountSid: SANDBOX_ACCOUNT_SID,
      concurrentCallLimit: 1,
      config: { endpointingSilenceMs: 500 },
      knowledge: [HOURS_KNOWLEDGE],
    });
    const smiles = await seedAgent(testDb.db, {
      accountSid: SANDBOX_ACCOUNT_SID,
      concurrentCallLimit: 2,
      config: { greeting: "Thanks for calling Bright Smiles." },
    });

    // The webhook and the stream of a call can reach different instances: this one is answered by B, streams to A.
    const asking = new TwilioCaller(b.callerOptions(hours.e164));
    expect((await asking.dial()).body).toContain("<Connect>");
    asking.options.serverUrl = a.serverUrl;
    const quiet = new TwilioCaller(a.callerOptions(smiles.e164, "+15550002222"));
    expect((await quiet.dial()).body).toContain("<Connect>");
    const survivor = new TwilioCaller(b.callerOptions(smiles.e164, "+15550003333"));
    expect((await survivor.dial()).body).toContain("<Connect>");
    for (const caller of [asking, quiet, survivor]) await caller.connect();
    for (const caller of [asking, quiet, survivor]) await caller.waitForAgentToFinish(700, 30_000);

    // The caller on A asks; A is killed while the answer plays, once its first sentence has been heard.
    await hearFirstSentenceOfHours(asking, 60_000);
    const askingCall = await callRow(asking.callSid);
    await until("the heard part of the answer on record", 5_000, async () => {
      const [turn] = await testDb.db.select().from(callTurns).where(and(eq(callTurns.callId, askingCall.id), eq(callTurns.seq, 3)));
      return turn;
    });
    // Still mid-answer (its last sentence is not heard yet, checked on the record below).
    expect(asking.isAgentAudible).toBe(true);
    const killedAt = Date.now();
    a.kill("SIGKILL");
    expect((await a.exited).signal).toBe("SIGKILL");
    await Promise.all([asking.waitClosed(), quiet.waitClosed()]);

    // Twilio's status callback for one of them lands on the survivor: signed like any webhook, applied at once.
    const quietCall = await callRow(quiet.callSid);
    const twilioDuration = Math.round((killedAt - quietCall.startedAt.getTime()) / 1000);
    const callback = { AccountSid: SANDBOX_ACCOUNT_SID, CallSid: quiet.callSid, CallStatus: "completed", CallDuration: String(twilioDuration) };
    expect((await postTwilioForm({ ...b.callerOptions(smiles.e164), signature: "forged" }, "/twilio/status", callback)).status).toBe(403);
    expect((await callRow(quiet.callSid)).endedAt).toBeNull();
    expect((await postTwilioForm(b.callerOptions(smiles.e164), "/twilio/status", callback)).status).toBe(204);
    const ended = await callRow(quiet.callSid);
    expect(ended).toMatchObject({ status: "completed", durationSec: twilioDuration });
    expect(ended.endedAt).not.toBeNull();
    // Its line is free: only the survivor's call holds one of the team's two.
    expect(await countActiveCalls(testDb.db, smiles.teamId)).toBe(1);

    // The line the dead call held frees once its heartbeat is stale, and the next caller is answered.
    await until("the dead call's line to free", 30_000, async () => (await countActiveCalls(testDb.db, hours.teamId)) === 0);
    const lineFreedAfterKillMs = Date.now() - killedAt;
    const next = new TwilioCaller(b.callerOptions(hours.e164, "+15550004444"));
    expect((await next.dial()).body).toContain("<Connect>");

    const finalized = await until("both calls finalized with their recordings", 30_000, async () => {
      const rows = await Promise.all([callRow(asking.callSid), callRow(quiet.callSid)]);
      return rows.every((r) => r.outcome && r.endedAt && r.recordingPath) ? rows : null;
    });
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    const [askingDone, quietDone] = finalized as [Call, Call];
    const measured: Record<string, number> = { lineFreedAfterKillMs, finalizedAfterKillMs: Date.now() - killedAt };
    // By the worker: nothing else here sweeps.
    expect(worker!.output()).toContain("finalized calls whose voice server stopped");

    // Ended at the kill (within 2 s), with a reason and an event that say what happened.
    expect(askingDone).toMatchObject({ status: "completed", endReason: "voice_server_lost", outcome: "failed" });
    expect(Math.abs(askingDone.endedAt!.getTime() - killedAt)).toBeLessThanOrEqual(2_000);
    const talked = (killedAt - askingDone.answeredAt!.getTime()) / 1000;
    expect(Math.abs(askingDone.durationSec! - talked)).toBeLessThanOrEqual(2);
    const recovery = (await eventsOf(testDb.db, askingDone.id)).find((e) => e.kind === "error");
    expect(recovery).toMatchObject({ teamId: hours.teamId, name: "voice_server_lost", data: expect.objectContaining({ stage: "recovery" }) });
    expect(askingDone.errorCount).toBe(1);
    expect(Math.abs(recovery!.atMs - talked * 1000)).toBeLessThanOrEqual(2_000);
    // Twilio's word kept for the other.
    expect(quietDone).toMatchObject({ status: "completed", endReason: "voice_server_lost", durationSec: twilioDuration });
    expect(quietDone.endedAt!.getTime()).toBe(ended.endedAt!.getTime());

    // Every turn heard, the cut answer with what was heard of it, marked interrupted; each in its own team.
    const turns = await turnsOf(testDb.db, askingDone.id);
    expect(turns.map((t) => [t.speaker, t.isInterrupted])).toEqual([
      ["agent", false],
      ["caller", false],
      ["agent", true],
    ]);
    expect(turns[1]!.text.toLowerCase()).toContain("hours");
    expect(turns[2]!.text).toContain(HOURS_SENTENCES[0]);
    expect(turns[2]!.text).not.toContain(HOURS_SENTENCES[2]);
    expect(turns.every((t) => t.teamId === hours.teamId)).toBe(true);
    const quietTurns = await turnsOf(testDb.db, quietDone.id);
    expect(quietTurns.map((t) => [t.speaker, t.text, t.teamId])).toEqual([["agent", "Thanks for calling Bright Smiles.", smiles.teamId]]);

    // The recordings, repaired into valid WAVs, hold the call up to at most a second before the kill.
    for (const row of [askingDone, quietDone]) {
      const seconds = wavSeconds(path.join(recordingsDir, row.recordingPath!));
      const expected = (killedAt - row.answeredAt!.getTime()) / 1000;
      measured[`recordingLostS_${row === askingDone ? "asking" : "quiet"}`] = Number((expected - seconds).toFixed(2));
      expect(seconds).toBeGreaterThanOrEqual(expected - 1.25);
      expect(seconds).toBeLessThanOrEqual(expected + 0.5);
    }

    measured.endedAtErrorMs = askingDone.endedAt!.getTime() - killedAt;

    // Then the worker analyzes them like any call that ended (the offline analyzer here), keeping what recovery
    // found: the cut call failed with the reason, the quiet one abandoned (its caller never spoke).
    const [askingAnalyzed, quietAnalyzed] = (await until("both calls analyzed by the worker", 30_000, async () => {
      const rows = await Promise.all([callRow(asking.callSid), callRow(quiet.callSid)]);
      return rows.every((r) => r.analysisStatus === "done") ? rows : null;
    })) as [Call, Call];
    measured.analyzedAfterKillMs = Date.now() - killedAt;
    expect(askingAnalyzed).toMatchObject({ outcome: "failed", endReason: "voice_server_lost", recordingPath: askingDone.recordingPath });
    expect(askingAnalyzed.summary).toContain("The call failed (voice server lost).");
    expect(askingAnalyzed.summary?.toLowerCase()).toContain("hours");
    expect(quietAnalyzed).toMatchObject({ outcome: "abandoned", endReason: "voice_server_lost", recordingPath: quietDone.recordingPath });
    expect(quietAnalyzed.analyzedAt).not.toBeNull();
    console.log("crash recovery measured", measured);

    // The call on the survivor went on throughout, and ends as usual.
    expect(survivor.isOpen).toBe(true);
    const before = survivor.mediaFrames().length;
    survivor.pressDigit("5");
    await survivor.waitFor(() => survivor.mediaFrames().length > before + 25, 30_000, "a reply on the surviving instance");
    await survivor.hangUp();
    expect(await waitForEndedCall(testDb.db, survivor.callSid, 15_000)).toMatchObject({ endReason: "caller_hangup", status: "completed" });
    // And the new caller on the dead call's line is answered by the survivor.
    await next.connect();
    await next.waitFor(() => next.mediaFrames().length > 0, 30_000, "the next caller's greeting");
    await next.hangUp();
    expect(await waitForEndedCall(testDb.db, next.callSid, 15_000)).toMatchObject({ endReason: "caller_hangup" });
  }, 240_000);
});
