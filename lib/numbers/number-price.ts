import type { TTwilioClient } from "@/lib/twilio/client";

// The monthly price of a local number in a country, from Twilio's Pricing API (GET pricing.twilio.com/v1/
// PhoneNumbers/Countries/{country}; in the sandbox the local stand-in answers with its configured prices). Prices
// change rarely: one lookup per account and country an hour. A price Twilio does not give is null, and the buy
// panel says to check Twilio's pricing page instead of guessing.

export type TNumberPrice = { amount: number; currency: string; isSandbox: boolean };

const TTL_MS = 60 * 60_000;
const cache = new Map<string, { at: number; price: TNumberPrice | null }>();

export async function localNumberPrice(
  client: TTwilioClient,
  accountSid: string,
  country: string,
  options: { isSandbox: boolean; now?: number },
): Promise<TNumberPrice | null> {
  const key = `${accountSid}:${country}`;
  const now = options.now ?? Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.price;
  let price: TNumberPrice | null = null;
  try {
    const found = await client.pricing.v1.phoneNumbers.countries(country).fetch();
    const local = found.phoneNumberPrices?.find((p) => p.numberType?.toLowerCase() === "local");
    const amount = Number(local?.currentPrice ?? local?.basePrice);
    if (local && Number.isFinite(amount) && amount >= 0 && found.priceUnit) price = { amount, currency: found.priceUnit.toUpperCase(), isSandbox: options.isSandbox };
  } catch {
    // Pricing is informative: a failed lookup must not block buying. Not cached, so the next search asks again.
    return null;
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, { at: now, price });
  return price;
}

export function formatMonthlyPrice(price: TNumberPrice): string {
  const amount = new Intl.NumberFormat("en-US", { style: "currency", currency: price.currency }).format(price.amount);
  return `${amount} a month`;
}
