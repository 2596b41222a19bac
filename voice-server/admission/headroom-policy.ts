// Admission control: whether this process has the headroom for one more call. Pure (fed samples and times), so
// tests can drive it with synthetic load; headroom-monitor.ts feeds it the process's own figures.
//
// A voice server must never let a new call degrade the ones it holds. Two signals say it is close:
// - event-loop delay: how late a 10 ms timer fires. Every late outbound frame starts as a stalled loop. The p99 over
//   a few seconds ignores one GC pause but not a loop that is busy most of the time;
// - CPU: the process's share of a core over the same window, projected to one more call (a server at 70% with
//   100 calls is at about 71% with 101), so a burst of arrivals does not all pass before the window catches up.
// Plus an optional hard cap on calls, for operators who size instances from `npm run bench:voice`.
// Calls admitted at the webhook whose stream has not opened yet count as calls: a burst of webhooks arrives
// before any of its streams does.

export type TAdmissionLimits = {
  // p99 of the event-loop delay over the window, beyond the sampling interval (ms); null: not checked.
  maxLoopDelayMs: number | null;
  // Process CPU over the window, in cores (0.8 = 80% of one core), projected to one more call; null: not checked.
  maxCpu: number | null;
  // Calls (live streams plus admitted ones still connecting); null: no cap.
  maxCalls: number | null;
  windowMs: number;
};

export type TRefusalReason = "max_calls" | "loop_delay" | "cpu";

export type THeadroom = {
  calls: number;
  loopDelayP99Ms: number | null;
  cpu: number | null;
  // cpu projected to one more call
  cpuProjected: number | null;
  // The smallest margin left, as a fraction of its limit (1: idle, 0: at the limit, below 0: over it); null: no limit set.
  ratio: number | null;
};

export type TAdmissionDecision = { isAdmitted: true; headroom: THeadroom } | { isAdmitted: false; reason: TRefusalReason; headroom: THeadroom };

// Calls admitted at the webhook count until their stream opens, or for this long (a caller who hung up first).
export const PENDING_ADMISSION_MS = 10_000;

const MIN_CALLS_TO_PROJECT = 10;

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
  weightedPercentile(fraction: number): number {
    const order = Array.from({ length: this.size }, (_, i) => (this.start + i) % this.times.length);
    order.sort((a, b) => this.values[a]! - this.values[b]!);
    let total = 0;
    for (const j of order) total += this.weights[j]!;
    const target = Math.ceil(total * fraction - 1e-9);
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
  private readonly callCounts = new SampleWindow(64);
  private readonly pendingAdmissions: number[] = [];

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
  // connecting count with them: their setup is part of the CPU the window saw. Counting only live calls made a
  // burst of arrivals look like a few calls using a lot each, and the projection then refused at a third of the
  // cap (bench:voice: 61 of 200 admitted with the process at 28% of its core).
  recordCpu(atMs: number, cpuTotalMs: number, liveCalls: number): void {
    this.prunePending(atMs);
    this.cpuTotals.push(atMs, cpuTotalMs);
    this.callCounts.push(atMs, liveCalls + this.pendingAdmissions.length);
    // One sample older than the window stays, so the window's CPU share spans all of it.
    while (this.cpuTotals.length > 2 && this.cpuTotals.at(1).atMs <= atMs - this.limits.windowMs) {
      this.cpuTotals.dropBefore(this.cpuTotals.at(1).atMs);
      this.callCounts.dropBefore(this.callCounts.at(1).atMs);
    }
  }

  // A call was admitted at the webhook; it counts until its stream opens (streamOpened) or PENDING_ADMISSION_MS.
  admitted(atMs: number): void {
    this.pendingAdmissions.push(atMs);
  }

  streamOpened(): void {
    this.pendingAdmissions.shift();
  }

  // An admission that will not lead to a stream after all (the team's lines were busy, the number unknown...).
  released(): void {
    this.pendingAdmissions.pop();
  }

  private prunePending(atMs: number): void {
    while (this.pendingAdmissions.length > 0 && this.pendingAdmissions[0]! < atMs - PENDING_ADMISSION_MS) this.pendingAdmissions.shift();
  }

  headroom(atMs: number, liveCalls: number): THeadroom {
    this.prunePending(atMs);
    const calls = liveCalls + this.pendingAdmissions.length;
    this.loopDelays.dropBefore(atMs - this.limits.windowMs);
    const loopDelayP99Ms = this.loopDelays.length > 0 ? this.loopDelays.weightedPercentile(0.99) : null;
    let cpu: number | null = null;
    let cpuProjected: number | null = null;
    if (this.cpuTotals.length >= 2) {
      const first = this.cpuTotals.at(0);
      const last = this.cpuTotals.at(this.cpuTotals.length - 1);
      const wallMs = last.atMs - first.atMs;
      if (wallMs > 0) {
        cpu = Math.max(0, (last.value - first.value) / wallMs);
        // The load of the calls the window saw, scaled to the calls there are now plus the new one. With a few
        // calls the share is mostly the process's own work (timers, post-call analysis), which does not scale.
        const seen = mean(this.callCounts.toArray());
        cpuProjected = seen >= MIN_CALLS_TO_PROJECT ? (cpu * (calls + 1)) / seen : cpu;
      }
    }
    const margins: number[] = [];
    const { maxLoopDelayMs, maxCpu, maxCalls } = this.limits;
    if (maxCalls !== null) margins.push(1 - calls / maxCalls);
    if (maxLoopDelayMs !== null && loopDelayP99Ms !== null) margins.push(1 - loopDelayP99Ms / maxLoopDelayMs);
    if (maxCpu !== null && cpuProjected !== null) margins.push(1 - cpuProjected / maxCpu);
    const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));
    return {
      calls,
      loopDelayP99Ms: round(loopDelayP99Ms, 1),
      cpu: round(cpu, 3),
      cpuProjected: round(cpuProjected, 3),
      ratio: margins.length > 0 ? round(Math.min(...margins), 3) : null,
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

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}
