// GET /api/teams/[slug]/calls/live - calls in progress with their new transcript turns (polled by the live view)
import { z } from "zod";
import { teamRoute } from "@/lib/auth/entry-points";
import { listLiveCalls } from "@/lib/calls/list-live-calls";
import { AppError } from "@/lib/errors";

// ?after=<callId>:<seq>,<callId>:<seq> — the last turn the client has per call.
const ZAfter = z
  .string()
  .max(4000)
  .transform((raw, ctx) => {
    const out: Record<string, number> = {};
    for (const pair of raw.split(",").filter(Boolean)) {
      const [id, seq] = pair.split(":");
      if (!id || !z.uuid().safeParse(id).success || !/^\d{1,6}$/.test(seq ?? "")) {
        ctx.addIssue({ code: "custom", message: "after must be callId:seq pairs" });
        return z.NEVER;
      }
      out[id] = Number(seq);
    }
    return out;
  });

export const GET = teamRoute("calls.view", async ({ db, team }, request) => {
  const parsed = ZAfter.safeParse(new URL(request.url).searchParams.get("after") ?? "");
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Bad request");
  const live = await listLiveCalls(db, team.id, parsed.data);
  return Response.json({ calls: live, now: new Date().toISOString() }, { headers: { "Cache-Control": "no-store" } });
});
