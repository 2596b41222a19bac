// The fallback when the model did not say whether a message is urgent: a small check of the caller's words for an
// emergency or a request for an urgent callback. It errs towards urgent for clear phrases only; "not urgent" and
// "no rush" win over the words they contain.

const NEGATED = /\b(not|no|isn'?t|nothing)\s+(that\s+|very\s+|really\s+|an?\s+)?(urgent|emergency|rush|hurry)\b|\bno rush\b|\bwhenever\b|\bno hurry\b/i;

const URGENT = [
  /\burgent(ly)?\b/i,
  /\bemergenc(y|ies)\b/i,
  /\basap\b|\bas soon as (possible|you can)\b/i,
  /\bright (away|now)\b|\bimmediately\b/i,
  /\b(call|ring) me back (today|tonight|now)\b/i,
  /\b(bleeding|can'?t breathe|chest pain|unconscious|fainted|seizure|overdose|severe pain|swollen|allergic reaction)\b/i,
  /\b(flood(ing|ed)?|burst pipe|gas leak|smell(s)? (of )?gas|no heat|fire|smoke|sparking|power outage|locked out|break-?in|broken into)\b/i,
  /\b(accident|injur(ed|y)|hurt)\b/i,
];

export function looksUrgent(text: string): boolean {
  const t = text.replace(/\s+/g, " ");
  if (NEGATED.test(t)) return false;
  return URGENT.some((re) => re.test(t));
}
