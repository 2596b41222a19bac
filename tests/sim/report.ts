import { distribution, formatDistribution, type TDistribution } from "./stats";
import { wireTranscript, type TSimCallResult, type TSimTurn } from "./wire-log";

// Figures and text reports over simulated calls, shared by `npm run simulate` and `npm run bench:voice`.

export type TSimSummary = {
  calls: number;
  endedBy: Record<string, number>;
  voiceToVoiceMs: TDistribution | null;
  bargeInMs: TDistribution | null;
  bargeInsMissed: number; // interruptions that never got a clear
  greetingMs: TDistribution | null;
  interArrivalMs: TDistribution | null;
  jitterMs: TDistribution | null;
  lateFrames: number;
  lateByMs: TDistribution | null;
  agentAudioAfterClear: number;
  protocolErrors: number;
};

// A reply counts towards voice-to-voice unless the caller spoke over audio the agent never cleared: then the
// "first agent audio after the caller stopped" is just more of the old reply.
export function isCleanReply(turn: TSimTurn): boolean {
  return turn.voiceToVoiceMs !== null && (!turn.wasAgentTalking || turn.clearAtMs !== null);
}

export function summarizeCalls(results: TSimCallResult[]): TSimSummary {
  const turns = results.flatMap((r) => r.turns);
  const interruptions = turns.filter((t) => t.isInterruption || t.wasAgentTalking);
  const endedBy: Record<string, number> = {};
  for (const r of results) endedBy[r.end.by] = (endedBy[r.end.by] ?? 0) + 1;
  const late = results.flatMap((r) => r.pacing.lateFrames.filter((l) => !l.isSimulatorStall));
  return {
    calls: results.length,
    endedBy,
    voiceToVoiceMs: distribution(turns.filter(isCleanReply).map((t) => t.voiceToVoiceMs!)),
    bargeInMs: distribution(interruptions.flatMap((t) => (t.bargeInMs === null ? [] : [t.bargeInMs]))),
    bargeInsMissed: interruptions.filter((t) => t.isInterruption && t.bargeInMs === null).length,
    greetingMs: distribution(results.flatMap((r) => (r.greetingMs === null ? [] : [r.greetingMs]))),
    interArrivalMs: distribution(results.flatMap((r) => r.pacing.interArrivalMs)),
    jitterMs: distribution(results.flatMap((r) => r.pacing.jitterMs)),
    lateFrames: late.length,
    lateByMs: distribution(late.map((l) => l.lateByMs)),
    agentAudioAfterClear: turns.filter((t) => t.hasAgentAudioAfterClear).length,
    protocolErrors: results.reduce((sum, r) => sum + r.protocolErrors.length, 0),
  };
}

function clock(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const seconds = ((abs % 60_000) / 1000).toFixed(2).padStart(5, "0");
  return `${sign}${String(minutes).padStart(2, "0")}:${seconds}`;
}

function ms(value: number | null): string {
  return value === null ? "-" : `${Math.round(value)} ms`;
}

export function formatCallReport(result: TSimCallResult, extra: { files?: string[] } = {}): string {
  const out: string[] = [];
  out.push(`── ${result.label}: ${result.callSid}  ${result.from} → ${result.to}`);
  const record = result.record?.call;
  const recordText = record
    ? `; call record: ${record.status}${record.outcome ? `, outcome ${record.outcome}` : ""}${record.endReason ? `, end reason ${record.endReason}` : ""}${
        record.transferredTo ? `, transferred to ${record.transferredTo}` : ""
      }${record.errorCount ? `, ${record.errorCount} error(s)` : ""}`
    : "";
  out.push(`   ended: ${result.end.description} at ${(result.end.atMs / 1000).toFixed(1)} s${recordText}`);
  if (!result.twiml.stream) return out.join("\n");
  out.push(`   greeting: ${result.greetingMs === null ? "no agent audio" : `first agent audio ${result.greetingMs} ms after the stream started`}`);

  const dbTurns = result.record?.turns ?? [];
  if (dbTurns.length > 0) {
    out.push("   transcript (from the database):");
    const lines: { atMs: number; text: string }[] = dbTurns.map((turn) => {
      const stages =
        turn.speaker === "agent" && turn.firstAudioMs !== null
          ? `   [server: endpointing ${ms(turn.endpointingMs)}, stt ${ms(turn.sttFinalMs)}, llm ${ms(turn.llmFirstTokenMs)}, tts ${ms(turn.ttsFirstByteMs)}, first audio ${ms(turn.firstAudioMs)}]`
          : "";
      return { atMs: turn.startMs, text: `${turn.speaker.padEnd(6)}  ${turn.text}${turn.isInterrupted ? " (interrupted)" : ""}${stages}` };
    });
    for (const event of result.record?.events ?? []) {
      if (event.kind === "status") continue;
      const data = Object.keys(event.data).length ? ` ${JSON.stringify(event.data)}` : "";
      lines.push({ atMs: event.atMs, text: `event   ${event.kind} ${event.name}${data}` });
    }
    lines.sort((a, b) => a.atMs - b.atMs);
    for (const line of lines) out.push(`     ${clock(line.atMs)}  ${line.text}`);
  } else {
    out.push(`   transcript (as heard on the wire${result.callId ? "; pass --database-url for the text" : ""}):`);
    for (const line of wireTranscript(result)) out.push(`     ${clock(line.atMs)}  ${line.speaker.padEnd(6)}  ${line.text}`);
  }

  if (result.turns.length > 0) {
    out.push("   latency at the wire:");
    for (const turn of result.turns) {
      const parts: string[] = [];
      if (turn.bargeInMs !== null) parts.push(`barge-in: clear ${ms(turn.bargeInMs)} after speech onset`);
      else if (turn.isInterruption) parts.push("barge-in: NO clear");
      parts.push(
        turn.voiceToVoiceMs === null
          ? "no reply"
          : `voice-to-voice ${ms(turn.voiceToVoiceMs)}${isCleanReply(turn) ? "" : " (spoke over the agent: not a reply)"}`,
      );
      if (turn.hasAgentAudioAfterClear) parts.push("agent audio kept coming after the clear");
      out.push(`     #${turn.index + 1} "${turn.text}"  ${parts.join("; ")}`);
    }
  }
  const pacing = result.pacing;
  const inter = distribution(pacing.interArrivalMs);
  const jitter = distribution(pacing.jitterMs);
  out.push(
    `   pacing: ${pacing.agentMessages} agent messages (${(pacing.agentAudioMs / 1000).toFixed(1)} s), inter-arrival ${
      inter ? `p50 ${inter.p50} / p95 ${inter.p95} ms` : "n/a"
    }, jitter ${jitter ? `p95 ${jitter.p95} / max ${jitter.max} ms` : "n/a"}, late frames ${pacing.lateFrames.length}${
      pacing.lateFrames.length ? ` (worst ${Math.max(...pacing.lateFrames.map((l) => l.lateByMs))} ms` : ""
    }${
      pacing.lateFrames.length
        ? `${pacing.lateFrames.some((l) => l.isSimulatorStall) ? `, ${pacing.lateFrames.filter((l) => l.isSimulatorStall).length} right after the simulator stalled` : ""})`
        : ""
    }, gaps between sentences ${pacing.segmentGapsMs.length}${pacing.segmentGapsMs.length ? ` (max ${Math.max(...pacing.segmentGapsMs)} ms)` : ""}`,
  );
  const cleared = result.marks.filter((m) => m.wasCleared).length;
  out.push(
    `   marks: ${result.marks.length} (${cleared} cleared); clears: ${result.clears.length}${
      result.clears.length ? ` (dropped ${result.clears.map((c) => `${(c.droppedMs / 1000).toFixed(1)} s`).join(", ")})` : ""
    }${result.dtmfSent.length ? `; DTMF sent: ${result.dtmfSent.join("")}` : ""}`,
  );
  if (extra.files?.length) out.push(`   audio: ${extra.files.join(", ")}`);
  for (const note of result.notes) out.push(`   note: ${note}`);
  for (const error of result.protocolErrors.slice(0, 10)) out.push(`   PROTOCOL: ${error}`);
  if (result.protocolErrors.length > 10) out.push(`   PROTOCOL: ... ${result.protocolErrors.length - 10} more`);
  return out.join("\n");
}

export function formatSummary(summary: TSimSummary): string {
  const ended = Object.entries(summary.endedBy)
    .map(([by, count]) => `${by} ${count}`)
    .join(", ");
  return [
    `Summary of ${summary.calls} call(s) (ended by: ${ended || "-"})`,
    `  voice-to-voice at the wire: ${formatDistribution(summary.voiceToVoiceMs)}`,
    `  barge-in (speech onset -> clear): ${formatDistribution(summary.bargeInMs)}${summary.bargeInsMissed ? `; ${summary.bargeInsMissed} interruption(s) never cleared` : ""}`,
    `  greeting (stream start -> first audio): ${formatDistribution(summary.greetingMs)}`,
    `  outbound pacing jitter: ${formatDistribution(summary.jitterMs)}; late frames: ${summary.lateFrames}`,
    summary.agentAudioAfterClear ? `  agent audio after a clear while the caller spoke: ${summary.agentAudioAfterClear} turn(s)` : "",
    summary.protocolErrors ? `  protocol errors from the server: ${summary.protocolErrors}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}
