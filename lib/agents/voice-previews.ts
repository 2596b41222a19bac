import { z } from "zod";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { signVoiceServiceToken, voiceServiceKey } from "./voice-service-token";

// The voice picker's list and samples come from the voice server (GET /voices, POST /voices/preview), which
// speaks with the TTS engine calls use: the web app holds no TTS code. Requests carry a one-minute token for the
// team the route already checked.

export const PREVIEW_MAX_CHARS = 300;
const REQUEST_TIMEOUT_MS = 25_000;

const ZVoiceList = z.object({
  provider: z.string(),
  voices: z.array(z.object({ id: z.string(), name: z.string(), language: z.string(), gender: z.string().optional() })),
});
export type TVoiceList = z.infer<typeof ZVoiceList>;

export type TVoiceServiceTarget = { baseUrl: string; secretKey: Buffer };

function defaultTarget(): TVoiceServiceTarget {
  const e = env();
  if (!e.AUTH_SECRET && !e.ENCRYPTION_KEY) {
    throw new AppError("conflict", "Set AUTH_SECRET for the web app and the voice server to preview voices.");
  }
  return {
    baseUrl: (e.VOICE_INTERNAL_URL ?? e.VOICE_PUBLIC_URL).replace(/\/+$/, ""),
    secretKey: secretKeyFrom({ encryptionKey: e.ENCRYPTION_KEY, authSecret: e.AUTH_SECRET }),
  };
}

async function callVoiceServer(teamId: string, path: string, init: RequestInit, target: TVoiceServiceTarget): Promise<Response> {
  const token = signVoiceServiceToken(teamId, voiceServiceKey(target.secretKey));
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl}${path}`, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new AppError("upstream", "The voice server could not be reached. Try again in a moment.");
  }
  if (response.ok) return response;
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  const message = typeof body?.error === "string" ? body.error : "The voice server could not answer. Try again in a moment.";
  if (response.status === 400) throw new AppError("bad_request", message);
  throw new AppError("upstream", response.status === 401 ? "The voice server refused the request: check that both processes share AUTH_SECRET." : message);
}

export async function listVoices(teamId: string, target = defaultTarget()): Promise<TVoiceList> {
  const response = await callVoiceServer(teamId, "/voices", { method: "GET" }, target);
  const parsed = ZVoiceList.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new AppError("upstream", "The voice server sent an unexpected voice list.");
  return parsed.data;
}

// A short sample as a WAV file (8 kHz, what a caller hears).
export async function previewVoice(
  teamId: string,
  input: { voice: string; language: string; text?: string },
  target = defaultTarget(),
): Promise<Buffer> {
  const response = await callVoiceServer(
    teamId,
    "/voices/preview",
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) },
    target,
  );
  return Buffer.from(await response.arrayBuffer());
}
