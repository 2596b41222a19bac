import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { THeadroomMonitor } from "./headroom-monitor";
import type { THeadroom, TRefusalReason } from "./headroom-policy";

// What the webhooks see of admission control: may a new call come in, and how to turn it away if not. Counts
// refusals by reason and logs the start of a refusing spell, a line every LOG_EVERY_MS while it lasts, and its end
// (one line per refused call would flood the log exactly when the process has no time to spare).
//
// Pacing: a burst's calls are set up a few at a time. While MAX_SETUPS_IN_FLIGHT admitted calls have not opened
// their stream yet, the next one's webhook waits (the caller hears it ring) until one of them does, for at most
// PACE_WAIT_MS, and is then checked as usual. A server keeping up opens a stream tens of milliseconds after its
// webhook, so the limit only binds when setups pile up: then each new call waits for one to settle instead of
// adding to the pile. When none settled within the wait, the call is refused ("pace") only if the process also uses
// more than PACE_REFUSE_ABOVE_SHARE of its loop-delay or CPU limit (THeadroom.busyShare): setups that stall while
// the loop is busy mean no time to spare, but stalled setups alone do not (a slow database, a ramp), and neither
// does a process with no such limit, or with limits it cannot reach (bench:voice's capacity steps). Those calls are
// checked as usual after their wait: refusing on the stall alone turned away 28 callers of an ordinary 300-call
// ramp, and 124 of a 400-call one.

const LOG_EVERY_MS = 10_000;
export const MAX_SETUPS_IN_FLIGHT = 24;
export const PACE_WAIT_MS = 2_000;
export const PACE_REFUSE_ABOVE_SHARE = 0.5;

export type TAdmissionGate = {
  refuseWith: "busy" | "unavailable";
  // null: admitted, and the call holds a place until its stream opens (streamOpened) or release() says it will
  // not come; otherwise why not. Taking the place at once keeps concurrent webhooks from all passing the same check.
  check(): TRefusalReason | null;
  // check(), paced: for a webhook, which can wait its turn behind the setups in flight.
  admit(): Promise<TRefusalReason | null>;
  streamOpened(): void;
  release(): void;
};

export function createAdmissionGate(
  monitor: THeadroomMonitor,
  options: {
    refuseWith: "busy" | "unavailable";
    metrics: TVoiceMetrics;
    log: TLogger;
    now?: () => number;
    maxSetupsInFlight?: number;
    paceWaitMs?: number;
  },
): TAdmissionGate {
  const now = options.now ?? Date.now;
  const maxSetups = options.maxSetupsInFlight ?? MAX_SETUPS_IN_FLIGHT;
  const paceWaitMs = options.paceWaitMs ?? PACE_WAIT_MS;
  let refusedInSpell = 0;
  let lastLogAt = 0;
  let lastReason: TRefusalReason | null = null;
  // Webhooks waiting for a setup to settle, first come first served.
  const waiting: (() => void)[] = [];

  const refuse = (reason: TRefusalReason, headroom: THeadroom): TRefusalReason => {
    monitor.refused();
    options.metrics.admissionRefused.inc({ reason });
    refusedInSpell++;
    const at = now();
    if (reason !== lastReason || at - lastLogAt >= LOG_EVERY_MS) {
      options.log.warn("admission control: refusing new calls", {
        reason,
        refusedSoFar: refusedInSpell,
        answer: options.refuseWith,
        ...headroom,
        setupsInFlight: monitor.setupsInFlight(),
        limits: { ...monitor.policy.limits, maxSetupsInFlight: maxSetups },
      });
      lastLogAt = at;
      lastReason = reason;
    }
    return reason;
  };

  const check = (): TRefusalReason | null => {
    const decision = monitor.decide();
    if (!decision.isAdmitted) return refuse(decision.reason, decision.headroom);
    if (refusedInSpell > 0) {
      options.log.info("admission control: taking new calls again", { refused: refusedInSpell, ...decision.headroom });
      refusedInSpell = 0;
      lastReason = null;
    }
    monitor.admitted();
    return null;
  };

  // Webhooks woken and about to check (their place is not taken yet).
  let woken = 0;
  // Setups settled (or will not happen): as many webhooks waiting go on as there are places now.
  const pump = () => {
    while (waiting.length > 0 && monitor.setupsInFlight() + woken < maxSetups) {
      woken++;
      waiting.shift()!();
    }
  };

  return {
    refuseWith: options.refuseWith,
    check,
    async admit() {
      if (waiting.length === 0 && monitor.setupsInFlight() + woken < maxSetups) return check();
      // A call the limits refuse now is refused now, not after a wait.
      const decision = monitor.decide();
      if (!decision.isAdmitted) return refuse(decision.reason, decision.headroom);
      const isTurn = await new Promise<boolean>((resolve) => {
        const go = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          const i = waiting.indexOf(go);
          if (i >= 0) waiting.splice(i, 1);
          resolve(false);
        }, paceWaitMs);
        waiting.push(go);
        pump();
      });
      if (!isTurn) {
        const headroom = monitor.headroom();
        return (headroom.busyShare ?? 0) > PACE_REFUSE_ABOVE_SHARE ? refuse("pace", headroom) : check();
      }
      woken--;
      const reason = check();
      // Refused after all (the cap, the loop): the next one waiting may still fit.
      if (reason) pump();
      return reason;
    },
    streamOpened: () => {
      monitor.streamOpened();
      pump();
    },
    release: () => {
      monitor.released();
      pump();
    },
  };
}
