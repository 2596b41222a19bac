// Price questions: whether a line asks what something costs (not about the caller's own bill), and of what.
import { contentWords } from "./text";

const PRICE_QUESTION =
  /\b(how much|what (do|does|would|will|did) (you|it|they|that|this) (charge|cost)|what (is|are|would be) the (price|cost|fee|rate)s?|what does (a|an|the) [a-z ]{1,30} cost|price|cost|fee|rate)s?\b/;
const OWN_BILL =
  /\b(my|the|this|that|our|an|a) (bill|invoice|statement|account|balance|receipt)s?\b|\b(charged|billed|overcharged|refund|refunded|owe|owed|double charged|paid twice)\b/;

export function asksAPrice(normalized: string): boolean {
  return PRICE_QUESTION.test(normalized) && !OWN_BILL.test(normalized);
}

// What a price question asks the price of, normalised ("how much for a deep cleaning if I have no insurance" ->
// "deep cleaning"); null when it is not one or names nothing.
export function priceSubject(normalized: string): string | null {
  if (!asksAPrice(normalized)) return null;
  const after = /\b(?:for|of|to get|to have|to do) (?:a |an |the |my |your |one |just |some )?([a-z ]+?)(?: (?:with|without|if|and|on|at|under|because|since|when|please|though|done|there|here)\b.*)?$/.exec(normalized)?.[1];
  return after && contentWords(after).length > 0 ? after : null;
}
