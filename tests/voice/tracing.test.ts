import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callTurns } from "@/db/schema";
import { getTracer, initTracing, type TTracing } from "@/lib/observability/tracing";
import { startCallTrace } from "@/voice-server/observability/turn-trace";
import { waitForEndedCall } from "./helpers/records";
import { seedAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { setupScriptedVoiceServer } from "./helpers/scripted-voice-server";
import { TwilioCaller } from "./helpers/twilio-caller";

// Per-call and per-turn spans from a real call through the Twilio media stream, exported in memory.

const QUESTION = "What are your opening hours?";
const ANSWER = "We are open Monday to Friday from nine until five.";
const CALLER = "+15557654321";

let tracing: TTracing | null = null;
const harness = setupScriptedVoiceServer();
const { script } = harness;
const exporter = new InMemorySpanExporter();

afterAll(async () => {
  await tracing?.shutdown();
});

const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

describe("tracing", () => {
  it("is off without an endpoint: nothing registered, no call trace", async () => {
    expect((await initTracing(null)).isEnabled).toBe(false);
    expect((await initTracing({ serviceName: "voice" })).isEnabled).toBe(false);
    expect(getTracer("x")).toBeNull();
    const provider = trace.getTracerProvider();
    expect(provider).toBeInstanceOf(ProxyTracerProvider);
    expect((provider as ProxyTracerProvider).getDelegateTracer("x")).toBeUndefined();
    expect(
      startCallTrace({ callId: "c", teamId: "t", transport: "twilio", clockStart: 0, startedAt: new Date(), clock: { now: () => 0 } }),
    ).toBeNull();
  });

  it("exports a call span and turn spans with the stage timings of the turn, and no transcript or number", async () => {
    tracing = await initTracing({ serviceName: "voice-test", exporter });
    expect(tracing.isEnabled).toBe(true);
    const agent = await seedAgent(harness.testDb.db, {
      accountSid: harness.voice.accountSid,
      knowledge: [{ title: QUESTION, content: ANSWER }],
    });
    script.push(QUESTION);
    const caller = new TwilioCaller(harness.voice.callerOptions(agent.e164, CALLER));
    await caller.dial();
    await caller.connect();
    await caller.waitForAgentToFinish();
    await caller.hearReplyTo(async () => caller.say(await speech(QUESTION)), "the answer", { minFrames: 50 });
    await caller.hangUp();
    const ended = await waitForEndedCall(harness.testDb.db, caller.callSid);
    await tracing.forceFlush();

    const spans = exporter.getFinishedSpans().filter((s) => s.attributes["call.id"] === ended.id);
    const [callSpan, ...others] = spans.filter((s) => s.name === "call");
    expect(others).toHaveLength(0);
    expect(callSpan?.attributes).toMatchObject({
      "call.id": ended.id,
      "team.id": agent.teamId,
      "agent.version_id": agent.versionId,
      "call.transport": "twilio",
      "call.outcome": ended.outcome,
      "call.end_reason": "caller_hangup",
    });
    const callSpanId = callSpan!.spanContext().spanId;
    const traceId = callSpan!.spanContext().traceId;
    const childrenOf = (span: ReadableSpan) => spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);

    const turns = childrenOf(callSpan!).filter((s) => s.name === "turn");
    expect(turns.map((t) => t.attributes["turn.kind"])).toEqual(["greeting", "reply"]);
    for (const s of spans) expect(s.spanContext().traceId).toBe(traceId);
    const reply = turns[1]!;
    expect(reply.parentSpanContext?.spanId).toBe(callSpanId);

    // The same figures as the turn row the session wrote.
    const [row] = await harness.testDb.db
      .select()
      .from(callTurns)
      .where(and(eq(callTurns.teamId, agent.teamId), eq(callTurns.callId, ended.id), eq(callTurns.speaker, "agent")))
      .orderBy(asc(callTurns.seq))
      .offset(1);
    expect(row).toBeDefined();
    expect(reply.attributes).toMatchObject({
      "turn.interrupted": false,
      "turn.endpointing_ms": row!.endpointingMs,
      "turn.stt_final_ms": row!.sttFinalMs,
      "turn.llm_first_token_ms": row!.llmFirstTokenMs,
      "turn.tts_first_byte_ms": row!.ttsFirstByteMs,
      "turn.first_audio_ms": row!.firstAudioMs,
    });

    // One child span per stage, in pipeline order, inside the turn, each ending where the row says it did.
    const stages = childrenOf(reply).sort((a, b) => ms(a.startTime) - ms(b.startTime));
    expect(stages.map((s) => s.name)).toEqual(["endpointing", "stt_final", "llm_first_token", "tts_first_byte", "first_audio"]);
    const turnStart = ms(reply.startTime);
    const offsets = {
      endpointing: row!.endpointingMs!,
      stt_final: row!.sttFinalMs!,
      llm_first_token: row!.llmFirstTokenMs!,
      tts_first_byte: row!.ttsFirstByteMs!,
      first_audio: row!.firstAudioMs!,
    };
    for (const stage of stages) {
      expect(ms(stage.startTime)).toBeGreaterThanOrEqual(turnStart - 1);
      expect(ms(stage.endTime)).toBeLessThanOrEqual(ms(reply.endTime) + 1);
      expect(Math.abs(ms(stage.endTime) - turnStart - offsets[stage.name as keyof typeof offsets])).toBeLessThanOrEqual(1.5);
      expect(stage.attributes).toMatchObject({ "call.id": ended.id, "team.id": agent.teamId });
    }
    expect(reply.events.map((e) => e.name)).toEqual(["endpointing", "stt_final", "llm_first_token", "tts_first_byte", "first_audio"]);
    expect(ms(stages[0]!.startTime)).toBeCloseTo(turnStart, 0);
    expect(ms(callSpan!.startTime)).toBeLessThanOrEqual(ms(turns[0]!.startTime));
    expect(ms(callSpan!.endTime)).toBeGreaterThanOrEqual(ms(reply.endTime));

    const exported = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(exported).not.toContain("opening hours");
    expect(exported).not.toContain("Monday");
    expect(exported).not.toContain("7654321");
    expect(exported).not.toContain(agent.e164.slice(2));
  });
});
