"use client";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { addSpokenSentence, spokenText, type TPendingSpeech } from "./agent-speech";

// A test call from the browser: the same call session as a phone call, over a WebSocket to the voice server.
// Wire protocol: voice-server/web/browser-transport.ts. Audio both ways is 8 kHz mu-law in 20 ms frames.

type TMode = "voice" | "text";
type TStatus =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "ended"; reason: string }
  | { kind: "error"; message: string; hint?: string };

type TLatency = {
  endpointingMs: number | null;
  sttFinalMs: number | null;
  llmFirstTokenMs: number | null;
  ttsFirstByteMs: number | null;
  firstAudioMs: number | null;
};

type TLine =
  | { kind: "turn"; key: string; speaker: "caller" | "agent"; text: string; isInterrupted: boolean; latency: TLatency }
  | { kind: "event"; key: string; text: string };

type TServerMessage =
  | { type: "started"; callId: string; mode: TMode }
  | { type: "mark"; name: string }
  | { type: "clear" }
  | { type: "transcript"; seq: number; speaker: "caller" | "agent"; text: string; isInterrupted: boolean; latency: TLatency }
  | { type: "interim"; text: string }
  | { type: "speaking"; generation: number; segment: number; text: string; atMs: number }
  | { type: "event"; kind: string; name: string; atMs: number; data: Record<string, unknown> }
  | { type: "ended"; reason: string };

// Playback starts this far ahead of "now" so frames arriving with a little jitter still play back to back.
const PLAYBACK_LEAD_SECONDS = 0.06;

const END_REASONS: Record<string, string> = {
  caller_hangup: "You ended the call.",
  agent_end_call: "The agent ended the call.",
  silence_timeout: "The call ended after a long silence.",
  max_duration: "The call reached the agent's time limit.",
  transferred: "The call was transferred.",
  stream_closed: "The connection closed.",
  server_shutdown: "The voice server shut down.",
  setup_failed: "The voice server could not start the call.",
  llm_failure: "The call ended because the language model failed.",
  stt_failure: "The call ended because speech recognition failed.",
};

const MULAW_TABLE = (() => {
  const table = new Float32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const u = ~byte & 0xff;
    const exponent = (u >> 4) & 0x07;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    table[byte] = (u & 0x80 ? -magnitude : magnitude) / 32768;
  }
  return table;
})();

function describeEvent(kind: string, name: string, data: Record<string, unknown>): string | null {
  if (kind === "tool_call") {
    const ok = data.ok !== false;
    return `Tool ${name}${ok ? "" : " failed"}${typeof data.error === "string" ? `: ${data.error}` : ""}`;
  }
  if (kind === "transfer") return `Transfer to ${name}`;
  if (kind === "barge_in") return "Caller interrupted the agent";
  if (kind === "error") return `Error: ${name.replaceAll("_", " ")}`;
  if (kind === "status" && name !== "stream_started" && name !== "stream_ended") return name.replaceAll("_", " ");
  return null;
}

function latencyParts(latency: TLatency, mode: TMode): string[] {
  const parts: string[] = [];
  const add = (label: string, ms: number | null) => {
    if (ms !== null) parts.push(`${label} ${ms} ms`);
  };
  if (mode === "voice") {
    add("endpointing", latency.endpointingMs);
    add("STT final", latency.sttFinalMs);
  }
  add("LLM first token", latency.llmFirstTokenMs);
  add("TTS first byte", latency.ttsFirstByteMs);
  add(mode === "voice" ? "voice-to-voice" : "first audio", latency.firstAudioMs);
  return parts;
}

// Audio out: mu-law frames scheduled back to back in an AudioContext, which resamples 8 kHz to the device rate.
// Marks are echoed when playback reaches them (by the wall clock, which keeps working if audio output is
// unavailable), so a barge-in keeps only what was heard.
// `onAudible` says when the agent's voice starts and stops being heard (the speaking indicator).
class Player {
  private playHead = 0;
  private playEndWallMs = 0;
  private sources = new Set<AudioBufferSourceNode>();
  private markTimers = new Map<ReturnType<typeof setTimeout>, string>();
  private isAudible = false;
  private quietTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: AudioContext,
    private readonly echoMark: (name: string) => void,
    private readonly onAudible: (isAudible: boolean) => void = () => {},
  ) {}

  private setAudible(isAudible: boolean): void {
    clearTimeout(this.quietTimer);
    if (isAudible) this.quietTimer = setTimeout(() => this.setAudible(false), Math.max(0, this.playEndWallMs - performance.now()));
    if (this.isAudible === isAudible) return;
    this.isAudible = isAudible;
    this.onAudible(isAudible);
  }

  play(bytes: Uint8Array): void {
    const samples = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) samples[i] = MULAW_TABLE[bytes[i] as number] as number;
    const buffer = this.context.createBuffer(1, samples.length, 8000);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const startAt = Math.max(this.playHead, this.context.currentTime + PLAYBACK_LEAD_SECONDS);
    source.start(startAt);
    this.playHead = startAt + buffer.duration;
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    const nowMs = performance.now();
    this.playEndWallMs = Math.max(this.playEndWallMs, nowMs + PLAYBACK_LEAD_SECONDS * 1000) + (bytes.length / 8000) * 1000;
    this.setAudible(true);
  }

  mark(name: string): void {
    const delayMs = Math.max(0, this.playEndWallMs - performance.now());
    const timer = setTimeout(() => {
      this.markTimers.delete(timer);
      this.echoMark(name);
    }, delayMs);
    this.markTimers.set(timer, name);
  }

  // Drop everything queued; pending marks come back at once, like Twilio's clear.
  clear(): void {
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // Already stopped.
      }
    }
    this.sources.clear();
    this.playHead = 0;
    this.playEndWallMs = 0;
    this.setAudible(false);
    for (const [timer, name] of this.markTimers) {
      clearTimeout(timer);
      this.echoMark(name);
    }
    this.markTimers.clear();
  }

  stop(): void {
    clearTimeout(this.quietTimer);
    for (const timer of this.markTimers.keys()) clearTimeout(timer);
    this.markTimers.clear();
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // Already stopped.
      }
    }
    this.sources.clear();
  }
}

type TLive = {
  ws: WebSocket;
  context: AudioContext;
  player: Player;
  mic: MediaStream | null;
  capture: AudioWorkletNode | null;
  hasEnded: boolean;
};

async function openMicrophone(): Promise<MediaStream> {
  if (typeof navigator === "undefined" || !navigator.mediaDevices?.getUserMedia) {
    throw new Error(
      "This browser can't use a microphone on this page (it needs https or localhost). Use Type as caller instead.",
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
  } catch (error) {
    const name = error instanceof DOMException ? error.name : "";
    if (name === "NotAllowedError" || name === "SecurityError") {
      throw new Error("Microphone access was denied. Allow it in your browser's site settings and try again, or use Type as caller.");
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      throw new Error("No microphone was found. Connect one and try again, or use Type as caller.");
    }
    if (name === "NotReadableError") {
      throw new Error("The microphone is in use by another application. Close it and try again, or use Type as caller.");
    }
    throw new Error("The microphone could not be opened. Use Type as caller instead.");
  }
}

export function TestCallPanel({ slug, agentId, canTest }: { slug: string; agentId: string; canTest: boolean }) {
  const [mode, setMode] = useState<TMode>("voice");
  const [status, setStatus] = useState<TStatus>({ kind: "idle" });
  const [lines, setLines] = useState<TLine[]>([]);
  const [callId, setCallId] = useState<string | null>(null);
  const [isMuted, setIsMuted] = useState(false);
  const [level, setLevel] = useState(0);
  const [draft, setDraft] = useState("");
  const live = useRef<TLive | null>(null);
  const callMode = useRef<TMode>("text");
  const [interim, setInterim] = useState("");
  // The agent's current turn as it is spoken, and whether its voice is playing right now.
  const [speech, setSpeech] = useState<TPendingSpeech | null>(null);
  const [isAgentAudible, setIsAgentAudible] = useState(false);
  const transcriptBox = useRef<HTMLDivElement | null>(null);
  const input = useRef<HTMLInputElement | null>(null);

  // Follows the conversation inside the box without scrolling the page.
  useEffect(() => {
    const box = transcriptBox.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [lines, interim, speech, isAgentAudible]);

  useEffect(() => () => teardown(), []);

  // The microphone is allowed only on the agent pages' documents (Permissions-Policy, lib/http/security-headers.ts),
  // and an in-app navigation keeps the policy of the page the document was loaded from. Arriving here that way,
  // reload once so the test call gets a document that may use the microphone. Only Chromium can tell.
  useEffect(() => {
    if (!canTest) return;
    const policy = (document as Document & { featurePolicy?: { allowsFeature(feature: string): boolean } }).featurePolicy;
    if (!policy) return;
    // The flag only guards against a reload loop should a reloaded page still be refused the microphone.
    const key = `mic-reload:${location.pathname}`;
    if (policy.allowsFeature("microphone")) {
      sessionStorage.removeItem(key);
      return;
    }
    if (sessionStorage.getItem(key)) return;
    sessionStorage.setItem(key, "1");
    location.reload();
  }, [canTest]);

  function teardown() {
    const current = live.current;
    live.current = null;
    if (!current) return;
    current.player.stop();
    setIsAgentAudible(false);
    current.capture?.port.close();
    current.capture?.disconnect();
    for (const track of current.mic?.getTracks() ?? []) track.stop();
    if (current.ws.readyState === WebSocket.OPEN || current.ws.readyState === WebSocket.CONNECTING) current.ws.close();
    // Let the last words play out before the context goes.
    setTimeout(() => void current.context.close().catch(() => {}), 1_500);
  }

  async function start() {
    if (live.current) return;
    callMode.current = mode;
    setLines([]);
    setInterim("");
    setSpeech(null);
    setIsAgentAudible(false);
    setCallId(null);
    setIsMuted(false);
    setLevel(0);
    setStatus({ kind: "connecting" });
    // Created inside the click, so the browser lets it play sound.
    const context = new AudioContext();
    let mic: MediaStream | null = null;
    const fail = (message: string, hint?: string) => {
      for (const track of mic?.getTracks() ?? []) track.stop();
      void context.close().catch(() => {});
      setStatus({ kind: "error", message, hint });
    };
    try {
      if (mode === "voice") mic = await openMicrophone();
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }

    let ticket: { ticket: string; wsUrl: string };
    try {
      const res = await fetch(`/api/teams/${slug}/agents/${agentId}/test-call`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ mode }),
      });
      const body = (await res.json().catch(() => null)) as { ticket?: string; wsUrl?: string; error?: { message?: string } } | null;
      if (!res.ok || !body?.ticket || !body.wsUrl) {
        return fail(body?.error?.message ?? `The test call could not be started (HTTP ${res.status}).`);
      }
      ticket = { ticket: body.ticket, wsUrl: body.wsUrl };
    } catch {
      return fail("The web app could not be reached. Check your connection and try again.");
    }

    let ws: WebSocket;
    try {
      ws = new WebSocket(`${ticket.wsUrl}?ticket=${encodeURIComponent(ticket.ticket)}`);
    } catch {
      return fail(`The voice server address ${ticket.wsUrl} is not valid.`, "Check VOICE_PUBLIC_URL in the web app's environment.");
    }
    ws.binaryType = "arraybuffer";
    const player = new Player(
      context,
      (name) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "mark", name }));
      },
      (isAudible) => {
        if (live.current === session) setIsAgentAudible(isAudible);
      },
    );
    const session: TLive = { ws, context, player, mic, capture: null, hasEnded: false };
    live.current = session;
    let isOpen = false;

    ws.onopen = () => {
      isOpen = true;
    };
    ws.onerror = () => {
      if (isOpen || live.current !== session) return;
      teardown();
      setStatus({
        kind: "error",
        message: `Couldn't reach the voice server at ${ticket.wsUrl.replace(/\/web\/call$/, "")}.`,
        hint: "Start it with `npm run dev` (web app and voice server together) or `npm run voice`, and check VOICE_PUBLIC_URL.",
      });
    };
    ws.onclose = () => {
      if (live.current !== session) return;
      const hasEnded = session.hasEnded;
      teardown();
      if (!hasEnded && isOpen) setStatus({ kind: "error", message: "The connection to the voice server was lost." });
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (live.current !== session) return;
      if (typeof event.data !== "string") {
        player.play(new Uint8Array(event.data));
        return;
      }
      const message = JSON.parse(event.data) as TServerMessage;
      switch (message.type) {
        case "started":
          setCallId(message.callId);
          setStatus({ kind: "live" });
          if (session.mic) void startCapture(session);
          else setTimeout(() => input.current?.focus(), 0);
          return;
        case "mark":
          player.mark(message.name);
          return;
        case "clear":
          player.clear();
          return;
        case "interim":
          setInterim(message.text);
          return;
        case "speaking":
          setSpeech((current) => addSpokenSentence(current, message));
          return;
        case "transcript":
          if (message.speaker === "caller") setInterim("");
          else setSpeech(null);
          setLines((previous) => [
            ...previous,
            {
              kind: "turn",
              key: `t${message.seq}`,
              speaker: message.speaker,
              text: message.text,
              isInterrupted: message.isInterrupted,
              latency: message.latency,
            },
          ]);
          return;
        case "event": {
          const text = describeEvent(message.kind, message.name, message.data);
          if (text) setLines((previous) => [...previous, { kind: "event", key: `e${previous.length}-${message.atMs}`, text }]);
          return;
        }
        case "ended":
          session.hasEnded = true;
          setInterim("");
          setSpeech(null);
          setStatus({ kind: "ended", reason: message.reason });
          return;
      }
    };
  }

  async function startCapture(session: TLive) {
    const mic = session.mic;
    if (!mic) return;
    try {
      await session.context.audioWorklet.addModule("/worklets/mic-capture.js");
      if (live.current !== session) return;
      const source = session.context.createMediaStreamSource(mic);
      const capture = new AudioWorkletNode(session.context, "mic-capture", { numberOfInputs: 1, numberOfOutputs: 1 });
      // A silent output keeps the node pulled by the graph in every browser.
      const sink = session.context.createGain();
      sink.gain.value = 0;
      source.connect(capture).connect(sink).connect(session.context.destination);
      capture.port.onmessage = (event: MessageEvent<{ frame: ArrayBuffer; level: number }>) => {
        if (session.ws.readyState === WebSocket.OPEN) session.ws.send(event.data.frame);
        setLevel(event.data.level);
      };
      session.capture = capture;
    } catch {
      session.ws.send(JSON.stringify({ type: "hangup" }));
      teardown();
      setStatus({ kind: "error", message: "This browser could not process microphone audio (AudioWorklet). Use Type as caller instead." });
    }
  }

  function hangUp() {
    const current = live.current;
    if (!current) return;
    if (current.ws.readyState === WebSocket.OPEN) current.ws.send(JSON.stringify({ type: "hangup" }));
    else teardown();
  }

  function toggleMute() {
    const next = !isMuted;
    setIsMuted(next);
    live.current?.capture?.port.postMessage({ isMuted: next });
  }

  function send(event: React.FormEvent) {
    event.preventDefault();
    const text = draft.trim();
    const current = live.current;
    if (!text || !current || current.ws.readyState !== WebSocket.OPEN) return;
    current.ws.send(JSON.stringify({ type: "text", text }));
    setDraft("");
  }

  const isBusy = status.kind === "connecting" || status.kind === "live";
  const activeMode = isBusy || status.kind === "ended" ? callMode.current : mode;

  if (!canTest) {
    return <Alert tone="info">Only members, admins and owners can place test calls.</Alert>;
  }

  return (
    <Card
      title="Test call"
      description="Talk to the agent's current draft, including unpublished changes. Test calls are recorded and flagged as tests in Calls."
    >
      <div className="space-y-4">
        <fieldset className="flex flex-wrap gap-2" disabled={isBusy}>
          <legend className="sr-only">How to talk to the agent</legend>
          {(
            [
              ["voice", "Talk to agent", "Use your microphone; the agent's voice plays back."],
              ["text", "Type as caller", "Type what a caller says; replies appear as text and play as audio."],
            ] as const
          ).map(([value, label, hint]) => (
            <label
              key={value}
              className={`flex max-w-xs cursor-pointer flex-col rounded-md px-3 py-2 text-sm ring-1 ring-inset ${
                mode === value ? "bg-brand-50 ring-brand-600" : "ring-slate-200 hover:bg-slate-50"
              }`}
            >
              <span className="flex items-center gap-2 font-medium text-slate-900">
                <input type="radio" name="test-call-mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
                {label}
              </span>
              <span className="mt-0.5 text-xs text-slate-500">{hint}</span>
            </label>
          ))}
        </fieldset>

        <div className="flex flex-wrap items-center gap-3">
          {isBusy ? (
            <Button type="button" variant="danger" onClick={hangUp}>
              End call
            </Button>
          ) : (
            <Button type="button" onClick={() => void start()}>
              {status.kind === "ended" || status.kind === "error" ? "Start another call" : "Start test call"}
            </Button>
          )}
          {status.kind === "live" && activeMode === "voice" && (
            <>
              <Button type="button" variant="secondary" onClick={toggleMute} aria-pressed={isMuted}>
                {isMuted ? "Unmute" : "Mute"}
              </Button>
              <span className="flex items-center gap-2 text-xs text-slate-500">
                Mic
                <span className="h-2 w-24 overflow-hidden rounded bg-slate-200" aria-hidden>
                  <span className="block h-full bg-emerald-500 transition-[width]" style={{ width: `${isMuted ? 0 : Math.min(100, Math.round(level * 300))}%` }} />
                </span>
              </span>
            </>
          )}
          <p className="text-sm text-slate-600" role="status" aria-live="polite" data-testid="test-call-status">
            {status.kind === "idle" && "Not connected."}
            {status.kind === "connecting" && (activeMode === "voice" ? "Connecting… allow the microphone if asked." : "Connecting…")}
            {status.kind === "live" && "Live"}
            {status.kind === "ended" && `Call ended. ${END_REASONS[status.reason] ?? status.reason.replaceAll("_", " ")}`}
          </p>
        </div>

        {status.kind === "error" && (
          <Alert tone="error">
            {status.message}
            {status.hint && <span className="mt-1 block">{status.hint}</span>}
          </Alert>
        )}

        {activeMode === "text" && status.kind === "live" && (
          <form onSubmit={send} className="flex gap-2">
            <label htmlFor="caller-text" className="sr-only">
              What the caller says
            </label>
            <input
              ref={input}
              id="caller-text"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              maxLength={2000}
              placeholder="Type what the caller says, then press Enter"
              className="min-w-0 flex-1 rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-600"
            />
            <Button type="submit" disabled={!draft.trim()}>
              Send
            </Button>
          </form>
        )}

        <div ref={transcriptBox} aria-label="Transcript" className="max-h-[28rem] space-y-2 overflow-y-auto rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
          {lines.length === 0 ? (
            speech || isAgentAudible ? null : (
              <p className="text-sm text-slate-500">
                {isBusy ? "Waiting for the agent's greeting…" : "Start a test call to see the conversation and each reply's latency here."}
              </p>
            )
          ) : (
            lines.map((line) =>
              line.kind === "event" ? (
                <p key={line.key} className="text-center text-xs text-slate-500">
                  {line.text}
                </p>
              ) : (
                <div key={line.key} data-testid={`turn-${line.speaker}`} className={`flex ${line.speaker === "caller" ? "justify-end" : "justify-start"}`}>
                  <div
                    className={`max-w-[85%] rounded-lg px-3 py-2 text-sm ${
                      line.speaker === "caller" ? "bg-brand-600 text-white" : "bg-white text-slate-900 ring-1 ring-slate-200"
                    }`}
                  >
                    <p className="text-xs font-medium opacity-70">{line.speaker === "caller" ? "Caller (you)" : "Agent"}</p>
                    <p className="whitespace-pre-wrap">{line.text}</p>
                    {line.isInterrupted && <p className="mt-1 text-xs font-medium text-amber-700">Interrupted — only what was heard is kept</p>}
                    {line.speaker === "agent" && latencyParts(line.latency, activeMode).length > 0 && (
                      <p className="mt-1 text-xs text-slate-500" data-testid="turn-latency">
                        {latencyParts(line.latency, activeMode).join(" · ")}
                      </p>
                    )}
                  </div>
                </div>
              ),
            )
          )}
          {(speech || isAgentAudible) && (
            <div data-testid="agent-speaking" className="flex justify-start">
              <div className="max-w-[85%] rounded-lg bg-white px-3 py-2 text-sm text-slate-900 ring-1 ring-slate-200">
                <p className="flex items-center gap-1.5 text-xs font-medium opacity-70">
                  Agent
                  {isAgentAudible && (
                    <span className="flex items-center gap-1 text-brand-700" role="status">
                      <span className="size-1.5 animate-pulse rounded-full bg-brand-600" aria-hidden />
                      speaking…
                    </span>
                  )}
                </p>
                {speech && spokenText(speech) && <p className="whitespace-pre-wrap">{spokenText(speech)}</p>}
              </div>
            </div>
          )}
          {interim && (
            <p className="text-right text-sm italic text-slate-500" aria-live="polite">
              Hearing: {interim}
            </p>
          )}
        </div>

        {callId && status.kind !== "live" && status.kind !== "connecting" && (
          <p className="text-sm">
            <Link href={`/t/${slug}/calls/${callId}`} className="font-medium text-brand-700 hover:underline">
              Open the recorded call
            </Link>{" "}
            <span className="text-slate-500">(listed in Calls as a test call)</span>
          </p>
        )}
      </div>
    </Card>
  );
}
