// Hours questions answered from the agent's configured business hours ("are you open on Saturday?").
import { dayName, describeDay, isValidTimeZone, speakWeeklyHours, zonedDayAndMinute } from "@/lib/agents/business-hours";
import { splitSentences } from "./speakable";
import type { TContext } from "./state";

const DAY = String.raw`(?:sun|mon|tues|wednes|thurs|fri|satur)days?|today|tomorrow|tonight|weekends?`;
// Days the caller takes back: "not Tuesday, Thursday", "Tuesday, no sorry, Thursday", "Tuesday I mean Thursday".
const TAKEN_BACK_DAY = new RegExp(
  String.raw`\bnot (?:on )?(?:the )?(?:${DAY})\b|\b(?:${DAY})(?: (?:no|sorry|i mean|actually|or rather|wait))+(?= (?:on )?(?:${DAY})\b)`,
  "g",
);

export function requestedDays(heard: string, today: number | undefined): number[] | "now" | null {
  const normalized = heard.replace(TAKEN_BACK_DAY, " ");
  if (/\b(right now|now|currently|at the moment|still open)\b/.test(normalized)) return "now";
  if (/\btoday\b|\btonight\b/.test(normalized) && today !== undefined) return [today];
  if (/\btomorrow\b/.test(normalized) && today !== undefined) return [(today + 1) % 7];
  if (/\bweekends?\b/.test(normalized)) return [6, 0];
  const days: number[] = [];
  ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].forEach((name, i) => {
    if (new RegExp(`\\b${name}s?\\b`).test(normalized)) days.push(i);
  });
  return days.length > 0 ? days : null;
}

export function hoursAnswer(ctx: TContext, normalized: string): string[] {
  const hours = ctx.snapshot.config.businessHours;
  const today = isValidTimeZone(hours.timeZone) ? zonedDayAndMinute(hours.timeZone, ctx.now).day : undefined;
  const asked = requestedDays(normalized, today);
  const dayLine = (day: number): string => {
    const text = describeDay(hours, day);
    const label = day === today ? "today" : `on ${dayName(day)}`;
    return text === ""
      ? `We're closed ${label}.`
      : text === "all day"
        ? `We're open all day ${label}.`
        : `${label === "today" ? "Today" : `On ${dayName(day)}`} we're open from ${text}.`;
  };
  if (asked === "now") {
    const lines = [ctx.isOpen === false ? "We're closed right now." : "Yes, we're open right now."];
    if (today !== undefined) {
      const todayText = describeDay(hours, today);
      if (todayText !== "" && todayText !== "all day") lines.push(`Today's hours are ${todayText}.`);
      else if (ctx.isOpen === false) lines.push(dayLine((today + 1) % 7));
    }
    return lines;
  }
  if (asked) return asked.map(dayLine);
  return splitSentences(speakWeeklyHours(hours));
}
