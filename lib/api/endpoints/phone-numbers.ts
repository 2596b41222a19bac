import { z } from "zod";
import { defineEndpoint, ZId, page } from "./define";

// GET /phone-numbers: the team's active numbers and the agent each one reaches.

export const ZPhoneNumberOut = z
  .object({
    id: ZId,
    e164: z.string(),
    friendly_name: z.string(),
    country: z.string(),
    source: z.enum(["purchased", "imported"]),
    is_voice_configured: z.boolean(),
    agent: z.object({ id: ZId, name: z.string(), is_live: z.boolean() }).nullable(),
    calls_today: z.number().int().describe("Calls since midnight UTC."),
    created_at: z.string(),
  })
  .meta({ id: "PhoneNumber" });

export const listNumbersEndpoint = defineEndpoint({
  method: "GET",
  path: "/phone-numbers",
  operationId: "listPhoneNumbers",
  summary: "List active phone numbers",
  description: "The whole list comes in one page (`next_cursor` is null).",
  tag: "Phone numbers",
  permission: "team.view",
  response: page(ZPhoneNumberOut, "PhoneNumberPage"),
});
