// Small pieces every provider needs: the AbortError a stopped stream throws, a sleep that ends early on abort,
// exponential backoff with jitter, and a queue that turns pushed events into an async iterator.

export function abortError(): DOMException {
  return new DOMException("The operation was aborted.", "AbortError");
}

// Resolves after `ms`, or as soon as `signal` aborts (never rejects: the caller checks the signal).
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

// baseMs * 2^attempt, capped at maxMs, then spread by ±jitter (0.25: 75% to 125%) so retries do not line up.
export function backoffMs(input: { baseMs: number; attempt: number; maxMs?: number; jitter: number }, random = Math.random): number {
  const ms = Math.min(input.maxMs ?? Infinity, input.baseMs * 2 ** input.attempt);
  return Math.round(ms * (1 - input.jitter + random() * 2 * input.jitter));
}

// Events pushed by a callback-driven client (a WebSocket, a decoder) read as an async iterable. After end(),
// what was queued is still read, then iteration stops; a reader that stops early drops the rest.
export class EventQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiters: ((result: IteratorResult<T>) => void)[] = [];
  private isEnded = false;

  push(item: T): void {
    if (this.isEnded) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  end(): void {
    this.isEnded = true;
    for (const waiter of this.waiters) waiter({ value: undefined, done: true });
    this.waiters = [];
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.isEnded) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      return: () => {
        this.items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
