import { z } from "zod";
import { defineEndpoint } from "./define";

// /retention-policy: how long each kind of data is kept, the last purge and what the next one removes.

const ZRetentionDaysIn = z
  .number({ error: "Must be a whole number of days, or null to keep forever" })
  .int("Must be a whole number of days")
  .min(1, "Must be at least 1 day")
  .max(3650, "Must be at most 3650 days; use null to keep forever")
  .nullable();

const RETENTION_FIELDS = {
  recordings_days: "Recordings: audio on disk or in S3, and voicemails Twilio holds. Default 90.",
  transcripts_days: "Transcripts: turns and call timelines; the calls stay. At most `calls_days`. Default 365.",
  calls_days: "Calls with their analysis (summary, sentiment, captured fields). Dashboard totals stay. Default 365.",
  messages_days: "Messages the agent took. Default 365.",
  webhook_payloads_days: "Finished webhook deliveries with their payloads. Default 365.",
  test_calls_days: "Test calls from the agent builder, with everything they hold. Default 365.",
} as const;
type TRetentionField = keyof typeof RETENTION_FIELDS;

const ZRetentionCountsOut = z
  .object({
    recordings: z.number().int(),
    transcript_turns: z.number().int(),
    call_events: z.number().int(),
    calls: z.number().int(),
    messages: z.number().int(),
    webhook_deliveries: z.number().int(),
    test_calls: z.number().int(),
  })
  .meta({ id: "RetentionCounts" });

export const ZRetentionPolicyOut = z
  .object({
    ...(Object.fromEntries(Object.entries(RETENTION_FIELDS).map(([k, d]) => [k, z.number().int().nullable().describe(`${d} null: kept forever.`)])) as Record<
      TRetentionField,
      z.ZodNullable<z.ZodNumber>
    >),
    audit_log_min_days: z.number().int().describe("Audit entries are kept at least this long; purges never remove them."),
    last_purge: z
      .object({ finished_at: z.string(), status: z.enum(["succeeded", "partial"]), counts: ZRetentionCountsOut, errors: z.array(z.string()) })
      .nullable()
      .describe("The last hourly purge of this team; null before the first."),
    next_purge: z
      .object({ at: z.string(), counts: ZRetentionCountsOut })
      .describe("When the next purge runs and what it would remove under this policy (a dry run of the purge itself)."),
  })
  .meta({ id: "RetentionPolicy" });

export const ZRetentionPolicyPatch = z
  .object(
    Object.fromEntries(Object.entries(RETENTION_FIELDS).map(([k, d]) => [k, ZRetentionDaysIn.optional().describe(`${d} null: keep forever.`)])) as Record<
      TRetentionField,
      z.ZodOptional<typeof ZRetentionDaysIn>
    >,
  )
  .strict()
  .meta({ id: "RetentionPolicyPatch" });

export const getRetentionPolicyEndpoint = defineEndpoint({
  method: "GET",
  path: "/retention-policy",
  operationId: "getRetentionPolicy",
  summary: "Get the data retention policy",
  description: "Periods in days per kind of data (null keeps it forever), the last purge and what the next one would remove.",
  tag: "Data retention",
  permission: "team.view",
  response: ZRetentionPolicyOut,
});

export const updateRetentionPolicyEndpoint = defineEndpoint({
  method: "PATCH",
  path: "/retention-policy",
  operationId: "updateRetentionPolicy",
  summary: "Change retention periods",
  description:
    "Only the fields sent change. A shorter period takes effect at the next hourly purge, which deletes for good: read `next_purge` of the answer. " +
    "Recordings and transcripts can't be kept longer than calls.",
  tag: "Data retention",
  permission: "team.update_settings",
  body: ZRetentionPolicyPatch,
  response: ZRetentionPolicyOut,
});
