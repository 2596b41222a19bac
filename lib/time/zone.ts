import { isValidTimeZone } from "@/lib/agents/business-hours";

// Wall-clock arithmetic in an IANA time zone with Intl only (no offset tables): the team's local days and hours for
// the dashboard, and local times on every page.
//
// The analytics rollups are UTC hours. A UTC hour is counted in the local hour (and local day) in which it starts.
// For whole-hour zones that is exact. In half- and quarter-hour zones (India +5:30, Nepal +5:45, Newfoundland
// -3:30) each bucket straddles two local hours: 00:00-01:00 UTC is 05:30-06:30 in India and counts as 5 am, and a
// local day runs from the first UTC hour that starts on it (00:30 local in India) to the same point the next day.
// "Calls today" uses the same boundaries, so the Overview and Analytics agree.

export { isValidTimeZone };

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let fmt = formatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    if (formatters.size < 500) formatters.set(tz, fmt);
  }
  return fmt;
}

export type TZonedParts = { year: number; month: number; day: number; hour: number; minute: number; second: number };

export function zonedParts(tz: string, at: Date): TZonedParts {
  const out: TZonedParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of partsFormatter(tz).formatToParts(at)) {
    // h23 still prints midnight as "24" in some runtimes.
    if (part.type in out) out[part.type as keyof TZonedParts] = part.type === "hour" ? Number(part.value) % 24 : Number(part.value);
  }
  return out;
}

// Local minus UTC at `at`, in milliseconds (e.g. -4 h in New York in summer, +5.5 h in India).
export function offsetMs(tz: string, at: Date): number {
  const p = zonedParts(tz, at);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// The local calendar day of `at`, YYYY-MM-DD.
export function localDay(tz: string, at: Date): string {
  const p = zonedParts(tz, at);
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

export function addDays(day: string, days: number): string {
  const m = ISO_DAY.exec(day);
  if (!m) throw new RangeError(`Not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * DAY_MS).toISOString().slice(0, 10);
}

// The instant local midnight starts `day` in `tz`. Where a DST change skips midnight, the first instant of the day.
export function localMidnight(tz: string, day: string): Date {
  const m = ISO_DAY.exec(day);
  if (!m) throw new RangeError(`Not a day: ${day}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Two passes: the offset at the first guess can differ from the offset at midnight when DST changes that day.
  let t = wall - offsetMs(tz, new Date(wall));
  t = wall - offsetMs(tz, new Date(t));
  if (localDay(tz, new Date(t)) !== day) t += HOUR_MS; // midnight itself was skipped
  return new Date(t);
}

// The first UTC hour boundary at or after `at`: where a local day starts in the hourly rollups.
function ceilHour(ms: number): number {
  return Math.ceil(ms / HOUR_MS) * HOUR_MS;
}

export type TLocalRange = { from: Date; to: Date };

// Local days [firstDay, lastDay] (both inclusive) as a [from, to) range of whole UTC hours (see the header).
export function localDaysRange(tz: string, firstDay: string, lastDay: string): TLocalRange {
  return {
    from: new Date(ceilHour(localMidnight(tz, firstDay).getTime())),
    to: new Date(ceilHour(localMidnight(tz, addDays(lastDay, 1)).getTime())),
  };
}

// Today in the team's zone, as a range of whole UTC hours.
export function localTodayRange(tz: string, now = new Date()): TLocalRange {
  // An instant just after local midnight but before the first whole UTC hour still belongs to the previous day.
  const day = localDay(tz, new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS));
  return localDaysRange(tz, day, day);
}

// The local day a whole-hour range starts on, and the last local day it covers.
export function localDaysOf(tz: string, range: TLocalRange): { firstDay: string; lastDay: string } {
  return { firstDay: localDay(tz, range.from), lastDay: localDay(tz, new Date(range.to.getTime() - HOUR_MS)) };
}

// Short label of the zone at `at`, e.g. "EST", "GMT+5:30", "UTC".
const nameFormatters = new Map<string, Intl.DateTimeFormat>();

export function zoneAbbreviation(tz: string, at = new Date()): string {
  let fmt = nameFormatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "short" });
    if (nameFormatters.size < 500) nameFormatters.set(tz, fmt);
  }
  return fmt.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? tz;
}

// "2026-03-04 09:15" in the zone (24-hour, sortable, as the calls pages always showed).
export function formatLocalDateTime(tz: string, at: Date): string {
  const p = zonedParts(tz, at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

// The value of a datetime-local input ("2030-01-08T10:00") showing `at` on the wall clocks of `tz`.
export function toLocalInputValue(tz: string, at: Date): string {
  const p = zonedParts(tz, at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(p.year).padStart(4, "0")}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

// The instant a datetime-local value names on the wall clocks of `tz`, or null when it is not one. A time skipped by
// a DST change (02:30 on a spring-forward day) is read with the offset from before the change, so it lands an hour
// later on the clock; a time that happens twice (fall back) is the first of the two.
export function fromLocalInputValue(tz: string, value: string): Date | null {
  const m = LOCAL_INPUT.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (new Date(wall).getUTCDate() !== day) return null; // 31 April and the like
  // The zone's offsets a day either side (DST changes are months apart), and the instants they give.
  const before = wall - offsetMs(tz, new Date(wall - DAY_MS));
  const after = wall - offsetMs(tz, new Date(wall + DAY_MS));
  const matches = [before, after].filter((t) => toLocalInputValue(tz, new Date(t)) === value);
  return new Date(matches.length > 0 ? Math.min(...matches) : before);
}
