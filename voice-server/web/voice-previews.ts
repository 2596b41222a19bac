import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { mulawToWav } from "@/lib/audio/wav";
import { DEFAULT_VOICE } from "@/lib/agents/options";
import { voiceServiceKey, verifyVoiceServiceToken } from "@/lib/agents/voice-service-token";
import type { TLogger } from "@/voice-server/observability/log";
import { ProviderError, type TTtsProvider } from "@/voice-server/providers/types";

// GET /voices and POST /voices/preview - the voice picker of the agent builder, served by the process that speaks
// on calls, with the same TTS engine, so the sample sounds like a call. Only the web app calls these, with a
// signed one-minute token (lib/agents/voice-service-token.ts) for the team it has checked.

export const VOICES_PATH = "/voices";
export const VOICE_PREVIEW_PATH = "/voices/preview";
export const PREVIEW_MAX_CHARS = 300;
export const DEFAULT_PREVIEW_TEXT = "Hi, thanks for calling. This is how I will sound on the phone.";
const PREVIEW_TIMEOUT_MS = 20_000;
const MAX_BODY_BYTES = 4_096;

const ZPreview = z.object({
  voice: z.string().trim().min(1, "Pick a voice").max(80),
  language: z.string().trim().min(2).max(10).default("en-US"),
  text: z.string().max(PREVIEW_MAX_CHARS, `Keep the sample under ${PREVIEW_MAX_CHARS} characters`).optional(),
});

export type TVoicePreviewContext = { tts: TTtsProvider; secretKey: Buffer | undefined; log: TLogger };

class PreviewError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function providerMessage(error: unknown, what: string, log: TLogger): PreviewError {
  if (error instanceof ProviderError) {
    const why = {
      auth: "the voice provider rejected our credentials",
      rate_limited: "the voice provider is busy",
      timeout: "the voice provider did not answer in time",
      unavailable: "the voice provider is unavailable",
      bad_response: "the voice provider sent something unexpected",
    }[error.kind];
    log.error(what, { error });
    return new PreviewError(502, `${what}: ${why}. Try again in a moment.`);
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new PreviewError(502, `${what}: the voice provider did not answer in time.`);
  }
  throw error;
}

export async function listVoices(tts: TTtsProvider, log: TLogger) {
  try {
    const voices = await tts.voices();
    return { provider: tts.name, voices: [{ id: DEFAULT_VOICE, name: "Default for the language", language: "" }, ...voices] };
  } catch (error) {
    throw providerMessage(error, "Could not load the list of voices", log);
  }
}

// A short sample as a WAV file (16-bit PCM at 8 kHz: exactly the phone's bandwidth, playable by any browser).
export async function previewWav(tts: TTtsProvider, input: z.input<typeof ZPreview>, log: TLogger): Promise<Buffer> {
  const parsed = ZPreview.safeParse(input);
  if (!parsed.success) throw new PreviewError(400, parsed.error.issues[0]?.message ?? "Send { voice, language, text }.");
  const { voice, language } = parsed.data;
  const text = (parsed.data.text?.trim() || DEFAULT_PREVIEW_TEXT).slice(0, PREVIEW_MAX_CHARS);
  const signal = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of tts.synthesize(text, { voice, language, signal })) chunks.push(chunk);
  } catch (error) {
    throw providerMessage(error, "Could not make the voice sample", log);
  }
  if (signal.aborted) throw new PreviewError(502, "The voice sample took too long. Try again.");
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (total === 0) throw new PreviewError(502, "The voice engine returned no audio. Try a different voice.");
  return mulawToWav(Buffer.concat(chunks));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PreviewError(413, "Request too large.");
    parts.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString("utf8") || "{}");
  } catch {
    throw new PreviewError(400, "Send a JSON body.");
  }
}

// Handles GET /voices and POST /voices/preview; false for any other request.
export function handleVoicesRequest(ctx: TVoicePreviewContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const route = `${req.method} ${path}`;
  if (route !== `GET ${VOICES_PATH}` && route !== `POST ${VOICE_PREVIEW_PATH}`) return false;
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
  };
  void (async () => {
    if (!ctx.secretKey) throw new PreviewError(503, "Set AUTH_SECRET (or ENCRYPTION_KEY) for the web app and the voice server to preview voices.");
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!verifyVoiceServiceToken(token, voiceServiceKey(ctx.secretKey))) throw new PreviewError(401, "Unauthorized");
    if (route === `GET ${VOICES_PATH}`) return json(200, await listVoices(ctx.tts, ctx.log));
    const wav = await previewWav(ctx.tts, (await readJson(req)) as z.input<typeof ZPreview>, ctx.log);
    res.writeHead(200, { "content-type": "audio/wav", "content-length": String(wav.length), "cache-control": "no-store" }).end(wav);
  })().catch((error: unknown) => {
    if (res.headersSent) return res.destroy();
    if (error instanceof PreviewError) return json(error.status, { error: error.message });
    ctx.log.error("voice preview failed", { error });
    json(500, { error: "Internal error" });
  });
  return true;
}
