import { isWithinBusinessHours } from "@/lib/agents/business-hours";
import type { TAgentTemplate } from "@/lib/agents/templates";

// Time zones around the world, one per few hours of offset: somewhere it is always a working hour on most days.
const ZONES = [
  "America/New_York",
  "America/Los_Angeles",
  "Pacific/Honolulu",
  "Pacific/Pago_Pago",
  "Pacific/Kiritimati",
  "Pacific/Auckland",
  "Asia/Tokyo",
  "Asia/Shanghai",
  "Asia/Bangkok",
  "Asia/Kolkata",
  "Asia/Dubai",
  "Europe/Moscow",
  "Europe/Berlin",
  "Europe/London",
  "Atlantic/Azores",
  "America/Sao_Paulo",
  "America/Chicago",
];

// A time zone in which the agent a template makes is open now and for the next `forMs`, so a test of its starter
// suite (whose transfers only happen while open) does not depend on when it runs; null when the template's hours
// are closed everywhere (its days off, such as a weekend for a weekday-only business).
export function openTimeZone(template: TAgentTemplate, forMs: number, now = new Date()): string | null {
  const later = new Date(now.getTime() + forMs);
  for (const timeZone of ZONES) {
    const hours = template.build({ teamName: "Probe", timeZone }).config.businessHours;
    if (isWithinBusinessHours(hours, now) && isWithinBusinessHours(hours, later)) return timeZone;
  }
  return null;
}
