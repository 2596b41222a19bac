import type { TSttEvent, TSttProvider, TSttStream } from "@/voice-server/providers/types";

// A scripted turn where the engine heard speech but no usable words (what the offline engine says then).
export const UNRECOGNIZED = { isUnrecognized: true } as const;
// A scripted turn the engine took for noise: an empty final without the flag.
export const NOISE = { isNoise: true } as const;
export type TScriptedTurn = string | typeof UNRECOGNIZED | typeof NOISE;

// A fake of the STT stage: each finalize() yields the next scripted transcript, as if the engine had heard it.
// Audio is accepted and counted, not recognized. `fail` makes open() or the stream fail, for fallback tests.
// Names itself "scripted-stt" unless told; named as the offline engine, its empty finals follow that engine's
// contract (flagged UNRECOGNIZED, or NOISE).
export function createScriptedStt(
  script: TScriptedTurn[] | (() => TScriptedTurn),
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
          const turn = next();
          const deliver = () =>
            emit(
              typeof turn === "string"
                ? { type: "final", text: turn, isFromFinalize: true }
                : "isUnrecognized" in turn
                  ? { type: "final", text: "", isFromFinalize: true, isUnrecognized: true }
                  : { type: "final", text: "", isFromFinalize: true },
            );
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
