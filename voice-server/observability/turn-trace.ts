import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { getTracer } from "@/lib/observability/tracing";

// Spans for one call: a `call` span for the stream's life, and per agent turn a `turn` span with a child span
// for each stage the caller waits through (endpointing, STT final, LLM first token, TTS first byte, first
// audio), dated from the timestamps the session already takes for its latency metrics. Spans are built after
// the fact from those timestamps, so the session's hot path does no tracing work at all: when tracing is off
// startCallTrace returns null and the session's `trace?.` calls do nothing.
//
// Spans carry call, team and agent ids and figures only, never transcript text or phone numbers.

// Session times are in its clock's milliseconds (monotonic); spans need epoch time.
type TClockMs = number;

// The fields of the session's generation (its TGeneration) that a turn span reads.
export type TTracedGeneration = {
  kind: "greeting" | "reply" | "fixed";
  timing: { speechEndAt: TClockMs; endpointedAt: TClockMs; sttFinalAt: TClockMs } | null;
  llmStartAt: TClockMs | null;
  llmFirstTokenAt: TClockMs | null;
  ttsFirstByteAt: TClockMs | null;
  firstFrameAt: TClockMs | null;
};

export type TCallTrace = {
  turn(generation: TTracedGeneration, isInterrupted: boolean): void;
  end(attributes: { outcome: string; endReason: string; turns: number }): void;
};

export const TRACER_NAME = "ai-call-agent/voice-session";

export function startCallTrace(input: {
  callId: string;
  teamId: string;
  agentVersionId?: string | null;
  transport: string;
  // The same instant on the session's clock and on the wall: converts one to the other.
  clockStart: TClockMs;
  startedAt: Date;
  clock: { now(): TClockMs };
}): TCallTrace | null {
  const tracer = getTracer(TRACER_NAME);
  if (!tracer) return null;
  return new CallTrace(tracer, input);
}

class CallTrace implements TCallTrace {
  private readonly span: Span;
  private readonly parent: Context;
  private readonly ids: Attributes;
  private turnIndex = 0;
  private isEnded = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly input: Parameters<typeof startCallTrace>[0],
  ) {
    this.ids = { "call.id": input.callId, "team.id": input.teamId, ...(input.agentVersionId ? { "agent.version_id": input.agentVersionId } : {}) };
    this.span = tracer.startSpan(
      "call",
      { kind: SpanKind.SERVER, startTime: input.startedAt.getTime(), attributes: { ...this.ids, "call.transport": input.transport } },
      ROOT_CONTEXT,
    );
    this.parent = trace.setSpan(ROOT_CONTEXT, this.span);
  }

  private epoch(at: TClockMs): number {
    return this.input.startedAt.getTime() + (at - this.input.clockStart);
  }

  turn(g: TTracedGeneration, isInterrupted: boolean): void {
    if (this.isEnded) return;
    const endAt = this.input.clock.now();
    // A reply is timed from the end of the caller's speech, what the caller waits through; other lines from
    // the first moment the session knows of.
    const startAt = g.timing?.speechEndAt ?? g.llmStartAt ?? g.ttsFirstByteAt ?? g.firstFrameAt ?? endAt;
    const index = ++this.turnIndex;
    const since = (at: TClockMs | null) => (at === null ? undefined : Math.max(0, Math.round(at - startAt)));
    const attributes: Attributes = { ...this.ids, "turn.index": index, "turn.kind": g.kind, "turn.interrupted": isInterrupted };
    // The same figures as the call_turns row, in ms from the end of the caller's speech.
    const figures: [string, number | undefined][] = [
      ["turn.endpointing_ms", g.timing ? since(g.timing.endpointedAt) : undefined],
      ["turn.stt_final_ms", g.timing ? since(g.timing.sttFinalAt) : undefined],
      ["turn.llm_first_token_ms", since(g.llmFirstTokenAt)],
      ["turn.tts_first_byte_ms", since(g.ttsFirstByteAt)],
      ["turn.first_audio_ms", since(g.firstFrameAt)],
    ];
    for (const [key, value] of figures) if (value !== undefined) attributes[key] = value;
    const turn = this.tracer.startSpan("turn", { startTime: this.epoch(startAt), attributes }, this.parent);
    const turnContext = trace.setSpan(this.parent, turn);
    // Each stage from the end of the one before it, so the spans line up as the caller's wait.
    const stages: [string, TClockMs | null, TClockMs | null][] = [
      ["endpointing", g.timing?.speechEndAt ?? null, g.timing?.endpointedAt ?? null],
      ["stt_final", g.timing?.endpointedAt ?? null, g.timing?.sttFinalAt ?? null],
      ["llm_first_token", g.llmStartAt ?? g.timing?.sttFinalAt ?? null, g.llmFirstTokenAt],
      ["tts_first_byte", g.llmFirstTokenAt ?? g.timing?.sttFinalAt ?? null, g.ttsFirstByteAt],
      ["first_audio", g.ttsFirstByteAt, g.firstFrameAt],
    ];
    for (const [name, from, to] of stages) {
      if (from === null || to === null) continue;
      turn.addEvent(name, this.ids, this.epoch(to));
      this.tracer
        .startSpan(name, { startTime: this.epoch(from), attributes: this.ids }, turnContext)
        .end(this.epoch(Math.max(from, to)));
    }
    turn.end(this.epoch(endAt));
  }

  end(attributes: { outcome: string; endReason: string; turns: number }): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.span.setAttributes({ "call.outcome": attributes.outcome, "call.end_reason": attributes.endReason, "call.turns": attributes.turns });
    if (attributes.outcome === "failed") this.span.setStatus({ code: SpanStatusCode.ERROR, message: attributes.endReason });
    this.span.end();
  }
}
