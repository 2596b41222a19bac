import { observabilityConfigFromEnv } from "@/lib/config/observability-env";
import { EnvError } from "@/lib/config/parse-env";
import { env } from "@/lib/env";
import { log } from "./log";
import { startObservability } from "./start";

// The web process's start (instrumentation.ts). A bad configuration is reported by the code that reads env(); here
// it only means logging keeps its defaults, so `next build` (which may load this without production secrets) works.
export async function startWebObservability(): Promise<void> {
  try {
    await startObservability("web", observabilityConfigFromEnv(env(), "web"));
  } catch (error) {
    if (error instanceof EnvError) log.warn("observability left at defaults: invalid configuration", { problems: error.problems });
    else throw error;
  }
}
