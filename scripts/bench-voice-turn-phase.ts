import fs from "node:fs";
import path from "node:path";
import { createDb } from "@/db/client";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, runSimulatedCall } from "@/tests/sim/twilio-caller";
import type { TSimCallResult } from "@/tests/sim/wire-log";
import type { TBench, TRecordSql, TTarget } from "./bench-voice-harness";
import { turnTable } from "./bench-voice-report";
import {
  TURNS_E164,
  noiseBurstsOf,
  observeTurnCall,
  parseTurnMetrics,
  planCounts,
  planTurnCalls,
  turnCountsBetween,
  turnFigures,
  writeNoiseWavs,
  type TTurnCall,
  type TTurnTaking,
} from "./bench-voice-turns";

// The turn-taking phase of bench:voice: the turn sets of tests/fixtures/turn-taking through each server at low
// load (planned and scored by bench-voice-turns.ts). It runs between the latency phase and the capacity steps,
// or alone with --turns-only.

// Calls of the turn-taking phase at a time: low load, like the latency phase, at a pace that gets through the sets.
const TURN_CONCURRENCY = 4;

export type TTurnPhase = {
  // Runs the phase on every server (in the order of step i) unless it is empty or the time budget is short.
  run(i: number): Promise<void>;
  turnsOf: Map<TTarget, TTurnTaking>;
};

export function createTurnPhase(bench: TBench): TTurnPhase {
  const { options, say, providerFakes } = bench;
  const turnPlan: TTurnCall[] =
    options.turnsEvery > 0
      ? planTurnCalls({ every: options.turnsEvery, noiseWav: writeNoiseWavs(path.join(bench.tmp, "noise"), noiseBurstsOf(options.turnsEvery)) })
      : [];
  const turnsOf = new Map<TTarget, TTurnTaking>();
  // Calls connect one at a time (each call's recognizer connection must take that call's transcripts), then run
  // side by side.
  let connectGate: Promise<void> = Promise.resolve();
  const oneTurnCall = async (target: TTarget, call: TTurnCall, sql: TRecordSql): Promise<TSimCallResult | null> => {
    const previous = connectGate;
    let open = () => {};
    connectGate = new Promise<void>((resolve) => (open = resolve));
    await previous;
    const n = bench.nextCallNo();
    const binding = providerFakes.bindTranscripts(call.transcripts);
    const running = runSimulatedCall({
      baseUrl: target.baseUrl,
      accountSid: SANDBOX_ACCOUNT_SID,
      authToken: SANDBOX_AUTH_TOKEN,
      from: `+1555030${String(n % 10_000).padStart(4, "0")}`,
      to: TURNS_E164,
      script: { name: call.label, steps: call.steps },
      label: `${call.label}-${n}`,
      scheduler: bench.scheduler,
      voice: bench.voice,
      isRecording: false,
      twilioRest: bench.twilioRest,
      sql,
      maxCallMs: 240_000,
    });
    running.catch(() => {});
    try {
      let timer: NodeJS.Timeout | undefined;
      const isBound = await Promise.race([
        binding.bound.then(() => true),
        running.then(
          () => false,
          () => false,
        ),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 15_000))),
      ]);
      clearTimeout(timer);
      if (!isBound) {
        binding.cancel();
        say(`${call.label}: its recognizer connection never opened; its turns are not scripted`);
      }
    } finally {
      open();
    }
    try {
      const result = await running;
      // Refused (admission control's "all lines are busy", say): not a conversation whose turns went unanswered.
      if (result.end.by === "twiml") {
        say(`${call.label}: the server answered without a stream (${result.end.description.slice(0, 120)}); counted as a failed call`);
        return null;
      }
      return result;
    } catch (error) {
      say(`${call.label} failed: ${(error as Error).message}`);
      return null;
    }
  };
  const turnCounts = async (target: TTarget) => {
    try {
      return parseTurnMetrics(await (await fetch(`${target.baseUrl}/metrics`, { signal: AbortSignal.timeout(3000) })).text());
    } catch {
      return null;
    }
  };
  const runTurnPhase = async (target: TTarget): Promise<TTurnTaking> => {
    const phaseStartedAt = Date.now();
    await providerFakes.takeTimings();
    const countsBefore = await turnCounts(target);
    const { sql } = createDb(target.databaseUrl, { max: 2 });
    const outcomes: { call: TTurnCall; result: TSimCallResult | null }[] = [];
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(TURN_CONCURRENCY, turnPlan.length) }, async () => {
          while (next < turnPlan.length) {
            const call = turnPlan[next++]!;
            outcomes.push({ call, result: await oneTurnCall(target, call, sql) });
          }
        }),
      );
    } finally {
      await sql.end({ timeout: 5 });
    }
    await bench.settle(target);
    const countsAfter = await turnCounts(target);
    const timings = await providerFakes.takeTimings();
    const observed = outcomes.flatMap(({ call, result }) => (result ? [observeTurnCall(call.items, result)] : []));
    if (options.turnsDetailFile) {
      const detail = outcomes.map(({ call, result }) => ({
        call: call.label,
        items: call.items,
        transcripts: call.transcripts,
        observations: result ? observeTurnCall(call.items, result).observations : null,
        wire: result && {
          end: result.end.description,
          turns: result.turns,
          clears: result.clears,
          agentSpeech: result.agentSpeech,
          marks: result.marks.map((m) => `${m.name}@${m.receivedAtMs}${m.wasCleared ? " (cleared)" : ""}`),
          notes: result.notes,
          record: result.record && { turns: result.record.turns.map((t) => `${t.startMs} ${t.speaker}: ${t.text}`), events: result.record.events },
        },
      }));
      const file = options.turnsDetailFile.replace(/(\.json)?$/, `-${target.tree.label}.json`);
      fs.writeFileSync(file, `${JSON.stringify(detail, null, 2)}\n`);
      say(`  ${target.tree.label}: turn-phase detail in ${file}`);
    }
    const figures = turnFigures({
      observations: observed.flatMap((o) => o.observations),
      speculation: observed.map((o) => o.speculation),
      playedFromDiscarded: observed.reduce((sum, o) => sum + o.playedFromDiscarded, 0),
      serverCounts: countsBefore && countsAfter ? turnCountsBetween(countsBefore, countsAfter) : null,
      llmRequests: timings.llmRequests,
      callerTurns: outcomes.reduce((sum, o) => sum + (o.result?.record?.turns.filter((t) => t.speaker === "caller").length ?? 0), 0),
      calls: outcomes.length,
      failedCalls: outcomes.filter((o) => !o.result).length,
      concurrency: TURN_CONCURRENCY,
      plan: planCounts(turnPlan),
      durationS: Math.round((Date.now() - phaseStartedAt) / 1000),
    });
    say(`  ${target.tree.label}:\n${turnTable(figures).replace(/^/gm, "    ")}`);
    return figures;
  };
  return {
    turnsOf,
    run: async (i) => {
      if (turnPlan.length === 0) return;
      const counts = planCounts(turnPlan);
      const estimatedMs = (options.turnsEvery === 1 ? 300_000 : 120_000) * bench.targets.length;
      if (!options.isTurnsOnly && Date.now() - bench.startedAt + estimatedMs > options.budgetMs) {
        say("turn-taking phase: skipped (time budget)");
        return;
      }
      // Every caller line synthesized before the calls, so espeak never runs beside them.
      for (const call of turnPlan) {
        for (const step of call.steps) {
          if ("say" in step) await bench.voice.say(step.say, step.wordsPerMinute);
          else if ("wav" in step) await bench.voice.wav(step.wav);
        }
      }
      say(
        `turn-taking phase: ${counts.calls} calls, ${TURN_CONCURRENCY} at a time: ${counts.complete} complete questions, ${counts.paused} turns with pauses, ` +
          `${counts.backchannel} backchannels, ${counts.noise} noise bursts and ${counts.interruption} interruptions over the agent, ` +
          `${counts.takeMessage} take_message and ${counts.transfer} transfer turns`,
      );
      for (const target of bench.inTurn(i)) {
        await bench.focus(target);
        turnsOf.set(target, await runTurnPhase(target));
      }
    },
  };
}
