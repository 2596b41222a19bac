import { z } from "zod";
import { LINES } from "@/voice-server/session/spoken-lines";
import { defineTool } from "./types";

const ZEndCallArgs = z.object({
  reason: z.string({ error: '"reason" must be a string.' }).trim().max(500).optional().describe("Why the call is ending, for the call log."),
});

export const endCall = defineTool({
  name: "end_call",
  description: "Hang up. Use only after you have said goodbye and the caller has nothing else.",
  parameters: () => ZEndCallArgs,
  // Its goodbye is its line (below): nothing to bridge, it ends the call.
  acknowledgement: null,
  async execute(_args, ctx) {
    if (!ctx.spokenText) ctx.say(LINES.goodbye);
    ctx.setEndReason("agent_end_call");
    return {
      result: { ok: true },
      // The goodbye plays to the end before the line closes; a caller who talks over it keeps the call.
      async after() {
        if (!(await ctx.untilPlayed())) return "stop";
        ctx.finishReply();
        ctx.close("agent_end_call");
        return "stop";
      },
    };
  },
});
