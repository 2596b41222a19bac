// The agent's own capture fields ("Service", "Preferred time") read from what the caller already said: a request
// like "I'd like to book a haircut for Friday afternoon" answers both, so neither is asked again, and a time given
// when the service was asked goes where it belongs.

type TField = { key: string; label: string };

const DAY = "(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekends?|weekdays?|today|tonight|tomorrow";
const PART_OF_DAY = "mornings?|afternoons?|evenings?|nights?|noon|midday|lunch ?time|lunch|first thing|end of the day";
const SUFFIX = "(?:am|pm|a\\.m\\.|p\\.m\\.|o'?clock)";
const HOUR_WORD = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";
const CLOCK = `(?:\\d{1,2}(?::\\d{2})?|(?:${HOUR_WORD})(?:\\s+(?:thirty|fifteen|forty five))?)(?:\\s*${SUFFIX})?`;
// One piece of a time: a day, a part of the day, a clock time (with "am"/"pm" or after a preposition), "next week".
const TIME_PIECE = new RegExp(
  [
    `\\b(?:(?:this|next|on|any|every|the)\\s+)?(?:${DAY}|${PART_OF_DAY})\\b`,
    `\\b(?:at|after|before|around|by|from|until|till|between)\\s+${CLOCK}(?:\\s*(?:and|to|-)\\s*${CLOCK})?`,
    `\\b\\d{1,2}(?::\\d{2})?\\s*${SUFFIX}`,
    "\\b(?:next|this|later this|early next)\\s+(?:week|month)\\b",
    "\\bas soon as possible\\b|\\basap\\b",
  ].join("|"),
  "gi",
);
// Words that may sit between two time pieces ("Friday after 2", "Monday or Tuesday morning").
const JOINER = /^[\s,]*(?:or|and|maybe|if possible|preferably|ideally|in the|at|after|before|around|the)?[\s,]*$/i;

export function isTimeField(field: TField): boolean {
  return /\b(time|times|date|dates|day|days|when|availability|slot|schedule)\b/i.test(`${field.key.replace(/_/g, " ")} ${field.label}`);
}

export function isServiceField(field: TField): boolean {
  return /\b(service|services|treatment|procedure|appointment type|type of appointment|reason for visit|visit type)\b/i.test(
    `${field.key.replace(/_/g, " ")} ${field.label}`,
  );
}

// The span of `text` that says when ("Friday afternoon", "Monday after 2 or Tuesday"), or null.
export function timeIn(text: string): string | null {
  const pieces = [...text.matchAll(TIME_PIECE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  if (pieces.length === 0) return null;
  const start = pieces[0]!.start;
  let end = pieces[0]!.end;
  for (const next of pieces.slice(1)) {
    if (!JOINER.test(text.slice(end, next.start))) break;
    end = next.end;
  }
  return text.slice(start, end).trim();
}

// The line is a time and nothing more ("Friday after 2 if possible", "tomorrow morning").
export function isOnlyATime(text: string): boolean {
  const time = timeIn(text);
  if (!time) return false;
  const rest = text
    .replace(time, " ")
    .replace(/\b(?:um+|uh+|er+|oh|well|so|yeah|yes|ok|okay|i think|maybe|probably|if possible|preferably|ideally|please|would be (?:great|good|best|ideal)|works?(?: best| for me)?|is (?:best|good|fine)|that|i'd prefer|i would prefer|i prefer|sometime|any time|anytime)\b/gi, " ")
    .replace(/[^\p{L}\d]+/gu, " ")
    .trim();
  return rest === "";
}

const NOT_A_SERVICE = /^(?:appointment|appointments|time|slot|visit|booking|session|spot|meeting|call|consultation with|table)$/i;

// What a booking request asks to have done: "book a haircut for Friday" -> "haircut", "an appointment for a
// cleaning" -> "cleaning", "get my teeth whitened" is left to the caller to say.
export function serviceIn(text: string): string | null {
  const lower = text.toLowerCase();
  const stop = "(?=\\s+(?:for|on|at|this|next|tomorrow|today|tonight|please|in|with|sometime|around|after|before|if)\\b|[,.?!]|$)";
  const patterns = [
    new RegExp(`\\b(?:appointment|booking|slot|time|visit)\\s+for\\s+(?:a|an|my|the|some)\\s+((?:[a-z'-]+\\s+){0,2}?[a-z'-]+)${stop}`),
    new RegExp(`\\b(?:book|schedule|get|make|set up|arrange|come in for|in for)\\s+(?:me\\s+)?(?:in\\s+)?(?:for\\s+)?(?:a|an|my|the|some)\\s+((?:[a-z'-]+\\s+){0,2}?[a-z'-]+)${stop}`),
  ];
  for (const pattern of patterns) {
    const found = pattern.exec(lower)?.[1]?.trim();
    if (found && !NOT_A_SERVICE.test(found) && !timeIn(found)) return found;
  }
  return null;
}

// Field values the caller's request already gives, by field key.
export function fieldsFromRequest(fields: TField[], request: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = isTimeField(field) ? timeIn(request) : isServiceField(field) ? serviceIn(request) : null;
    if (value) out[field.key] = value;
  }
  return out;
}
