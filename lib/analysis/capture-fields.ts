import type { z } from "zod";
import type { ZCaptureField } from "@/lib/agents/config";

export type TCaptureField = z.infer<typeof ZCaptureField>;

type TKind = "name" | "phone" | "email" | "date" | "time" | "text";

// What sort of value a field holds, read from its key, label and description ("callback_number", "Email").
export function fieldKind(field: TCaptureField): TKind {
  const about = `${field.key.replace(/_/g, " ")} ${field.label}`.toLowerCase();
  const described = field.description.toLowerCase();
  const test = (re: RegExp) => re.test(about) || (!/\b(name|phone|number|email|date|day|time)\b/.test(about) && re.test(described));
  if (test(/\be-?mail\b/)) return "email";
  if (test(/\b(phone|callback|mobile|cell|telephone)\b/)) return "phone";
  if (test(/\bname\b/)) return "name";
  if (test(/\b(date|day|birthday|dob)\b/)) return "date";
  if (test(/\btime\b/)) return "time";
  return "text";
}

const NOT_NAMES = new Set(
  "calling looking trying wondering just not here interested having going hoping sorry fine good ok okay the a an from with about in on at".split(" "),
);

function titleCase(words: string[]): string {
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

function findName(text: string): string | null {
  const candidates: string[] = [];
  const explicit = /\b(?:my name is|my name's|name is)\s+([A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'-]*){0,2})/i.exec(text);
  if (explicit) candidates.push(explicit[1]!);
  // "This is Anna" / "I'm Anna" are names; "this is ridiculous", "I'm calling about" are not: these need a capital.
  const introduced = /\b(?:[Tt]his is|[Ii]t's|[Ii]t is|I'm|I am)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)/.exec(text);
  if (introduced) candidates.push(introduced[1]!);
  for (const candidate of candidates) {
    const words: string[] = [];
    for (const word of candidate.split(/\s+/)) {
      if (NOT_NAMES.has(word.toLowerCase()) || /^(and|calling|i|from|about|speaking)$/i.test(word)) break;
      words.push(word.toLowerCase());
    }
    if (words.length > 0) return titleCase(words);
  }
  return null;
}

const WORD_DIGITS: Record<string, string> = { zero: "0", oh: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9" };

function findPhone(text: string): string | null {
  const spoken = text.replace(/\b(zero|oh|one|two|three|four|five|six|seven|eight|nine)\b/gi, (w) => WORD_DIGITS[w.toLowerCase()]!);
  const match = /(\+?\d[\d\s().-]{5,}\d)/.exec(spoken);
  if (!match) return null;
  const digits = match[1]!.replace(/[^\d+]/g, "");
  return digits.replace(/\+/g, "").length >= 7 ? digits : null;
}

function findEmail(text: string): string | null {
  const written = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/.exec(text);
  if (written) return written[0].toLowerCase();
  const spoken = /\b([a-z0-9._-]+)\s+at\s+([a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)\b/i.exec(text);
  if (!spoken) return null;
  return `${spoken[1]}@${spoken[2]!.replace(/\s+dot\s+/gi, ".")}`.toLowerCase();
}

const MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";
const DATE_PATTERNS = [
  new RegExp(`\\b(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?\\b`, "i"),
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTHS})(?:\\s+\\d{4})?\\b`, "i"),
  /\b\d{4}-\d{2}-\d{2}\b/,
  /\b\d{1,2}\/\d{1,2}(?:\/\d{2,4})?\b/,
  /\b(?:next\s+|this\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/i,
  /\b(?:today|tomorrow|the day after tomorrow)\b/i,
];

function findDate(text: string): string | null {
  for (const re of DATE_PATTERNS) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  return null;
}

function findTime(text: string): string | null {
  const m = /\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b|\b(?:noon|midday|midnight)\b/i.exec(text);
  return m ? m[0] : null;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// "my order number is 12345" for a field labelled "Order number": whatever follows the field's own words.
function findLabelled(text: string, field: TCaptureField): string | null {
  const phrases = [...new Set([field.label, field.key.replace(/_/g, " ")].map((p) => p.trim().toLowerCase()).filter(Boolean))];
  for (const phrase of phrases) {
    const re = new RegExp(`\\b${escape(phrase)}\\s*(?:is|was|would be|:|-|of)?\\s+([^.,;!?]{1,80})`, "i");
    const m = re.exec(text);
    const value = m?.[1]?.split(/\s+(?:and|but|so|because|or|then)\s+/i)[0]?.trim().split(/\s+/).slice(0, 8).join(" ");
    if (value && !/^(is|was|the|a|an)$/i.test(value)) return value;
  }
  return null;
}

// Values for the agent's capture fields, from what the caller said (first mention wins, since later turns tend to
// be confirmations). Fields nobody mentioned are left out.
export function extractCaptureFields(callerTexts: string[], fields: TCaptureField[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const kind = fieldKind(field);
    for (const text of callerTexts) {
      const value =
        kind === "name"
          ? findName(text)
          : kind === "phone"
            ? findPhone(text)
            : kind === "email"
              ? findEmail(text)
              : kind === "date"
                ? findDate(text)
                : kind === "time"
                  ? findTime(text)
                  : findLabelled(text, field);
      if (value) {
        out[field.key] = value;
        break;
      }
    }
  }
  return out;
}

// A stored message's text: what the caller wants, then "key: value" lines for the capture fields the agent
// collected with it (lib/calls/take-message.ts).
export function parseStoredMessage(text: string): { body: string; details: Record<string, string> } {
  const [body = "", ...rest] = text.split(/\n\s*\n/);
  const details: Record<string, string> = {};
  for (const line of rest.join("\n").split("\n")) {
    const m = /^([a-z][a-z0-9_]{0,39}):\s*(.+)$/.exec(line.trim());
    if (m) details[m[1]!] = m[2]!.trim();
  }
  return { body: body.trim(), details };
}

const ABOUT_FIELD = /\b(reason|message|about|purpose|need|needs|request|issue|enquiry|inquiry|regarding|details|subject|concern)\b/;

// Capture field values from the messages the agent took (the latest wins): the name, number and reason it confirmed
// with the caller beat a guess from the transcript. With no field of that sort configured, the name, callback number
// and message still show (as caller_name, callback_number, message), since the message holds them.
export function fieldsFromMessages(messages: readonly { callerName: string; callbackNumber: string; message: string }[], fields: TCaptureField[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const stored of messages) {
    const { body, details } = parseStoredMessage(stored.message);
    const name = stored.callerName.trim();
    const number = stored.callbackNumber.trim();
    let hasName = false;
    let hasNumber = false;
    let hasAbout = false;
    for (const field of fields) {
      const kind = fieldKind(field);
      const about = `${field.key.replace(/_/g, " ")} ${field.label} ${field.description}`.toLowerCase();
      if (details[field.key]) out[field.key] = details[field.key]!;
      else if (kind === "name" && name) out[field.key] = name;
      else if (kind === "phone" && number) out[field.key] = number;
      else if (kind === "text" && body && ABOUT_FIELD.test(about)) out[field.key] = body;
      hasName ||= kind === "name";
      hasNumber ||= kind === "phone";
      hasAbout ||= kind === "text" && ABOUT_FIELD.test(about);
    }
    if (!hasName && name) out.caller_name = name;
    if (!hasNumber && number) out.callback_number = number;
    if (!hasAbout && body) out.message = body;
  }
  return out;
}
