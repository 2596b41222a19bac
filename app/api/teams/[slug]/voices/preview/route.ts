// POST /api/teams/:slug/voices/preview - a short WAV sample of a voice saying the given text (or a stock line).
import { z } from "zod";
import { teamRoute } from "@/lib/auth/entry-points";
import { hitRateLimit } from "@/lib/auth/rate-limit";
import { PREVIEW_MAX_CHARS, previewVoice } from "@/lib/agents/voice-previews";
import { AppError } from "@/lib/errors";
import { readJsonBody, rethrowTooLarge } from "@/lib/http/read-body";

const ZPreview = z.object({
  voice: z.string().trim().min(1, "Pick a voice").max(80),
  language: z.string().trim().min(2).max(10).default("en-US"),
  text: z.string().max(PREVIEW_MAX_CHARS, `Keep the sample under ${PREVIEW_MAX_CHARS} characters`).optional(),
});

// Samples cost TTS time (and money with a cloud provider), so they are for members who may place test calls.
export const POST = teamRoute("test_calls.start", async ({ db, team }, request) => {
  const parsed = ZPreview.safeParse(await readJsonBody(request, null).catch((e: unknown) => rethrowTooLarge(e, null)));
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Send { voice, language, text }.");
  const limit = await hitRateLimit(db, `voice-preview:${team.id}`, { limit: 30, windowMs: 60_000 });
  if (!limit.isAllowed) {
    throw new AppError("rate_limited", `Too many samples. Try again in ${Math.ceil(limit.retryAfterMs / 1000)} seconds.`);
  }
  const wav = await previewVoice(team.id, parsed.data);
  return new Response(new Uint8Array(wav), {
    headers: { "Content-Type": "audio/wav", "Content-Length": String(wav.length), "Cache-Control": "no-store" },
  });
});
