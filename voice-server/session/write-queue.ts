// Call-record writes leave the audio path through this queue: one per call, applied in order (a turn before the
// call is finalized), retried on transient database errors with backoff. `flush()` resolves once everything
// queued so far has been written or given up on.

export type TWriteQueueOptions = {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (name: string, attempt: number, error: unknown) => void;
  onGiveUp?: (name: string, error: unknown) => void;
};

const TRANSIENT_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "53300", // too_many_connections
  "55P03", // lock_not_available
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

export function isTransientDbError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (TRANSIENT_CODES.has(code) || code.startsWith("08"))) return true;
  }
  return false;
}

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: TWriteQueueOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
  }

  get size(): number {
    return this.pending;
  }

  push(name: string, write: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        await this.attempt(name, write);
      } finally {
        this.pending--;
      }
    });
  }

  flush(): Promise<void> {
    return this.tail;
  }

  private async attempt(name: string, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (!isTransientDbError(error) || attempt >= this.maxAttempts) {
          this.options.onGiveUp?.(name, error);
          return;
        }
        this.options.onRetry?.(name, attempt, error);
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
      }
    }
  }
}
