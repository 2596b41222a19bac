import { createHmac, hkdfSync } from "node:crypto";
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { AppError } from "@/lib/errors";
import { isCountryCode } from "@/lib/telephony/transfer-policy";

// The caller a data request is about, as a phone number: typed in any common format ("(415) 555-0123",
// "+44 20 7946 0958", "0044 20 ..."), normalized to E.164. National formats are read in the team's country.

export type TCallerSubject = {
  e164: string;
  // Forms the number may be stored in by other paths (a callback number typed by the agent, a national format):
  // digits only, with and without the country code.
  e164Digits: string;
  nationalDigits: string;
  // The last two digits, for the register: enough for a person to tell requests apart, not to identify anyone.
  hint: string;
};

export function parseCallerNumber(raw: string, defaultCountry = "US"): TCallerSubject {
  const text = raw.trim().replace(/^00/, "+");
  if (text === "" || text.length > 40) throw new AppError("bad_request", "Enter the caller's phone number.");
  const country: CountryCode = isCountryCode(defaultCountry) ? defaultCountry : "US";
  const parsed = parsePhoneNumberFromString(text, country);
  // "Possible" rather than "valid": callers reach the team from numbers libphonenumber does not know as assigned
  // (new ranges, fictional 555 numbers in tests, some VoIP), and their data must be findable all the same.
  if (!parsed || !(parsed.isValid() || parsed.isPossible())) {
    throw new AppError(
      "bad_request",
      `"${text.slice(0, 40)}" is not a valid phone number. Use the international format (+14155550123) or a ${country} number.`,
    );
  }
  const e164 = parsed.number;
  return { e164, e164Digits: e164.slice(1), nationalDigits: String(parsed.nationalNumber), hint: `••${e164.slice(-2)}` };
}

// A keyed hash of the number: the register and the audit log can tell that two requests concern the same caller,
// and answer "did you receive a request about +1…?" when asked with the number, without storing it. The key is
// derived from ENCRYPTION_KEY, so hashes cannot be reversed by trying every phone number without it.
export function subjectHashKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, Buffer.alloc(0), "aica-privacy-subject-hmac", 32));
}

export function subjectHash(value: string, hashKey: Buffer): string {
  return createHmac("sha256", hashKey).update(value).digest("hex");
}
