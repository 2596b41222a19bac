import type { TSttEvent, TSttProvider, TSttStream } from "@/voice-server/providers/types";

// A fake of the STT stage: each finalize() yields the next scripted transcript, as if the engine had heard it.
// Audio is accepted and counted, not recognized. `fail` makes open() or the stream fail, for fallback tests.
export function createScriptedStt(
  script: string[] | (() => string),
  options: { name?: string; failAfterFinals?: number; latencyMs?: number } = {},
): TSttProvider & { pushedFrames: number; finalizes: number } {
  const next = typeof script === "function" ? script : () => script.shift() ?? "";
  const provider = {
    name: options.name ?? "scripted-stt",
    pushedFrames: 0,
    finalizes: 0,
    async open(): Promise<TSttStream> {
      const queue: TSttEvent[] = [];
      let wake: (() => void) | null = null;
      let isClosed = false;
      const emit = (event: TSttEvent) => {
        queue.push(event);
        wake?.();
      };
      async function* events(): AsyncGenerator<TSttEvent> {
        for (;;) {
          const event = queue.shift();
          if (event) {
            yield event;
            continue;
          }
          if (isClosed) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      }
      return {
        push() {
          provider.pushedFrames++;
        },
        finalize() {
          provider.finalizes++;
          if (options.failAfterFinals !== undefined && provider.finalizes > options.failAfterFinals) {
            emit({ type: "error", error: new Error("scripted STT failure"), isFatal: true });
            return;
          }
          const text = next();
          const deliver = () => emit({ type: "final", text, isFromFinalize: true });
          if (options.latencyMs) setTimeout(deliver, options.latencyMs);
          else deliver();
        },
        events: events(),
        async close() {
          isClosed = true;
          wake?.();
        },
      };
    },
  };
  return provider;
}
