// What a log line may carry at info and above. Transcripts and caller numbers are personal data that log
// pipelines copy far and keep long, so they are kept out by three independent rules:
//   1. a field named like personal data or a secret (any depth) is replaced by "[redacted]";
//   2. any string that looks like a phone number (E.164, as Twilio sends them) is masked wherever it appears,
//      error messages and stacks included, so a new field name cannot leak one; so are the parameters that
//      database errors quote;
//   3. `sensitive: {...}` is the place for text a developer may need while debugging: emitted at debug only.
// At debug and trace nothing is removed: those levels are for a developer's own machine.

export const REDACTED = "[redacted]";
export const PHONE_MASK = "[phone]";

const SENSITIVE_EXACT = new Set([
  "text",
  "from",
  "to",
  "number",
  "body",
  "content",
  "prompt",
  "speech",
  "reply",
  "said",
  "heard",
  "message",
  "messages",
  "conversation",
  "digits",
  "twiml",
]);
const SENSITIVE_PART = /transcript|phone|caller|e164|utterance|msisdn|email|password|secret|apikey|authorization|cookie/;
const SENSITIVE_SUFFIX = /(text|number|token|tokens)$/;
// "+15551234567", "+1 (555) 123-4567": a plus, then at least 7 digits with common separators.
const PHONE = /\+\d[\d\s().-]{5,}\d/g;
const MAX_DEPTH = 6;

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  // Latency fields such as llmFirstTokenMs end in "ms" and are figures, not secrets.
  if (k.endsWith("ms") || k.endsWith("count")) return false;
  return SENSITIVE_EXACT.has(k) || SENSITIVE_PART.test(k) || SENSITIVE_SUFFIX.test(k);
}

export function maskPhones(value: string): string {
  return value.replace(PHONE, PHONE_MASK);
}

// Drizzle's query errors end their message with the query's parameters ("Failed query: ...\nparams: a,b"), which
// for a turn write are the transcript itself. The parameters go, in the message and in the stack that repeats it.
const QUERY_PARAMS = /\nparams: [\s\S]*?(?=\n\s+at |$)/;
function maskErrorText(value: string): string {
  return maskPhones(value.replace(QUERY_PARAMS, `\nparams: ${REDACTED}`));
}

type TSerializedError = { type: string; message: string; stack?: string; code?: unknown; cause?: unknown; errors?: unknown[] };

export function serializeError(error: Error, isDebug: boolean, depth = 0): TSerializedError {
  const mask = (s: string | undefined) => (s === undefined || isDebug ? s : maskErrorText(s));
  const out: TSerializedError = { type: error.name, message: mask(error.message) ?? "" };
  if (error.stack) out.stack = mask(error.stack);
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause !== undefined && depth < MAX_DEPTH) out.cause = prepareValue(error.cause, isDebug, depth + 1);
  if (error instanceof AggregateError && depth < MAX_DEPTH) out.errors = error.errors.map((e: unknown) => prepareValue(e, isDebug, depth + 1));
  return out;
}

function prepareValue(value: unknown, isDebug: boolean, depth: number): unknown {
  if (typeof value === "string") return isDebug ? value : maskPhones(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return serializeError(value, isDebug, depth);
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => prepareValue(v, isDebug, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  return prepareFields(value as Record<string, unknown>, isDebug, depth + 1);
}

// A copy of `fields` fit for a line at the given level (isDebug: debug or trace).
export function prepareFields(fields: Record<string, unknown>, isDebug: boolean, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    if (key === "sensitive") {
      if (isDebug) out[key] = prepareValue(value, true, depth);
      continue;
    }
    if (!isDebug && isSensitiveKey(key) && !(value instanceof Error)) {
      out[key] = REDACTED;
      continue;
    }
    out[key] = prepareValue(value, isDebug, depth);
  }
  return out;
}
