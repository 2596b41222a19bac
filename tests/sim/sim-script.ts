import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

// What a simulated caller does, step by step: say a line (or play a WAV), pause, wait for the agent, talk over
// it, press keys, hang up. Scripts are JSON files (tests/sim/scripts/) or arrays of steps in code.

const ZWaitForAgent = z.union([
  z.literal(true),
  z
    .object({
      quietMs: z.number().int().min(50).max(60_000).optional(),
      timeoutMs: z.number().int().min(100).max(600_000).optional(),
    })
    .strict(),
]);

export const ZSimStep = z.union([
  // wordsPerMinute: this line's speaking rate (the caller's voice keeps its own otherwise).
  z.object({ say: z.string().trim().min(1, "say needs some text"), wordsPerMinute: z.number().int().min(80).max(450).optional() }).strict(),
  z.object({ wav: z.string().min(1) }).strict(),
  z.object({ pauseMs: z.number().int().min(0).max(600_000) }).strict(),
  z.object({ waitForAgent: ZWaitForAgent }).strict(),
  z.object({ interruptAfterMs: z.number().int().min(0).max(60_000) }).strict(),
  z.object({ dtmf: z.string().regex(/^[0-9*#A-Da-d]+$/, "dtmf takes digits 0-9, *, #, A-D") }).strict(),
  z.object({ hangup: z.literal(true) }).strict(),
]);
export type TSimStep = z.infer<typeof ZSimStep>;

export const ZSimScript = z.union([
  z.object({ name: z.string().optional(), description: z.string().optional(), steps: z.array(ZSimStep).min(1) }).strict(),
  z.array(ZSimStep).min(1).transform((steps) => ({ name: undefined, description: undefined, steps })),
]);
export type TSimScript = { name?: string; description?: string; steps: TSimStep[] };

export const DEMO_SCRIPT: TSimScript = {
  name: "demo",
  description: "Hear the greeting, ask for the opening hours, ask for a person, say goodbye.",
  steps: [
    { waitForAgent: true },
    { say: "Hi, what are your opening hours?" },
    { waitForAgent: true },
    { say: "Can I speak to a human please?" },
    { waitForAgent: true },
    { say: "Thanks, goodbye." },
    { waitForAgent: { quietMs: 800, timeoutMs: 6000 } },
    { hangup: true },
  ],
};

export function parseSimScript(input: unknown, source = "script"): TSimScript {
  const parsed = ZSimScript.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid simulator script (${source}):\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function loadSimScript(file: string): Promise<TSimScript> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`Cannot read script ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Script ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const script = parseSimScript(json, file);
  // WAV paths are relative to the script file.
  const dir = path.dirname(path.resolve(file));
  return {
    ...script,
    steps: script.steps.map((step) => ("wav" in step ? { wav: path.resolve(dir, step.wav) } : step)),
  };
}
