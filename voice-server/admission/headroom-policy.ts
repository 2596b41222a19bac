// Admission control: whether this process has the headroom for one more call. Pure (fed samples and times), so
// tests can drive it with synthetic load; headroom-monitor.ts feeds it the process's own figures.
//
// A voice server must never let a new call degrade the ones it holds. Two signals say it is close:
// - event-loop delay: how late a 10 ms timer fires. Every late outbound frame starts as a stalled loop. The p99 over
//   a few seconds ignores one GC pause but not a loop that is busy most of the time;
// - CPU: what one call costs, times the calls held plus the new one, against the limit.
// Plus an optional hard cap on calls, for operators who size instances from `npm run bench:voice`.
// Calls admitted at the webhook whose stream has not opened yet count as calls: a burst of webhooks arrives
// before any of its streams does.
//
// Under a burst (bench:voice's overload step: 500 calls offered in 8 s), in three sentences:
// - A call's CPU cost is learned only from settled samples (a quarter second in which few calls arrived for the
//   calls held), so the burst's own work (webhooks, refusals, streams opening) does not make each call look
//   costlier: measured over the whole window it did, and the process refused at 118 calls with half its core idle.
// - A new call is admitted while that cost times (calls + 1) stays under the CPU limit and the loop delay under its
//   limit; the loop delay is what tells a burst that really is too much for the calls held.
// - Until a cost has been measured (a process just started), a call counts as DEFAULT_CALL_CPU, and the CPU as
//   measured counts too: a burst's calls are silent while they connect, so what a cold process sees of them then
//   says nothing of what they will cost once they talk (without it, one admitted 347 of 500 and fell behind).

export type TAdmissionLimits = {
  // p99 of the event-loop delay over the window, beyond the sampling interval (ms); null: not checked.
  maxLoopDelayMs: number | null;
  // Process CPU over the window, in cores (0.8 = 80% of one core), projected to one more call; null: not checked.
  maxCpu: number | null;
  // Calls (live streams plus admitted ones still connecting); null: no cap.
  maxCalls: number | null;
  windowMs: number;
};

// pace: the admission gate's (too many setups in flight for too long), not the policy's.
export type TRefusalReason = "max_calls" | "loop_delay" | "cpu" | "pace";

export type THeadroom = {
  calls: number;
  loopDelayP99Ms: number | null;
  // Process CPU over the window, in cores, as measured (arrivals' work included).
  cpu: number | null;
  // What the calls held plus the new one will cost: callCpu x (calls + 1) (before a call's cost is measured, at
  // least the CPU as measured).
  cpuProjected: number | null;
  // One call's CPU (cores) from settled samples, or DEFAULT_CALL_CPU before any.
  callCpu: number;
  isCallCpuMeasured: boolean;
  // The smallest margin left, as a fraction of its limit (1: idle, 0: at the limit, below 0: over it); null: no limit set.
  ratio: number | null;
  // How much of the loop-delay or CPU limit is in use, the larger share (the cap left out); null: neither limit, or no figure yet.
  busyShare: number | null;
};

export type TAdmissionDecision = { isAdmitted: true; headroom: THeadroom } | { isAdmitted: false; reason: TRefusalReason; headroom: THeadroom };

// Calls admitted at the webhook count until their stream opens, or for this long (a caller who hung up first).
export const PENDING_ADMISSION_MS = 10_000;

// A call's cost is measured from samples with at least this many calls: with fewer, the process's own work
// (timers, GC, post-call work) is most of the share and would not scale.
const MIN_CALLS_TO_PROJECT = 10;
// A CPU sample is settled when the calls that arrived (admitted or refused) in the SETTLE_MS before it are at most
// this share of the calls held (plus one): a steady trickle of new calls is part of the calls' cost; a burst is not.
const SETTLED_ARRIVAL_SHARE = 0.05;
const SETTLE_MS = 1_000;
// The loop's p99 is over at least this many samples (1 s of 10 ms ones): a process that was paused (a VM
// suspended, SIGSTOP) comes back with one sample as long as the pause and few others in its window, and that one
// sample refused every call for seconds (bench:voice, which pauses the server not being measured: 50 of 50 refused
// with a 10 s limit). One stall among 100 samples is not the p99 either, so this only keeps a handful from being read
// as a trend.
const MIN_LOOP_SAMPLES = 100;

// A call's CPU (cores) before one has been measured: bench:voice's calls in conversation on its machine (an AMD
// EPYC core: 250 calls at 69%, 0.0028 each), rounded up. With VOICE_ADMISSION_MAX_CPU=0.75, 250 calls.
export const DEFAULT_CALL_CPU = 0.003;

// A ring of (time, value, weight) samples kept for `windowMs`. A weight stands for that many samples of the value
// (a slice of a histogram); plain samples weigh 1.
class SampleWindow {
  private times: Float64Array;
  private values: Float64Array;
  private weights: Float64Array;
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.weights = new Float64Array(capacity);
  }

  push(atMs: number, value: number, weight = 1): void {
    if (this.size === this.times.length) this.grow();
    const i = (this.start + this.size) % this.times.length;
    this.times[i] = atMs;
    this.values[i] = value;
    this.weights[i] = weight;
    this.size++;
  }

  dropBefore(atMs: number): void {
    while (this.size > 0 && this.times[this.start]! < atMs) {
      this.start = (this.start + 1) % this.times.length;
      this.size--;
    }
  }

  get length(): number {
    return this.size;
  }

  at(i: number): { atMs: number; value: number } {
    const j = (this.start + i) % this.times.length;
    return { atMs: this.times[j]!, value: this.values[j]! };
  }

  toArray(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.values[(this.start + i) % this.times.length]!;
    return out;
  }

  // The value below which `fraction` of the samples' weight lies (for weights of 1: the sorted samples' element
  // ceil(n * fraction) - 1, as a plain percentile).
  // With fewer than `minTotal` samples' weight, as over minTotal samples whose missing ones were all below these:
  // the worst sample is never the p99 of a handful (null when nothing is left to report).
  weightedPercentile(fraction: number, minTotal = 0): number | null {
    const order = Array.from({ length: this.size }, (_, i) => (this.start + i) % this.times.length);
    order.sort((a, b) => this.values[a]! - this.values[b]!);
    let total = 0;
    for (const j of order) total += this.weights[j]!;
    const counted = Math.max(total, minTotal);
    const target = Math.ceil(counted * fraction - 1e-9) - (counted - total);
    if (target <= 1e-9) return null;
    let seen = 0;
    for (const j of order) {
      seen += this.weights[j]!;
      if (seen >= target - 1e-9) return this.values[j]!;
    }
    return this.values[order[order.length - 1]!]!;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const values = new Float64Array(this.values.length * 2);
    const weights = new Float64Array(this.weights.length * 2);
    for (let i = 0; i < this.size; i++) {
      const j = (this.start + i) % this.times.length;
      times[i] = this.times[j]!;
      values[i] = this.values[j]!;
      weights[i] = this.weights[j]!;
    }
    this.times = times;
    this.values = values;
    this.weights = weights;
    this.start = 0;
  }
}

export class HeadroomPolicy {
  private readonly loopDelays = new SampleWindow(1024);
  // Cumulative process CPU (ms) and the calls at that moment.
  private readonly cpuTotals = new SampleWindow(64);
  // Settled samples: the CPU (ms) of the interval before each, and its call-milliseconds (calls x interval).
  private readonly settledCpuMs = new SampleWindow(64);
  private readonly settledCallMs = new SampleWindow(64);
  private lastCpu: { atMs: number; cpuTotalMs: number } | null = null;
  // The last call cost measured, kept past the window: a burst can outlast it with no settled sample in it.
  private lastCallCpu: number | null = null;
  private readonly pendingAdmissions: number[] = [];
  // When calls arrived (admitted or refused), for SETTLE_MS.
  private readonly arrivals: number[] = [];

  constructor(readonly limits: TAdmissionLimits) {
    if (!(limits.windowMs > 0)) throw new Error("the admission window must be positive");
  }

  get isEnabled(): boolean {
    return this.limits.maxLoopDelayMs !== null || this.limits.maxCpu !== null || this.limits.maxCalls !== null;
  }

  // One event-loop delay sample: how late the sampling timer fired (ms beyond its interval).
  recordLoopDelay(atMs: number, delayMs: number): void {
    this.loopDelays.push(atMs, Math.max(0, delayMs));
    this.loopDelays.dropBefore(atMs - this.limits.windowMs);
  }

  // Many samples at once, as a distribution: `count` samples late by `delayMs` each (a slice of a histogram).
  recordLoopDelays(atMs: number, samples: readonly { delayMs: number; count: number }[]): void {
    for (const { delayMs, count } of samples) if (count > 0) this.loopDelays.push(atMs, Math.max(0, delayMs), count);
    this.loopDelays.dropBefore(atMs - this.limits.windowMs);
  }

  // The process's CPU time so far (ms, user + system) and its live calls at that moment. Calls admitted and still
  // connecting count with them.
  recordCpu(atMs: number, cpuTotalMs: number, liveCalls: number): void {
    this.prune(atMs);
    const calls = liveCalls + this.pendingAdmissions.length;
    const last = this.lastCpu;
    this.lastCpu = { atMs, cpuTotalMs };
    this.cpuTotals.push(atMs, cpuTotalMs);
    // One sample older than the window stays, so the window's CPU share spans all of it.
    while (this.cpuTotals.length > 2 && this.cpuTotals.at(1).atMs <= atMs - this.limits.windowMs) this.cpuTotals.dropBefore(this.cpuTotals.at(1).atMs);
    this.settledCpuMs.dropBefore(atMs - this.limits.windowMs);
    this.settledCallMs.dropBefore(atMs - this.limits.windowMs);
    if (!last || atMs <= last.atMs || calls < MIN_CALLS_TO_PROJECT) return;
    if (this.arrivals.length > SETTLED_ARRIVAL_SHARE * calls + 1) return;
    this.settledCpuMs.push(atMs, Math.max(0, cpuTotalMs - last.cpuTotalMs));
    this.settledCallMs.push(atMs, calls * (atMs - last.atMs));
    this.lastCallCpu = sum(this.settledCpuMs.toArray()) / sum(this.settledCallMs.toArray());
  }

  // A call was admitted at the webhook; it counts until its stream opens (streamOpened) or PENDING_ADMISSION_MS.
  admitted(atMs: number): void {
    this.pendingAdmissions.push(atMs);
    this.arrivals.push(atMs);
  }

  // A call was refused: its webhook's work is part of a burst, not of the calls held.
  refused(atMs: number): void {
    this.arrivals.push(atMs);
  }

  streamOpened(): void {
    this.pendingAdmissions.shift();
  }

  // An admission that will not lead to a stream after all (the team's lines were busy, the number unknown...).
  released(): void {
    this.pendingAdmissions.pop();
  }

  // Calls admitted at the webhook whose stream has not opened yet (their setup is in flight).
  setupsInFlight(atMs: number): number {
    this.prune(atMs);
    return this.pendingAdmissions.length;
  }

  private prune(atMs: number): void {
    while (this.pendingAdmissions.length > 0 && this.pendingAdmissions[0]! < atMs - PENDING_ADMISSION_MS) this.pendingAdmissions.shift();
    while (this.arrivals.length > 0 && this.arrivals[0]! < atMs - SETTLE_MS) this.arrivals.shift();
  }

  headroom(atMs: number, liveCalls: number): THeadroom {
    this.prune(atMs);
    const calls = liveCalls + this.pendingAdmissions.length;
    this.loopDelays.dropBefore(atMs - this.limits.windowMs);
    const loopDelayP99Ms = this.loopDelays.length > 0 ? this.loopDelays.weightedPercentile(0.99, MIN_LOOP_SAMPLES) : null;
    let cpu: number | null = null;
    if (this.cpuTotals.length >= 2) {
      const first = this.cpuTotals.at(0);
      const last = this.cpuTotals.at(this.cpuTotals.length - 1);
      const wallMs = last.atMs - first.atMs;
      if (wallMs > 0) cpu = Math.max(0, (last.value - first.value) / wallMs);
    }
    const callCpu = this.lastCallCpu ?? DEFAULT_CALL_CPU;
    const cpuProjected = this.lastCallCpu !== null ? callCpu * (calls + 1) : Math.max(callCpu * (calls + 1), cpu ?? 0);
    const { maxLoopDelayMs, maxCpu, maxCalls } = this.limits;
    const shares: number[] = [];
    if (maxLoopDelayMs !== null && loopDelayP99Ms !== null) shares.push(loopDelayP99Ms / maxLoopDelayMs);
    if (maxCpu !== null && cpuProjected !== null) shares.push(cpuProjected / maxCpu);
    const margins = shares.map((share) => 1 - share);
    if (maxCalls !== null) margins.push(1 - calls / maxCalls);
    const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));
    return {
      calls,
      loopDelayP99Ms: round(loopDelayP99Ms, 1),
      cpu: round(cpu, 3),
      cpuProjected: round(cpuProjected, 3),
      callCpu: round(callCpu, 5)!,
      isCallCpuMeasured: this.lastCallCpu !== null,
      ratio: margins.length > 0 ? round(Math.min(...margins), 3) : null,
      busyShare: shares.length > 0 ? round(Math.max(...shares), 3) : null,
    };
  }

  // Whether a new call may come in now. Existing calls are never affected by the answer.
  decide(atMs: number, liveCalls: number): TAdmissionDecision {
    const headroom = this.headroom(atMs, liveCalls);
    const { maxLoopDelayMs, maxCpu, maxCalls } = this.limits;
    if (maxCalls !== null && headroom.calls >= maxCalls) return { isAdmitted: false, reason: "max_calls", headroom };
    if (maxLoopDelayMs !== null && headroom.loopDelayP99Ms !== null && headroom.loopDelayP99Ms > maxLoopDelayMs) {
      return { isAdmitted: false, reason: "loop_delay", headroom };
    }
    if (maxCpu !== null && headroom.cpuProjected !== null && headroom.cpuProjected > maxCpu) return { isAdmitted: false, reason: "cpu", headroom };
    return { isAdmitted: true, headroom };
  }
}

function sum(values: number[]): number {
  return values.reduce((total, v) => total + v, 0);
}
