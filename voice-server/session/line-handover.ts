import type { TToolContext } from "@/voice-server/tools/types";

// Handing the line to someone else (a transfer): the carrier replaces the stream's TwiML with a <Dial>, then
// stops the stream. The carrier may stop the stream before its REST call even returns, so the session's close()
// waits (bounded) for a handover under way: the call is then recorded as transferred, not as a hang-up.

export type TRedirect = (twiml: string) => Promise<void>;

export class LineHandover {
  private isStreamStopped = false;
  private onStop: (() => void) | null = null;
  private pending: { promise: Promise<void>; settle: () => void } | null = null;

  constructor(private readonly waitMs: number) {}

  // The carrier stopped the stream (after a redirect, or the caller hung up).
  streamStopped(): void {
    this.isStreamStopped = true;
    this.onStop?.();
  }

  // Resolves once no handover is under way, or after the wait.
  async settled(): Promise<void> {
    const pending = this.pending?.promise;
    if (pending) await Promise.race([pending, new Promise((r) => setTimeout(r, this.waitMs))]);
  }

  private end(): void {
    this.pending?.settle();
    this.pending = null;
  }

  // What a transfer tool gets to move the line; `onError` records a refused redirect.
  controlFor(redirect: TRedirect, hooks: { onError(error: unknown, department: string): void; onTransferred(e164: string): void }): NonNullable<TToolContext["lineControl"]> {
    return {
      redirect: async (twiml, department) => {
        let settle!: () => void;
        const promise = new Promise<void>((resolve) => (settle = resolve));
        this.pending = { promise, settle };
        const isRedirected = await redirect(twiml).then(
          () => true,
          (error: unknown) => {
            hooks.onError(error, department);
            return false;
          },
        );
        if (!isRedirected) this.end();
        return isRedirected;
      },
      noteTransferred: (e164) => hooks.onTransferred(e164),
      untilStreamStops: () =>
        new Promise<void>((resolve) => {
          // The tool has recorded the transfer: close() need not wait any longer.
          this.end();
          if (this.isStreamStopped) return resolve();
          const timer = setTimeout(resolve, this.waitMs);
          this.onStop = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
    };
  }
}
