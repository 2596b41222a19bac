import { z } from "zod";
import { CALL_OUTCOMES } from "@/lib/calls/list-calls";
import { defineEndpoint, ZTime } from "./define";

// /analytics: call counts, outcomes and sentiment for a period, and one metric over time.

const ZRange = z.object({
  from: ZTime.optional().describe("Start (inclusive). Default: 30 days before `to`."),
  to: ZTime.optional().describe("End (exclusive). Default: now."),
});

export const ZAnalyticsSummaryOut = z
  .object({
    from: z.string(),
    to: z.string(),
    total_calls: z.number().int(),
    answered_calls: z.number().int(),
    completed_calls: z.number().int(),
    outcomes: z.object(Object.fromEntries(CALL_OUTCOMES.map((o) => [o, z.number().int()])) as Record<(typeof CALL_OUTCOMES)[number], z.ZodNumber>),
    resolution_rate: z.number().nullable().describe("Resolved / calls with an outcome; null without such calls."),
    avg_duration_sec: z.number().nullable(),
    sentiment: z.object({ positive: z.number().int(), neutral: z.number().int(), negative: z.number().int() }),
  })
  .meta({ id: "AnalyticsSummary" });

export const analyticsSummaryEndpoint = defineEndpoint({
  method: "GET",
  path: "/analytics/summary",
  operationId: "getAnalyticsSummary",
  summary: "Call counts, outcomes and sentiment for a period",
  description: "Counts calls started in [from, to). Test calls are excluded.",
  tag: "Analytics",
  permission: "calls.view",
  query: ZRange,
  response: ZAnalyticsSummaryOut,
});

export const TIMESERIES_METRICS = ["calls", "answered", "resolved", "abandoned", "transferred", "avg_duration_sec"] as const;

export const ZTimeseriesQuery = ZRange.extend({
  metric: z.enum(TIMESERIES_METRICS).default("calls"),
  interval: z.enum(["hour", "day", "week"]).default("day").describe("Buckets in UTC; weeks start on Monday."),
});

export const analyticsTimeseriesEndpoint = defineEndpoint({
  method: "GET",
  path: "/analytics/timeseries",
  operationId: "getAnalyticsTimeseries",
  summary: "A metric per hour, day or week",
  description: "Every bucket in the range is present, with 0 (or null for averages) when there were no calls. At most 1,000 buckets.",
  tag: "Analytics",
  permission: "calls.view",
  query: ZTimeseriesQuery,
  response: z
    .object({
      metric: z.enum(TIMESERIES_METRICS),
      interval: z.enum(["hour", "day", "week"]),
      from: z.string(),
      to: z.string(),
      data: z.array(z.object({ bucket_start: z.string(), value: z.number().nullable() })),
    })
    .meta({ id: "AnalyticsTimeseries" }),
});
