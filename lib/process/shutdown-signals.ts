import type { TLogger } from "@/lib/observability/log";

// SIGTERM and SIGINT stop a long-running process once, in the order `stop` gives, then exit 0 (1 if it failed).
// A second signal while stopping exits at once.
export function onShutdownSignals(log: Pick<TLogger, "warn" | "error">, stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let isStopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (isStopping) {
      log.warn("second signal: exiting now", { signal });
      process.exit(1);
    }
    isStopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
