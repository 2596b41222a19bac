import { isWithinBusinessHours } from "@/lib/agents/business-hours";
import type { TAgentTemplate } from "@/lib/agents/templates";

// Time zones around the world, one per few hours of offset: in one of them it is always night.
const ZONES = [
  "America/New_York",
  "America/Los_Angeles",
  "Pacific/Honolulu",
  "Pacific/Auckland",
  "Asia/Tokyo",
  "Asia/Bangkok",
  "Asia/Kolkata",
  "Asia/Dubai",
  "Europe/Berlin",
  "Europe/London",
  "America/Sao_Paulo",
];

// A time zone in which the agent a template makes is closed now and for the next `forMs`, so a test of its starter
// suite shows the suite does not depend on when it runs (a suite's calls run as if within business hours). A
// template without business hours is never closed: UTC.
export function closedTimeZone(template: TAgentTemplate, forMs: number, now = new Date()): string {
  const later = new Date(now.getTime() + forMs);
  for (const timeZone of ZONES) {
    const hours = template.build({ teamName: "Probe", timeZone }).config.businessHours;
    if (!hours.isEnabled) return "UTC";
    if (!isWithinBusinessHours(hours, now) && !isWithinBusinessHours(hours, later)) return timeZone;
  }
  throw new Error(`${template.label}: open in every time zone at once; give closedTimeZone more zones`);
}
