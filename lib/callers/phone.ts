import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

// Caller numbers are kept in E.164. Twilio sends withheld numbers as "Anonymous", "+266696687" and the like; only
// a number that looks like a real E.164 number gets a caller entry.
const E164 = /^\+[1-9][0-9]{6,14}$/;

export function isCallerNumber(value: string): boolean {
  return E164.test(value) && value !== "+266696687" && value !== "+7378742833" && value !== "+2562533";
}

// A number typed in any common form ("(555) 010-1234", "555.010.1234", "+44 20 7946 0958", "0044 20 ...") as
// E.164, read in the team's country when it has no country code. Null when it is not a whole number.
export function toE164(raw: string, defaultCountry: CountryCode = "US"): string | null {
  const trimmed = raw.trim().replace(/^00/, "+");
  if (!/^[+()\d\s.\-/]{4,}$/.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

// The digits of a partial number ("555 01"), for a contains-search on the stored E.164 form.
export function digitsOf(raw: string): string {
  return raw.replace(/\D/g, "");
}

export function looksLikeNumber(raw: string): boolean {
  return /^[+()\d\s.\-/]+$/.test(raw.trim()) && digitsOf(raw).length >= 3;
}

// A callback number as a person dials it: "+1 415 555 0199" whatever form the caller dictated it in ("4155550199"),
// read in the country of `reference` (the number the caller rang from) when it has no country code. `tel` is null
// when it is not a whole number; the raw text is then shown as it was taken.
export function callbackDisplay(raw: string, reference?: string | null): { text: string; tel: string | null } {
  const country = (reference ? parsePhoneNumberFromString(reference)?.country : undefined) ?? "US";
  const e164 = raw.trim() ? toE164(raw, country) : null;
  if (!e164) return { text: raw.trim(), tel: null };
  return { text: parsePhoneNumberFromString(e164)?.formatInternational() ?? e164, tel: e164 };
}
