import type { TAgentConfig } from "@/lib/agents/config";

// Business hours: whether a business is open at a moment in its own time zone, and how its week is said out loud.
// Used by the web app (validation), the voice server (after-hours routing) and the prompt.

export type TBusinessHours = TAgentConfig["businessHours"];

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const SHORT_DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
// Callers think in business weeks, so hours are listed Monday first.
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

export function dayName(day: number): string {
  return DAY_NAMES[((day % 7) + 7) % 7] ?? "Sunday";
}

// ---- Time zones -----------------------------------------------------------------------------------------

const partFormatters = new Map<string, Intl.DateTimeFormat>();
// Building a formatter is the expensive part of the check, and live calls ask on every turn.
const knownTimeZones = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz.trim() === "") return false;
  const known = knownTimeZones.get(tz);
  if (known !== undefined) return known;
  let isValid = true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    isValid = false;
  }
  if (knownTimeZones.size < 1000) knownTimeZones.set(tz, isValid);
  return isValid;
}

function assertTimeZone(tz: string): void {
  if (!isValidTimeZone(tz)) {
    throw new RangeError(`Unknown time zone "${tz}". Use an IANA name such as "America/New_York" or "UTC".`);
  }
}

// Wall-clock day and minute of `now` in `tz`. Intl applies the zone's DST rules, so no offset arithmetic here.
export function zonedDayAndMinute(tz: string, now: Date): { day: number; minute: number } {
  assertTimeZone(tz);
  let fmt = partFormatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    partFormatters.set(tz, fmt);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of fmt.formatToParts(now)) {
    if (part.type === "weekday") day = SHORT_DAYS[part.value] ?? 0;
    else if (part.type === "hour") hour = Number(part.value) % 24;
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
}

// Windows are [open, close). close < open runs past midnight into the next day; open == close means all day.
// For routing a live call: hours that cannot be evaluated (a time zone this runtime lacks) count as open, so a
// caller is never turned away by a configuration problem; `onError` hears about it.
export function isAfterHoursNow(hours: TBusinessHours, now: Date, onError?: (error: unknown) => void): boolean {
  try {
    return !isWithinBusinessHours(hours, now);
  } catch (error) {
    onError?.(error);
    return false;
  }
}

export function isWithinBusinessHours(hours: TBusinessHours, now: Date): boolean {
  if (!hours.isEnabled) return true;
  const { day, minute } = zonedDayAndMinute(hours.timeZone, now);
  const yesterday = (day + 6) % 7;
  for (const w of hours.weekly) {
    const open = toMinutes(w.open);
    const close = toMinutes(w.close);
    if (w.day === day) {
      if (open === close) return true;
      if (open < close ? minute >= open && minute < close : minute >= open) return true;
    } else if (w.day === yesterday && close < open && minute < close) {
      return true;
    }
  }
  return false;
}

// ---- Speaking about hours -------------------------------------------------------------------------------

// "09:00" -> "9 AM", "17:30" -> "5:30 PM", "12:00" -> "noon", "00:00" -> "midnight".
export function speakTime(hhmm: string): string {
  const total = toMinutes(hhmm);
  if (total === 0) return "midnight";
  if (total === 12 * 60) return "noon";
  const h = Math.floor(total / 60);
  const m = total % 60;
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const suffix = h < 12 ? "AM" : "PM";
  return m === 0 ? `${h12} ${suffix}` : `${h12}:${String(m).padStart(2, "0")} ${suffix}`;
}

function windowsFor(hours: TBusinessHours, day: number) {
  return hours.weekly
    .filter((w) => w.day === day)
    .slice()
    .sort((a, b) => toMinutes(a.open) - toMinutes(b.open));
}

// "9 AM to 5 PM", "9 AM to noon and 1 PM to 5 PM", "all day"; "" when closed that day.
export function describeDay(hours: TBusinessHours, day: number): string {
  const ws = windowsFor(hours, day);
  if (ws.some((w) => w.open === w.close)) return "all day";
  return ws.map((w) => `${speakTime(w.open)} to ${speakTime(w.close)}`).join(" and ");
}

function joinSpoken(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  if (items.length === 2)
    return items.some((i) => i.includes(",")) ? `${items[0]}, and ${items[1]}` : `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;
}

// Runs of consecutive days with the same hours, Monday first: ["Monday to Friday, 9 AM to 5 PM", ...].
export function describeWeeklyHours(hours: TBusinessHours): { open: string[]; closedDays: string[] } {
  const open: string[] = [];
  const closedDays: string[] = [];
  let i = 0;
  while (i < WEEK_ORDER.length) {
    const day = WEEK_ORDER[i] as number;
    const text = describeDay(hours, day);
    let j = i;
    while (j + 1 < WEEK_ORDER.length && describeDay(hours, WEEK_ORDER[j + 1] as number) === text) j++;
    const first = dayName(day);
    const last = dayName(WEEK_ORDER[j] as number);
    const span = i === j ? first : j === i + 1 ? `${first} and ${last}` : `${first} to ${last}`;
    if (text === "") {
      for (let k = i; k <= j; k++) closedDays.push(dayName(WEEK_ORDER[k] as number));
    } else {
      open.push(`${span}, ${text}`);
    }
    i = j + 1;
  }
  return { open, closedDays };
}

// One or two spoken sentences about the whole week.
export function speakWeeklyHours(hours: TBusinessHours): string {
  const { open, closedDays } = describeWeeklyHours(hours);
  if (open.length === 0) return "We don't have any opening hours set at the moment.";
  let text = `We're open ${joinSpoken(open)}.`;
  if (closedDays.length > 0) text += ` We're closed on ${joinSpoken(closedDays)}.`;
  return text;
}
