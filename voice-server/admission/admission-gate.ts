import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { THeadroomMonitor } from "./headroom-monitor";
import type { TRefusalReason } from "./headroom-policy";

// What the webhooks see of admission control: may a new call come in, and how to turn it away if not. Counts
// refusals by reason and logs the start of a refusing spell, a line every LOG_EVERY_MS while it lasts, and its end
// (one line per refused call would flood the log exactly when the process has no time to spare).

const LOG_EVERY_MS = 10_000;

export type TAdmissionGate = {
  refuseWith: "busy" | "unavailable";
  // null: admitted, and the call holds a place until its stream opens (streamOpened) or release() says it will
  // not come; otherwise why not. Taking the place at once keeps concurrent webhooks from all passing the same check.
  check(): TRefusalReason | null;
  streamOpened(): void;
  release(): void;
};

export function createAdmissionGate(
  monitor: THeadroomMonitor,
  options: { refuseWith: "busy" | "unavailable"; metrics: TVoiceMetrics; log: TLogger; now?: () => number },
): TAdmissionGate {
  const now = options.now ?? Date.now;
  let refusedInSpell = 0;
  let lastLogAt = 0;
  let lastReason: TRefusalReason | null = null;
  return {
    refuseWith: options.refuseWith,
    check() {
      const decision = monitor.decide();
      if (decision.isAdmitted) {
        if (refusedInSpell > 0) {
          options.log.info("admission control: taking new calls again", { refused: refusedInSpell, ...decision.headroom });
          refusedInSpell = 0;
          lastReason = null;
        }
        monitor.admitted();
        return null;
      }
      monitor.refused();
      options.metrics.admissionRefused.inc({ reason: decision.reason });
      refusedInSpell++;
      const at = now();
      if (decision.reason !== lastReason || at - lastLogAt >= LOG_EVERY_MS) {
        options.log.warn("admission control: refusing new calls", {
          reason: decision.reason,
          refusedSoFar: refusedInSpell,
          answer: options.refuseWith,
          ...decision.headroom,
          limits: monitor.policy.limits,
        });
        lastLogAt = at;
        lastReason = decision.reason;
      }
      return decision.reason;
    },
    streamOpened: () => monitor.streamOpened(),
    release: () => monitor.released(),
  };
}
