import { and, eq } from "drizzle-orm";
import { getCountries, parsePhoneNumberFromString, type CountryCode, type NumberType } from "libphonenumber-js/max";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { phoneNumbers, teams, type Team } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";

// Where an agent may transfer a caller. A transfer is an outbound call the platform pays for, so a destination
// must be a real, ordinary number (fixed line, mobile, toll-free, VoIP) in a country the team allows: premium-rate
// and shared-cost lines, personal-number and pager services, and numbers libphonenumber cannot classify are refused.
// Checked where departments are saved, at publish, and again by the voice server just before it dials.

const ALLOWED_TYPES = new Set<NumberType>(["FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE", "TOLL_FREE", "VOIP", "UAN"]);

const TYPE_NAMES: Partial<Record<NonNullable<NumberType>, string>> = {
  PREMIUM_RATE: "a premium-rate number",
  SHARED_COST: "a shared-cost number",
  PERSONAL_NUMBER: "a personal-number service",
  PAGER: "a pager number",
  VOICEMAIL: "a voicemail access number",
};

// When a team has not chosen: NANP's two big members go together, since a US business often transfers to Canada.
export const DEFAULT_TRANSFER_COUNTRIES = ["US", "CA"] as const;

const KNOWN_COUNTRIES = new Set<string>(getCountries());

export function isCountryCode(value: string): value is CountryCode {
  return KNOWN_COUNTRIES.has(value);
}

export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

export type TTransferCheck = { ok: true; e164: string; country: CountryCode } | { ok: false; reason: "invalid" | "costly" | "country"; message: string };

export function checkTransferDestination(raw: string, allowedCountries: readonly string[]): TTransferCheck {
  const parsed = parsePhoneNumberFromString(raw.trim());
  if (!parsed || !parsed.isValid() || !parsed.country) {
    return { ok: false, reason: "invalid", message: `${raw.trim() || "(empty)"} is not a valid phone number. Use international format, e.g. +14155550123.` };
  }
  const e164 = parsed.number;
  const type = parsed.getType();
  if (!type || !ALLOWED_TYPES.has(type)) {
    const what = (type && TYPE_NAMES[type]) ?? "a number of unknown type";
    return { ok: false, reason: "costly", message: `${e164} is ${what}. Transfers only go to ordinary fixed-line, mobile or toll-free numbers.` };
  }
  if (!allowedCountries.includes(parsed.country)) {
    return {
      ok: false,
      reason: "country",
      message: `${e164} is in ${countryName(parsed.country)}, which this team does not transfer to. An owner or admin can allow it in Settings.`,
    };
  }
  return { ok: true, e164, country: parsed.country };
}

export type TTransferPolicy = { countries: string[]; isDefault: boolean };

// The team's allow-list, or by default the countries of its numbers (US and CA when it has none).
export async function loadTransferPolicy(db: DbOrTx, teamId: string): Promise<TTransferPolicy> {
  const [team] = await db.select({ countries: teams.transferCountries }).from(teams).where(eq(teams.id, teamId)).limit(1);
  if (team?.countries && team.countries.length > 0) return { countries: team.countries, isDefault: false };
  const numbers = await db
    .select({ e164: phoneNumbers.e164 })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")));
  const countries = new Set<string>();
  for (const n of numbers) {
    const country = parsePhoneNumberFromString(n.e164)?.country;
    if (!country) continue;
    countries.add(country);
    if (country === "US" || country === "CA") for (const c of DEFAULT_TRANSFER_COUNTRIES) countries.add(c);
  }
  return { countries: [...(countries.size > 0 ? countries : DEFAULT_TRANSFER_COUNTRIES)].sort(), isDefault: true };
}

// The Settings form: ISO codes separated by commas or spaces; empty goes back to the default.
export const ZTransferCountries = z
  .string()
  .max(1000)
  .transform((value, ctx) => {
    const codes = [...new Set(value.toUpperCase().split(/[\s,;]+/).filter(Boolean))];
    const unknown = codes.filter((c) => !isCountryCode(c));
    if (unknown.length > 0) {
      ctx.addIssue({ code: "custom", message: `Not a country code: ${unknown.join(", ")}. Use two-letter codes such as US, CA, GB.` });
      return z.NEVER;
    }
    return codes.length > 0 ? codes.sort() : null;
  });

// Sets (or, with null, clears back to the default) the countries the team's agents may transfer to.
export async function updateTransferCountries(
  db: Db,
  team: Pick<Team, "id" | "name" | "transferCountries">,
  actor: TAuditActor,
  countries: string[] | null,
): Promise<void> {
  const before = team.transferCountries ?? null;
  if (JSON.stringify(before) === JSON.stringify(countries)) return;
  await db.transaction(async (tx) => {
    await tx.update(teams).set({ transferCountries: countries }).where(eq(teams.id, team.id));
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "team.settings_changed",
      targetType: "team",
      targetId: team.id,
      targetLabel: team.name,
      metadata: { changes: { transferCountries: { from: before?.join(", ") ?? "default", to: countries?.join(", ") ?? "default" } } },
    });
  });
}
