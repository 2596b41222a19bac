import type { TAgentSnapshot } from "@/lib/agents/config";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { ProviderError, type TChatMessage, type TToolCall } from "@/voice-server/providers/types";
import { acknowledgementFor, toolSpecsFor, validateToolCall } from "@/voice-server/tools/registry";
import { toolErrorResult, type TToolContext, type TToolResult } from "@/voice-server/tools/types";
import { errorKind, type CallRecord } from "./call-record";
import type { AgentLines } from "./agent-lines";
import type { TGeneration, TTurnTiming } from "./generation";
import type { TClock } from "./pacer";
import type { ProviderRoute } from "./provider-fallback";
import type { SpeculativeReply } from "./speculative-reply";
import { LINES } from "./spoken-lines";
import type { SpeechPlayer } from "./speech-player";
import { TextChunker } from "./text-chunker";

// One reply of the agent: LLM rounds streamed into the speech player sentence by sentence, the tools the model
// calls in between (each with its result back to the model), and what to do when the model fails. Everything a
// reply adds to the conversation stays on its generation until the player says what was heard.

const MAX_TOOL_ROUNDS = 4;

export type TReplyDeps = {
  player: SpeechPlayer;
  route: ProviderRoute;
  clock: TClock;
  metrics: TVoiceMetrics;
  llmFirstTokenMs: number;
  agent: () => TAgentSnapshot;
  conversation: () => readonly TChatMessage[];
  instructions: () => string;
  // Starts the reply's generation (cutting off what the agent was saying) and queues fixed lines (cached audio) in it.
  lines: Pick<AgentLines, "begin" | "say">;
  toolContext(generation: TGeneration, spokenText: string): TToolContext;
  // Whether a department can take the call when the model fails (a line that can transfer, within hours).
  canTransfer: () => boolean;
  // Tool calls, errors and the fall back to the offline model go on the call's timeline.
  record: Pick<CallRecord, "event" | "error">;
  // Even the offline engine failed: the fatal line is queued; the session ends the call once it played.
  onFatal(generation: TGeneration): void;
};

export class Replier {
  constructor(private readonly deps: TReplyDeps) {}

  // A reply to the caller's turn that ended at `timing` (null: to keys pressed). `answering`: the caller turn the
  // adaptive policy ended, on record once the reply is audible (a reply can still be dropped before that, the words
  // then staying in the caller's turn).
  start(timing: TTurnTiming | null, answering?: { text: string; prestarted: SpeculativeReply | null }): void {
    const generation = this.deps.lines.begin("reply", timing);
    if (answering && timing) {
      generation.callerTurn = { text: answering.text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs, isWritten: false };
      generation.messages.push({ role: "caller", text: answering.text });
      generation.prestarted = answering.prestarted;
    }
    void this.run(generation);
  }

  // Produces the whole reply into `generation`, then lets it play out.
  async run(generation: TGeneration): Promise<void> {
    const { player } = this.deps;
    try {
      await this.produce(generation);
      // The model said nothing at all: a short line beats silence.
      if (player.isLive(generation) && generation.segments.length === 0) this.deps.lines.say(generation, LINES.didNotCatch);
    } catch (error) {
      if (!player.isLive(generation)) return;
      await this.onLlmFailure(generation, error);
    } finally {
      await player.finish(generation);
    }
  }

  private async produce(generation: TGeneration): Promise<void> {
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const { text, toolCalls } = await this.streamRound(generation, round);
      if (!this.deps.player.isLive(generation) || toolCalls.length === 0) return;
      // What the caller heard (or will hear) before the tools of this round: one acknowledgement at most.
      const spoken = { text };
      for (const call of toolCalls) {
        const next = await this.runTool(generation, call, spoken);
        if (next === "stop" || !this.deps.player.isLive(generation)) return;
      }
    }
  }

  private async streamRound(generation: TGeneration, round: number): Promise<{ text: string; toolCalls: TToolCall[] }> {
    const { player, clock, metrics } = this.deps;
    const agent = this.deps.agent();
    const llm = this.deps.route.llm;
    const controller = new AbortController();
    const onAbort = () => controller.abort(generation.abort.signal.reason);
    generation.abort.signal.addEventListener("abort", onAbort, { once: true });
    const timeoutMs = this.deps.llmFirstTokenMs;
    const timer = setTimeout(() => controller.abort(new ProviderError("llm", "timeout", `no response within ${timeoutMs} ms`)), timeoutMs);
    const messages = [...this.deps.conversation(), ...generation.messages];
    // In the generation from the start, so sentences heard before a barge-in mid-stream are kept.
    const message = { role: "agent" as const, text: "" };
    generation.messages.push(message);
    const chunker = new TextChunker(generation.segments.length > 0 ? { firstMinChars: 1_000 } : {});
    const toolCalls: TToolCall[] = [];
    // A first round generated preemptively (while the caller's turn was not yet over) is taken as it stands: the
    // request began earlier, its events so far are replayed, and only now is anything said or any tool run.
    const prestarted = round === 0 ? generation.prestarted : null;
    generation.prestarted = null;
    const startAt = prestarted?.startAt ?? clock.now();
    if (generation.llmStartAt === null) generation.llmStartAt = startAt;
    let hasEvent = false;
    try {
      const stream = prestarted
        ? prestarted.take(controller.signal)
        : llm.stream({ system: this.deps.instructions(), agent, messages, tools: toolSpecsFor(agent), signal: controller.signal });
      for await (const event of stream) {
        if (!player.isLive(generation)) break;
        if (!hasEvent) {
          hasEvent = true;
          clearTimeout(timer);
          if (round === 0 && generation.llmFirstTokenAt === null) {
            generation.llmFirstTokenAt = prestarted?.firstEventAt ?? clock.now();
            metrics.stageLatency.observe(generation.llmFirstTokenAt - startAt, { stage: "llm_first_token" });
          }
        }
        if (event.type === "text") {
          message.text += event.text;
          for (const piece of chunker.push(event.text)) player.speak(generation, piece, message);
        } else if (event.type === "tool-call") {
          toolCalls.push(event.call);
        } else if (event.type === "done") {
          for (const id of event.knowledgeIds ?? []) generation.knowledgeIds.add(id);
        }
      }
    } catch (error) {
      if (controller.signal.reason instanceof ProviderError) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      generation.abort.signal.removeEventListener("abort", onAbort);
    }
    if (player.isLive(generation)) {
      for (const piece of chunker.flush()) player.speak(generation, piece, message);
    }
    message.text = message.text.trim();
    if (!message.text) generation.messages = generation.messages.filter((m) => m !== message);
    return { text: message.text, toolCalls };
  }

  // `spoken.text`: what the model said in this round before the call ("" if nothing). When it said nothing, the
  // tool's acknowledgement is queued before the tool runs, so the caller hears it within the turn's usual latency
  // however long the tool and the model's next round take; it then counts as said for the round's other tools.
  // It is agent speech of this generation like any other: in the conversation and the record once heard, once.
  private async runTool(generation: TGeneration, call: TToolCall, spoken: { text: string }): Promise<"continue" | "stop"> {
    generation.messages.push({ role: "agent-tool-call", call });
    const reply = (result: TToolResult) => {
      generation.messages.push({ role: "tool-result", call, result });
      this.deps.record.event("tool_call", call.name, { args: call.args, ok: result.ok !== false, ...(result.error ? { error: result.error } : {}) });
    };
    const validation = validateToolCall(call, this.deps.agent());
    if (!validation.ok) {
      reply(toolErrorResult(validation.error));
      return "continue";
    }
    const { tool, args } = validation.call;
    let context = this.deps.toolContext(generation, spoken.text);
    const acknowledgement = spoken.text ? null : acknowledgementFor(validation.call, context);
    if (acknowledgement) {
      this.deps.lines.say(generation, acknowledgement);
      spoken.text = acknowledgement;
      context = { ...context, spokenText: acknowledgement };
    }
    let outcome;
    try {
      outcome = await tool.execute(args, context);
    } catch (error) {
      if (!this.deps.player.isLive(generation)) return "stop";
      this.deps.record.error("tool", errorKind(error), error, { tool: tool.name });
      reply(toolErrorResult(`${tool.name} failed because of a technical problem. Tell the caller and offer another option.`));
      return "continue";
    }
    reply(outcome.result);
    return outcome.after ? outcome.after() : "continue";
  }

  private async onLlmFailure(generation: TGeneration, error: unknown): Promise<void> {
    const { player, route } = this.deps;
    this.deps.record.error("llm", errorKind(error), error, { provider: route.llm.name });
    if (route.isLlmOffline) {
      // Even the local engine failed: a fixed line, then end rather than leave the caller waiting.
      this.deps.onFatal(generation);
      return;
    }
    const department = this.deps.agent().departments.find((d) => d.name.trim() && d.phoneNumber.trim());
    if (department && this.deps.canTransfer()) {
      this.deps.lines.say(generation, `${LINES.apology} Let me transfer you to ${department.name.trim()}.`);
      const call: TToolCall = { id: `fallback-transfer-${generation.id}`, name: "transfer_call", args: { department: department.name } };
      const next = await this.runTool(generation, call, { text: "spoken" });
      if (next === "stop" || !player.isLive(generation)) return;
    }
    // No one to hand over to (or the handover failed): the rest of the call runs on the offline engine, which
    // can still answer from knowledge and take a message with no network.
    const offline = route.fallBackLlm();
    this.deps.record.event("status", "llm_fallback_offline", { to: offline.name });
    // The offline engine answers this event with its own apology and an offer to take a message.
    generation.messages.push({ role: "event", text: "The assistant had a technical error and could not answer." });
    const before = generation.segments.length;
    try {
      await this.streamRound(generation, 1);
    } catch (fallbackError) {
      if (!player.isLive(generation)) return;
      this.deps.record.error("llm", errorKind(fallbackError), fallbackError, { provider: offline.name });
      this.deps.onFatal(generation);
      return;
    }
    if (player.isLive(generation) && generation.segments.length === before) {
      this.deps.lines.say(generation, `${LINES.apology} ${LINES.afterHoursOffer}`);
    }
  }
}
