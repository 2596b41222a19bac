import { redactText, type TRedactionKind, type TRedactionSettings } from "./redact-text";

// Whether the agent's words ask the caller for data the team redacts ("please enter your card number"): keys
// pressed after such a question are taken as that data (voice-server/session/keypad-privacy.ts). Only kinds a
// caller can type are here; an email cannot be entered on a keypad.
const ASKS: { kind: TRedactionKind; setting: keyof TRedactionSettings; pattern: RegExp }[] = [
  {
    kind: "card_number",
    setting: "cardNumbers",
    pattern: /\b(card number|credit card|debit card|card details|number on (the|your) card|expiration date|expiry date|security code|cvv|cvc|payment details)\b/i,
  },
  { kind: "ssn", setting: "ssns", pattern: /\b(social security|ssn|social insurance number)\b/i },
  { kind: "phone_number", setting: "phoneNumbers", pattern: /\b(phone number|callback number|call-back number|cell number|mobile number)\b/i },
];

export function sensitiveRequestKinds(text: string, settings: TRedactionSettings): TRedactionKind[] {
  return ASKS.filter((ask) => settings[ask.setting] && ask.pattern.test(text)).map((ask) => ask.kind);
}

// Digits typed in one run that are themselves data the team redacts (a Luhn-valid card number, an SSN).
export function sensitiveDigitKinds(digits: string, settings: TRedactionSettings): TRedactionKind[] {
  const only = digits.replace(/\D/g, "");
  if (!only) return [];
  // Nine digits said aloud are an SSN only in context (redact-text); nine typed in one run are taken as one, since
  // masking a typed number by mistake costs little.
  const kinds = redactText(only, settings).kinds;
  if (settings.ssns && only.length === 9 && !kinds.includes("ssn") && redactText(`ssn ${only}`, settings).kinds.includes("ssn")) kinds.push("ssn");
  return kinds;
}
