export type TTickable = { tick(now: number): void };

// One timer for every simulated call in the process. Frames are due on each call's own 20 ms grid computed
// from the monotonic clock, so a late tick sends the overdue frames at once instead of drifting.
export class SimScheduler {
  readonly tickMs: number;
  private readonly members = new Set<TTickable>();
  private timer: NodeJS.Timeout | null = null;
  private lastTickAt = 0;
  private lastTickLagMs = 0;
  // Tick lag (how much later than tickMs a tick ran), 1 ms buckets: tells whether the simulator kept up.
  private readonly lagHistogram = new Uint32Array(1001);
  maxTickLagMs = 0;

  constructor(options: { tickMs?: number } = {}) {
    this.tickMs = options.tickMs ?? 4;
  }

  now(): number {
    return performance.now();
  }

  add(member: TTickable): void {
    this.members.add(member);
    if (!this.timer) {
      this.lastTickAt = this.now();
      this.timer = setInterval(() => this.tick(), this.tickMs);
    }
  }

  remove(member: TTickable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.members.size;
  }

  tickLag(): { p50: number; p99: number; max: number; ticks: number } {
    let total = 0;
    for (const count of this.lagHistogram) total += count;
    const at = (p: number) => {
      const target = Math.ceil((p / 100) * total);
      let seen = 0;
      for (let i = 0; i < this.lagHistogram.length; i++) {
        seen += this.lagHistogram[i]!;
        if (seen >= target && total > 0) return i;
      }
      return 0;
    };
    return { p50: at(50), p99: at(99), max: Math.round(this.maxTickLagMs), ticks: total };
  }

  // How long this process was just unable to run its timers: a stall here delays every message it reads, and
  // would look like the server being late.
  recentStallMs(now: number): number {
    const overdue = now - this.lastTickAt - this.tickMs;
    return Math.max(overdue, now - this.lastTickAt <= 2 * this.tickMs ? this.lastTickLagMs : 0);
  }

  resetTickLag(): void {
    this.lagHistogram.fill(0);
    this.maxTickLagMs = 0;
  }

  private tick(): void {
    const now = this.now();
    const lag = Math.max(0, now - this.lastTickAt - this.tickMs);
    this.lastTickAt = now;
    this.lastTickLagMs = lag;
    this.lagHistogram[Math.min(1000, Math.round(lag))]!++;
    if (lag > this.maxTickLagMs) this.maxTickLagMs = lag;
    for (const member of this.members) member.tick(now);
  }
}
