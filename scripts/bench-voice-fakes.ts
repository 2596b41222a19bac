// The fake Deepgram, Gemini and Smallest of `npm run bench:voice`, in a process of their own.
//
// They stand in for services that run on other machines. Sharing an event loop with hundreds of simulated
// callers made them answer late whenever the simulator was busy (their own p99 was 15-40 ms over the configured
// latency at 200 calls), and that lateness was counted as the voice server's overhead. Here they only compete with
// the simulator for the core, and the kernel wakes an idle process promptly.
//
// Run by the benchmark (spawnBenchFakes); talks to it over the IPC channel.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FakeDeepgram } from "@/tests/fakes/deepgram";
import { FakeGemini, type TGeminiRequestInfo } from "@/tests/fakes/gemini";
import { FakeSmallest } from "@/tests/fakes/smallest";

export const LATENCY = { sttFinalMs: 150, llmFirstTokenMs: 350, ttsFirstByteMs: 100 } as const;
// V8 flags of the benchmark's own processes (simulator and fakes), which share core 0.
export const BENCH_HARNESS_NODE_ARGS = ["--single-threaded-gc", "--max-semi-space-size=16"];
// The caller's lines; the fake STT hands the server the same text for each turn.
export const LINES = ["What are your opening hours?", "I would like to book an appointment.", "Sorry, never mind."];
// The fake LLM answers the n-th caller turn of a call with REPLIES[n]; the second is long so it can be interrupted.
export const REPLIES = [
  "We are open nine to five on weekdays.",
  "Sure. We have openings on Tuesday morning and Thursday afternoon. Which one suits you?",
  "No problem. Anything else?",
];

// The turn-taking phase (bench-voice-turns.ts). Its agent's department, so the model can transfer.
export const TURNS_DEPARTMENT = { name: "Billing", phoneNumber: "+14155550111", whenToTransfer: "Questions about bills and payments" };

// Caller lines that make the fake Gemini do something other than the n-th reply. None of them occurs in the turn
// sets (tests/fixtures/turn-taking) or in LINES.
export const TURN_TRIGGERS = {
  longReply: "tell me about all your services",
  takeMessage: "please take a message for the office",
  transfer: "please transfer me to the billing department",
} as const;
// Long enough that speech 800 ms into it still lands on the first sentence, with more to come.
export const LONG_REPLY = "We offer cleanings, fillings, crowns and whitening for the whole family. We also see children on Saturday mornings.";
export const MESSAGE_SAVED_REPLY = "Thanks, I've passed your message on. Someone will call you back today.";
export const TRANSFER_FAILED_REPLY = "I'm sorry, I can't put you through right now. Can I take a message?";
export const TAKE_MESSAGE_ARGS = { name: "Sam Lee", callback_number: "+14155550123", message: "Please call me back about my appointment." };

// The fake Gemini's answer to a turn-phase line, or null for the latency phase's own replies.
export type TTurnPhaseReply = string | ({ functionCall: { name: string; args: Record<string, unknown> } } | string)[];
export function turnPhaseReply(lastUserText: string | null, functionResponses: { name: string; response: unknown }[]): TTurnPhaseReply | null {
  const result = functionResponses.at(-1);
  if (result?.name === "take_message") return MESSAGE_SAVED_REPLY;
  if (result?.name === "transfer_call") return TRANSFER_FAILED_REPLY;
  const text = (lastUserText ?? "").toLowerCase();
  if (text.includes(TURN_TRIGGERS.longReply)) return LONG_REPLY;
  // No words before the call, the way models often do it: what the caller hears until the tool is done is the server's.
  if (text.includes(TURN_TRIGGERS.takeMessage)) return [{ functionCall: { name: "take_message", args: TAKE_MESSAGE_ARGS } }];
  if (text.includes(TURN_TRIGGERS.transfer)) return [{ functionCall: { name: "transfer_call", args: { department: TURNS_DEPARTMENT.name } } }];
  return null;
}

// What the fake Gemini returns for a finished bench call's analysis.
const ANALYSIS = {
  summary: "The caller asked for the opening hours and started to book an appointment.",
  sentiment: "neutral",
  sentimentScore: 0,
  topic: "Opening hours",
  outcome: "resolved",
  turnSentiments: [],
  capturedFields: [],
};

type TEndpoint = { url: string; apiKey: string };
// llmRequests: streamed LLM requests (live turns, not analyses) since the last take.
export type TFakeTimings = { sttMs: number[]; llmMs: number[]; ttsMs: number[]; llmRequests: number };
type TFromFakes =
  | { type: "ready"; deepgram: TEndpoint; gemini: TEndpoint; smallest: TEndpoint }
  | ({ type: "timings" } & TFakeTimings)
  | { type: "bound"; id: number };
type TToFakes =
  | { type: "take-timings" }
  | { type: "close" }
  | { type: "bind"; id: number; transcripts: string[] }
  | { type: "unbind"; id: number };

export type TBenchFakes = {
  deepgram: TEndpoint;
  gemini: TEndpoint;
  smallest: TEndpoint;
  pid: number;
  // What each fake took to answer since the last call (see ResponseTimings).
  takeTimings(): Promise<TFakeTimings>;
  // The next Deepgram connection opened hears `transcripts`, one per caller turn, instead of LINES (the turn-taking
  // phase's calls each have their own). Resolves once a connection took them; cancel() withdraws them if none did.
  bindTranscripts(transcripts: string[]): { bound: Promise<void>; cancel(): void };
  close(): Promise<void>;
};

export async function spawnBenchFakes(): Promise<TBenchFakes> {
  // Like the simulator (npm run bench:voice) and the server: no GC helper threads fighting the main thread for the
  // one core, and fewer scavenges.
  const child: ChildProcess = spawn(process.execPath, [...BENCH_HARNESS_NODE_ARGS, "--import", "tsx", fileURLToPath(import.meta.url)], {
    cwd: process.cwd(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", BENCH_VOICE_FAKES: "1" },
  });
  const next = <T extends TFromFakes["type"]>(type: T) =>
    new Promise<Extract<TFromFakes, { type: T }>>((resolve, reject) => {
      const onMessage = (message: TFromFakes) => {
        if (message.type !== type) return;
        cleanup();
        resolve(message as Extract<TFromFakes, { type: T }>);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`the fake providers' process exited with ${code ?? signal}`));
      };
      const cleanup = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const send = (message: TToFakes) => child.send(message);
  const ready = await next("ready");
  let bindings = 0;
  const waitingBinds = new Map<number, () => void>();
  child.on("message", (message: TFromFakes) => {
    if (message.type !== "bound") return;
    waitingBinds.get(message.id)?.();
    waitingBinds.delete(message.id);
  });
  return {
    deepgram: ready.deepgram,
    gemini: ready.gemini,
    smallest: ready.smallest,
    pid: child.pid!,
    async takeTimings() {
      const reply = next("timings");
      send({ type: "take-timings" });
      const { sttMs, llmMs, ttsMs, llmRequests } = await reply;
      return { sttMs, llmMs, ttsMs, llmRequests };
    },
    bindTranscripts(transcripts) {
      const id = ++bindings;
      const bound = new Promise<void>((resolve) => waitingBinds.set(id, resolve));
      send({ type: "bind", id, transcripts });
      return {
        bound,
        cancel() {
          waitingBinds.delete(id);
          send({ type: "unbind", id });
        },
      };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      send({ type: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function runFakes(): Promise<void> {
  const send = (message: TFromFakes) => process.send?.(message);
  // Transcripts bound to a connection (keyed by its query object, which the transcript callback is given), and
  // those waiting for the next connection, oldest first.
  const bound = new WeakMap<URLSearchParams, string[]>();
  const pendingBinds: { id: number; transcripts: string[] }[] = [];
  const deepgram = await FakeDeepgram.start({
    finalLatencyMs: LATENCY.sttFinalMs,
    transcripts: ({ turnIndex, query }) => {
      const own = bound.get(query);
      // A bound call with more turns than scripted (a word the caller never said): no words.
      return own ? (own[turnIndex] ?? "") : LINES[turnIndex % LINES.length];
    },
    onConnection: (connection) => {
      const bind = pendingBinds.shift();
      if (!bind) return;
      bound.set(connection.query, bind.transcripts);
      send({ type: "bound", id: bind.id });
    },
  });
  const userTurns = (request: TGeminiRequestInfo) =>
    (request.body.contents ?? []).filter((c) => c.role === "user" && (c.parts ?? []).some((p) => typeof p.text === "string")).length;
  let llmRequests = 0;
  const gemini = await FakeGemini.start({
    firstTokenLatencyMs: LATENCY.llmFirstTokenMs,
    // Live turns stream; the post-call analysis asks `:generateContent` for JSON in its response schema, and gets
    // it (a text reply there fails the analysis, and its retries would load the server through later steps). The
    // turn-taking phase's lines get their own answers (long ones, tool calls); every other line the n-th reply.
    respond: (request) => {
      if (request.method === "generateContent") return { json: ANALYSIS };
      llmRequests++;
      return turnPhaseReply(request.lastUserText, request.functionResponses) ?? REPLIES[Math.min(REPLIES.length, Math.max(1, userTurns(request))) - 1]!;
    },
  });
  const smallest = await FakeSmallest.start({ firstByteLatencyMs: LATENCY.ttsFirstByteMs });
  // The bench never reads them; unbounded logs would only grow this process's heap.
  const forget = () => {
    deepgram.connections.splice(0);
    gemini.requests.splice(0);
    smallest.requests.splice(0);
  };
  process.on("message", (message: TToFakes) => {
    if (message.type === "take-timings") {
      forget();
      send({ type: "timings", sttMs: deepgram.timings.take(), llmMs: gemini.timings.take(), ttsMs: smallest.timings.take(), llmRequests });
      llmRequests = 0;
    } else if (message.type === "bind") {
      pendingBinds.push({ id: message.id, transcripts: message.transcripts });
    } else if (message.type === "unbind") {
      const index = pendingBinds.findIndex((b) => b.id === message.id);
      if (index >= 0) pendingBinds.splice(index, 1);
    } else if (message.type === "close") {
      void Promise.all([deepgram.close(), gemini.close(), smallest.close()]).finally(() => process.exit(0));
    }
  });
  // The benchmark went away without closing us.
  process.on("disconnect", () => process.exit(0));
  send({
    type: "ready",
    deepgram: { url: deepgram.url, apiKey: deepgram.apiKey },
    gemini: { url: gemini.url, apiKey: gemini.apiKey },
    smallest: { url: smallest.url, apiKey: smallest.apiKey },
  });
}

if (process.env.BENCH_VOICE_FAKES === "1") {
  runFakes().catch((error: unknown) => {
    process.stderr.write(`fake providers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
