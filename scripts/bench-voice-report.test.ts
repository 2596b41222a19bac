import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sayAndRecord, connectStream } from "@/voice-server/twilio/twiml";
import { parseTwiml } from "@/tests/sim/twiml";
import type { TSimCallResult } from "@/tests/sim/wire-log";
import { cpuPerCallMinute, drainSummary, isRefusedBusy, type TStep } from "./bench-voice-figures";
import { compareRows, compareTable, overloadVerdict, type TCompareOutput, type TRun } from "./bench-voice-report";
import { voiceNodeArgs, workerNodeArgs } from "./bench-voice-tree";

const dist = (p50: number, p95: number, p99: number) => ({ count: 10, min: p50, p50, p95, p99, max: p99, mean: p50 });

function step(overrides: Partial<TStep>): TStep {
  return {
    calls: 10,
    failedCalls: 0,
    endedBy: { caller: 10 },
    voiceToVoiceMs: dist(905, 910, 915),
    overheadMs: dist(5, 10, 15),
    bargeInMs: dist(180, 185, 190),
    bargeInsMissed: 0,
    greetingMs: dist(4, 8, 9),
    jitterMs: null,
    interArrivalMs: null,
    lateFrames: 0,
    lateFramesDuringSimulatorStall: 0,
    worstLateMs: null,
    protocolErrors: 0,
    simulatorTickLagMs: { p50: 1, p99: 2, max: 3 },
    concurrent: 100,
    offered: 100,
    admitted: 100,
    refused: { busy: 0, unavailable: 0 },
    otherCpuPercent: 3,
    simulatorCpuPercent: 10,
    serverPacerLateFrames: 0,
    serverLoopLagMs: { p99: 11, max: 20 },
    serverStages: { turns: 0, endpointingMs: null, sttMs: null, llmMs: null, ttsMs: null, firstFrameMs: null, firstAudioMs: null },
    wireMinusServerMs: null,
    peakActiveCalls: 100,
    rssPeakMb: 300,
    mbPerCall: 0.9,
    serverCpuPercent: 30,
    cpuSecondsPerCallMinute: 0.2,
    durationS: 40,
    isPassing: true,
    failReasons: [],
    loadAddedOverheadP99Ms: 10,
    isPassingLoadAdded: true,
    ...overrides,
  };
}

function run(commit: string, overrides: Partial<TRun> = {}): TRun {
  return {
    commit,
    ref: commit,
    idleRssMb: 250,
    latency: { ...step({}), cpuSecondsPerCallMinute: 0.5 },
    serverStages: step({}).serverStages,
    capacity: { maxConcurrentCalls: 100, maxConcurrentCallsLoadAdded: 100, baselineOverheadMs: 5, steps: [step({})] },
    overload: null,
    drain: null,
    postCallAnalysisAtEnd: {},
    ...overrides,
  };
}

describe("bench:voice --compare report", () => {
  it("puts each figure of both servers side by side with current / previous", () => {
    const output: TCompareOutput = {
      machine: { cpuModel: "x", cores: 2, node: "v24", date: "d", isPinned: true, priority: -10 },
      setup: { isQuick: true, turnCycleMs: 8000, latencyPhase: { calls: 4, concurrency: 2, otherCpuPercent: 1 }, steps: [100], overloadCalls: 200, admissionEnv: {} },
      current: run("aaaa", { capacity: { maxConcurrentCalls: 150, maxConcurrentCallsLoadAdded: 150, baselineOverheadMs: 5, steps: [step({ overheadMs: dist(4, 8, 12) })] } }),
      previous: run("bbbb"),
      durationS: 1,
    };
    const rows = compareRows(output);
    const capacity = rows.find((r) => r.section === "Capacity")!.rows[0]!;
    expect(capacity).toMatchObject({ current: 150, previous: 100 });
    const at100 = rows.find((r) => r.section === "100 concurrent calls")!.rows;
    expect(at100.find((r) => r.name === "overhead p99")).toMatchObject({ current: 12, previous: 15 });
    expect(at100.find((r) => r.name === "server CPU per call-minute")).toMatchObject({ current: 0.2, previous: 0.2 });
    const table = compareTable(output);
    expect(table).toMatch(/overhead p99 \(ms\)\s+12\s+15\s+0\.80/);
    expect(table).toMatch(/calls per core .*\s+150\s+100\s+1\.50/);
    // Zero against zero is no change, a figure one side lacks has no ratio.
    expect(table).toMatch(/late frames\s+0\s+0\s+1\.00/);
  });

  it("passes the step beyond capacity only when something was refused and the admitted calls kept the budget", () => {
    expect(overloadVerdict(step({ admitted: 100, refused: { busy: 100, unavailable: 0 } }))).toBe("pass");
    expect(overloadVerdict(step({}))).toBe("FAIL: nothing was refused");
    expect(overloadVerdict(step({ refused: { busy: 0, unavailable: 5 }, overheadMs: dist(10, 30, 45), lateFrames: 2 }))).toBe(
      "FAIL: admitted calls' overhead p99 45 ms; 2 late frames",
    );
  });

  it("tells a refused call (busy voicemail TwiML) from an admitted one, and prices CPU per call-minute", () => {
    const refused = { end: { by: "twiml" }, twiml: parseTwiml(sayAndRecord("All our lines are busy", "https://v/rec")), durationMs: 0 } as unknown as TSimCallResult;
    const admitted = { end: { by: "caller" }, twiml: parseTwiml(connectStream("wss://v/s", {})), durationMs: 30_000 } as unknown as TSimCallResult;
    expect(isRefusedBusy(refused)).toBe(true);
    expect(isRefusedBusy(admitted)).toBe(false);
    // 3 s of CPU over two 30 s calls (one call-minute).
    expect(cpuPerCallMinute(3000, [admitted, admitted])).toBe(3);
    expect(cpuPerCallMinute(3000, [])).toBeNull();
  });
});

describe("bench:voice drain report", () => {
  const worker = { drainCpuS: 0.5, drainCpuPercent: 17, runCpuS: 3.1, analyzed: 139, cpuMsPerAnalysis: 22 };

  it("passes within 2 minutes, says who analyzed, and fails a backlog left or cleared too late", () => {
    expect(drainSummary({ pendingAtStart: 53, pendingAtEnd: 0, drainedInS: 3, timeoutS: 120, worker })).toBe(
      "53 analyses pending after the last step; 0 after 3 s -> pass; worker CPU 0.5 s (17% of a core) during the drain, 3.1 s over the run for 139 analyses (22 ms each)",
    );
    expect(drainSummary({ pendingAtStart: 9, pendingAtEnd: 4, drainedInS: null, timeoutS: 30, worker: null })).toBe(
      "9 analyses pending after the last step; 4 still pending after 30 s -> FAIL (target: 0 within 120 s); analyzed by the voice server itself (no worker)",
    );
    expect(drainSummary({ pendingAtStart: 9, pendingAtEnd: 0, drainedInS: 150, timeoutS: 300 })).toMatch(/0 after 150 s -> FAIL/);
  });

  it("compares the worker's CPU with n/a for a commit that has no worker", () => {
    const output: TCompareOutput = {
      machine: { cpuModel: "x", cores: 2, node: "v24", date: "d", isPinned: true, priority: -10 },
      setup: { isQuick: true, turnCycleMs: 8000, latencyPhase: { calls: 4, concurrency: 2, otherCpuPercent: 1 }, steps: [100], overloadCalls: 0, admissionEnv: {} },
      current: run("aaaa", { drain: { pendingAtStart: 53, pendingAtEnd: 0, drainedInS: 3, timeoutS: 120, worker } }),
      previous: run("bbbb", { drain: { pendingAtStart: 40, pendingAtEnd: 0, drainedInS: 6, timeoutS: 120, worker: null } }),
      durationS: 1,
    };
    const table = compareTable(output);
    expect(table).toMatch(/seconds to drain .*\s+3\s+6\s+0\.50/);
    expect(table).toMatch(/worker CPU per analysis \(ms\)\s+22\s+n\/a\s+n\/a/);
  });
});

describe("bench:voice --compare tree", () => {
  it("starts a worker only for a tree that has worker/main.ts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tree-"));
    try {
      expect(workerNodeArgs(dir)).toBeNull();
      expect(workerNodeArgs(process.cwd())).toEqual(["--import", "tsx", "worker/main.ts"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts a commit's server the way its npm run voice does, and refuses a script it cannot run as one process", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tree-"));
    try {
      const write = (voice: string) => fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ scripts: { voice } }));
      write("node --single-threaded-gc --import tsx voice-server/main.ts");
      expect(voiceNodeArgs(dir)).toEqual(["--single-threaded-gc", "--import", "tsx", "voice-server/main.ts"]);
      write("npm run build && node dist/voice.js");
      expect(() => voiceNodeArgs(dir)).toThrow(/not a plain `node \.\.\.` command/);
      expect(voiceNodeArgs(process.cwd())).toEqual(JSON.parse(fs.readFileSync("package.json", "utf8")).scripts.voice.split(" ").slice(1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
