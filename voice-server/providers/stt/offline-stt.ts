import type { TLogger } from "@/voice-server/observability/log";
import type { TSttOptions, TSttProvider, TSttStream } from "@/voice-server/providers/types";
import { createMoonshineStt, defaultMoonshineModelDir, missingMoonshineFiles } from "./moonshine";
import { createPocketsphinxStt } from "./pocketsphinx";

export const OFFLINE_STT_ENGINES = ["moonshine", "pocketsphinx"] as const;
export type TOfflineSttEngine = (typeof OFFLINE_STT_ENGINES)[number];

export type TOfflineSttOptions = {
  engine?: TOfflineSttEngine;
  // Where the Moonshine model files are; unset, where npm run stt:moonshine-model puts them.
  modelDir?: string;
  log?: Pick<TLogger, "warn">;
};

// The speech-to-text a call gets with no cloud key, and every call's fallback: pocketsphinx by default (it measures
// better on phone audio than Moonshine tiny: bench/results/quality-stt.md), Moonshine when asked for and its
// model is on this machine. A missing or unloadable model is said once in the log and the calls go on with
// pocketsphinx, so a machine without the model still answers its calls.
export function createOfflineStt(options: TOfflineSttOptions = {}): TSttProvider {
  const pocketsphinx = createPocketsphinxStt();
  if ((options.engine ?? "pocketsphinx") === "pocketsphinx") return pocketsphinx;
  const warn = (message: string) => options.log?.warn(message);
  let modelDir: string;
  try {
    modelDir = options.modelDir ?? defaultMoonshineModelDir();
  } catch (error) {
    warn(`offline speech-to-text: pocketsphinx, because onnxruntime-node is not installed (${(error as Error).message}); run npm ci`);
    return pocketsphinx;
  }
  const missing = missingMoonshineFiles(modelDir);
  if (missing) {
    warn(
      `offline speech-to-text: pocketsphinx, because the Moonshine model is not in ${modelDir} (missing ${missing}); ` +
        "npm run stt:moonshine-model fetches it, or set MOONSHINE_MODEL_DIR",
    );
    return pocketsphinx;
  }
  const moonshine = createMoonshineStt({ modelDir });
  let isBroken = false;
  return {
    name: moonshine.name,
    async open(open: TSttOptions): Promise<TSttStream> {
      if (!isBroken) {
        try {
          await moonshine.ready();
          return await moonshine.open(open);
        } catch (error) {
          // Only a model that cannot load sends the process to pocketsphinx; anything else is this call's error.
          const isLoadFailure = await moonshine.ready().then(
            () => false,
            () => true,
          );
          if (!isLoadFailure) throw error;
          if (!isBroken) warn(`offline speech-to-text: pocketsphinx from now on, because Moonshine could not load: ${(error as Error).message}`);
          isBroken = true;
        }
      }
      return pocketsphinx.open(open);
    },
  };
}
