import { assembleInstructions } from "@/lib/agents/assemble-instructions";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { FRAME_BYTES, MULAW_SILENCE } from "@/lib/audio/mulaw";
import { offlineReply } from "@/voice-server/providers/llm/offline";
import type { TChatMessage, TSttEvent, TSttStream } from "@/voice-server/providers/types";
import { numberToWords } from "@/voice-server/providers/stt/grammar";
import { CONTEXTS, type TContext } from "./quality-set";

// Scoring of the quality bench. Intent accuracy asks whether the recognised words make the offline agent do what
// the words actually said would have made it do (same department, tool, knowledge entry or reply), in the same
// point of the conversation; word error rate is scored on normalised words.

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/\d+/g, (d) => ` ${[...d].map((digit) => numberToWords(digit)).join(" ")} `)
    .replace(/\b([a-z])\./g, "$1")
    .replace(/[^a-z']+/g, " ")
    .split(" ")
    .map((w) => w.replace(/^'+|'+$/g, ""))
    .filter(Boolean);
}

// Word-level edit distance.
export function wordErrors(reference: string[], hypothesis: string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = previous[j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1));
    }
    previous = current;
  }
  return previous[hypothesis.length]!;
}

export type TOutcome = string;

export function createOutcomeJudge(agent: TAgentSnapshot, now: Date): (context: TContext, heard: string) => TOutcome {
  const system = assembleInstructions(agent, { now });
  const reply = (messages: TChatMessage[]) =>
    offlineReply({ system, agent, messages, tools: [], signal: new AbortController().signal }, now);
  const histories = new Map<TContext, TChatMessage[]>();
  const historyOf = (context: TContext): TChatMessage[] => {
    let messages = histories.get(context);
    if (messages) return messages;
    messages = [{ role: "agent", text: agent.config.greeting }];
    for (const text of CONTEXTS[context]) {
      messages.push({ role: "caller", text });
      const answer = reply(messages);
      if (answer.text) messages.push({ role: "agent", text: answer.text });
      if (answer.toolCall) messages.push({ role: "agent-tool-call", call: { id: "t", ...answer.toolCall } });
    }
    histories.set(context, messages);
    return messages;
  };
  return (context, heard) => {
    const answer = reply([...historyOf(context), { role: "caller", text: heard }]);
    if (answer.toolCall) return `tool:${answer.toolCall.name}:${String(answer.toolCall.args.department ?? "")}`;
    if (answer.knowledgeIds.length > 0) return `knowledge:${[...answer.knowledgeIds].sort().join(",")}`;
    return `say:${answer.text}`;
  };
}

// The session's view of a turn: every 20 ms frame pushed as it arrives, line silence before the words and the
// VAD's hangover after them, then finalize() at the endpoint.
const LEAD_FRAMES = 15;
const TRAIL_FRAMES = 10;
const SILENCE = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);

export type TTurnResult = { text: string; isUnrecognized: boolean; finalMs: number; error?: string };

export async function recognizeTurn(
  stream: TSttStream,
  events: AsyncIterator<TSttEvent>,
  audio: Uint8Array,
  options: { realTime?: boolean } = {},
): Promise<TTurnResult> {
  const frames: Uint8Array[] = [];
  for (let f = 0; f < LEAD_FRAMES; f++) frames.push(SILENCE);
  for (let at = 0; at + FRAME_BYTES <= audio.length; at += FRAME_BYTES) frames.push(audio.subarray(at, at + FRAME_BYTES));
  for (let f = 0; f < TRAIL_FRAMES; f++) frames.push(SILENCE);
  if (options.realTime) {
    // Five frames (100 ms) at a time at the pace a caller speaks them.
    const started = performance.now();
    for (let i = 0; i < frames.length; i += 5) {
      for (const frame of frames.slice(i, i + 5)) stream.push(frame);
      const due = started + (i + 5) * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } else {
    for (const frame of frames) stream.push(frame);
  }
  const finalizedAt = performance.now();
  stream.finalize();
  // A recognition error is scored as what it is for the caller: a turn with nothing heard.
  let error: string | undefined;
  for (;;) {
    const { value, done } = await events.next();
    if (done) throw new Error("recogniser events ended before the final");
    if (value.type === "error") error = value.error.message;
    if (value.type === "final") {
      const result = { text: value.text, isUnrecognized: value.isUnrecognized === true, finalMs: performance.now() - finalizedAt };
      return error === undefined ? result : { ...result, error };
    }
  }
}
