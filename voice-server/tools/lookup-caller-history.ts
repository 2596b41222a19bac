import { z } from "zod";
import { lookupCallerHistory as lookup } from "@/lib/calls/caller-history";
import { defineTool } from "./types";

// Gemini rejects an object schema with no properties, so the optional reason keeps this declaration valid.
const ZLookupCallerHistoryArgs = z.object({
  reason: z.string().max(500).optional().describe("Why you are looking, for the call log."),
});

export const lookupCallerHistory = defineTool({
  name: "lookup_caller_history",
  description:
    "Look up this caller's earlier calls and messages by their phone number. Use when the caller mentions an earlier call or when knowing about a returning caller would help.",
  // Off with personalization: the agent then knows nothing of a caller's earlier requests.
  availability: (agent) =>
    agent.config.isPersonalizationEnabled === false
      ? { ok: false, error: "lookup_caller_history is not available on this line." }
      : { ok: true },
  parameters: () => ZLookupCallerHistoryArgs,
  acknowledgement: "Let me look that up.",
  async execute(_args, ctx) {
    const history = await lookup(ctx.db, {
      teamId: ctx.call.teamId,
      fromNumber: ctx.call.fromNumber,
      excludeCallId: ctx.call.id,
      limit: 5,
    });
    return {
      result: {
        ok: true,
        earlierCalls: history.map((h) => ({
          date: h.startedAt.toISOString().slice(0, 10),
          outcome: h.outcome,
          summary: h.summary ?? h.topic ?? null,
        })),
      },
    };
  },
});
