import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callers, calls } from "@/db/schema";
import { createTestDb } from "@/tests/helpers/db";
import { PENDING_ADMISSION_MS } from "@/voice-server/admission/headroom-policy";
import { waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Admission control end to end: the real voice server, a real event loop made to run late, Twilio's protocol.

let testDb: Awaited<ReturnType<typeof createTestDb>>;
const script: string[] = [];
const servers: TTestVoiceServer[] = [];
let stopBlocking: (() => void) | null = null;

beforeAll(async () => {
  testDb = await createTestDb();
});

afterEach(() => {
  stopBlocking?.();
  stopBlocking = null;
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await testDb?.drop();
});

async function startServer(env: Record<string, string>) {
  const voice = await startTestVoiceServer({
    db: testDb.db,
    dbUrl: testDb.url,
    providers: offlineProviders({ stt: createScriptedStt(() => script.shift() ?? "") }),
    env,
  });
  servers.push(voice);
  return voice;
}

// Saturates this process's event loop the way a server past its capacity runs: busy 50 ms out of every 60.
function blockEventLoop(): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + 50;
    while (performance.now() < until) {
      // busy
    }
  }, 10);
  return () => clearInterval(timer);
}

async function metric(voice: TTestVoiceServer, line: string): Promise<number | null> {
  const text = await (await fetch(`${voice.serverUrl}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : null;
}

describe("admission control", () => {
  it("a saturated server answers a new call with the busy voicemail TwiML while the call it holds goes on", async () => {
    const voice = await startServer({
      // Well under what the blocker below causes (about 50 ms), well over a loaded test machine's hiccups.
      VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "40",
      // The test process's CPU is whatever the machine gives it: only the event loop decides here.
      VOICE_ADMISSION_MAX_CPU: "0",
      VOICE_ADMISSION_WINDOW_MS: "1000",
    });
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      concurrentCallLimit: 5,
      knowledge: [{ title: "What are your opening hours?", content: "We are open nine to five on weekdays." }],
    });
    const held = new TwilioCaller(voice.callerOptions(agent.e164, "+15550001111"));
    expect((await held.dial()).body).toContain("<Stream");
    await held.connect();
    await held.waitForAgentToFinish();

    stopBlocking = blockEventLoop();
    // The admission window (1 s) fills with late samples.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refused = new TwilioCaller(voice.callerOptions(agent.e164, "+15550002222"));
    const answer = await refused.dial();
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("All our lines are busy");
    expect(answer.body).toContain("<Record");
    expect(answer.body).not.toContain("<Stream");
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, refused.callSid));
    // To the team it is a call that found every line busy (it may leave a voicemail).
    expect(row).toMatchObject({ teamId: agent.teamId, status: "completed", endReason: "lines_busy" });
    expect(held.isOpen).toBe(true);
    stopBlocking();
    stopBlocking = null;
    expect(await metric(voice, 'voice_admission_refused_total{reason="loop_delay"}')).toBe(1);

    // The held call never noticed: it asks a question and gets its answer.
    const before = held.mediaFrames().length;
    script.push("What are your opening hours?");
    await held.say(await speech("What are your opening hours?"));
    await held.waitFor(() => held.mediaFrames().length > before + 50, 15_000, "the answer");
    await held.waitForAgentToFinish();
    await held.hangUp();
    const ended = await waitForEndedCall(testDb.db, held.callSid);
    expect(ended).toMatchObject({ endReason: "caller_hangup", outcome: "resolved" });

    // With the load gone, once the window has headroom again (a loaded test machine may take a moment), new calls
    // are taken again.
    const deadline = Date.now() + 15_000;
    while (((await metric(voice, "voice_admission_headroom_ratio")) ?? 0) <= 0.2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const next = new TwilioCaller(voice.callerOptions(agent.e164, "+15550003333"));
    expect((await next.dial()).body).toContain("<Stream");
  });

  it("behind a load balancer, answers 503 past VOICE_MAX_CALLS, counting calls still connecting", async () => {
    const voice = await startServer({
      VOICE_MAX_CALLS: "1",
      VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "0",
      VOICE_ADMISSION_MAX_CPU: "0",
      VOICE_ADMISSION_REFUSE_WITH: "unavailable",
    });
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid, concurrentCallLimit: 5 });
    const first = new TwilioCaller(voice.callerOptions(agent.e164, "+15550004444"));
    expect((await first.dial()).body).toContain("<Stream");
    // Its stream is not open yet: the next webhook must still see the line as taken.
    const second = new TwilioCaller(voice.callerOptions(agent.e164, "+15550005555"));
    const refused = await second.dial();
    expect(refused.status).toBe(503);
    expect(await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, second.callSid))).toEqual([]);

    await first.connect();
    await first.waitForAgentToFinish();
    expect((await new TwilioCaller(voice.callerOptions(agent.e164, "+15550006666")).dial()).status).toBe(503);
    expect(await metric(voice, 'voice_admission_refused_total{reason="max_calls"}')).toBe(2);
    expect(await metric(voice, "voice_admission_headroom_ratio")).toBe(0);

    // Webhooks arriving together cannot all take the last place: each takes it at the check, not after the database.
    await first.hangUp();
    await waitForEndedCall(testDb.db, first.callSid);
    await first.waitFor(() => voice.server.activeCalls === 0, 5_000, "the session to close");
    const burst = await Promise.all(
      Array.from({ length: 5 }, (_, i) => new TwilioCaller(voice.callerOptions(agent.e164, `+1555000800${i}`)).dial()),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([200, 503, 503, 503, 503]);
    // The one admitted never opens its stream (its caller hung up): its place is free again after PENDING_ADMISSION_MS.
    await new Promise((resolve) => setTimeout(resolve, PENDING_ADMISSION_MS + 200));
    const third = new TwilioCaller(voice.callerOptions(agent.e164, "+15550007777"));
    const taken = await third.dial();
    expect(taken.status).toBe(200);
    expect(taken.body).toContain("<Stream");
  });

  it("a refusal costs the call's record only: it never waits on the team's call lock, and the caller entry follows", async () => {
    const voice = await startServer({ VOICE_MAX_CALLS: "1", VOICE_ADMISSION_MAX_LOOP_DELAY_MS: "0", VOICE_ADMISSION_MAX_CPU: "0" });
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid, concurrentCallLimit: 5 });
    const first = new TwilioCaller(voice.callerOptions(agent.e164, "+15550009001"));
    expect((await first.dial()).body).toContain("<Stream");
    const refused = new TwilioCaller(voice.callerOptions(agent.e164, "+15550009002"));
    // Another webhook (of this instance or another) admitting a call for the team holds its lock meanwhile.
    const answer = await testDb.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"calls:" + agent.teamId}))`);
      return Promise.race([
        refused.dial(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
      ]);
    });
    expect(answer?.status).toBe(200);
    expect(answer?.body).toContain("All our lines are busy");
    const [row] = await testDb.db.select().from(calls).where(eq(calls.twilioCallSid, refused.callSid));
    expect(row).toMatchObject({ teamId: agent.teamId, status: "completed", endReason: "lines_busy" });
    // The caller's entry is deferred work, not lost.
    const deadline = Date.now() + 5_000;
    let entry: { lastCallId: string | null } | undefined;
    while (!entry && Date.now() < deadline) {
      [entry] = await testDb.db
        .select({ lastCallId: callers.lastCallId })
        .from(callers)
        .where(and(eq(callers.teamId, agent.teamId), eq(callers.e164, "+15550009002")));
      if (!entry) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(entry).toEqual({ lastCallId: row!.id });
    expect(await metric(voice, 'voice_admission_refused_total{reason="max_calls"}')).toBe(1);
  });
});
