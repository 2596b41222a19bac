// What a caller says before the question itself: a greeting, small talk, who they are and how they frame the
// question ("Hi, hope you're well, this is Dana, I'm calling to see if ..."). Retrieval and routing read what is
// left, so the framing's own words ("hope", "well", "Dana", "see") neither dilute nor mislead what the question is
// about. Patterns run on normalizeText() output.
import { normalizeText } from "./text";

const GREETING = String.raw`(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day)|morning|afternoon|evening)(?: there| folks| guys)?`;
const SMALL_TALK = [
  GREETING,
  String.raw`how are you(?: doing| going)?(?: today| this (?:morning|afternoon|evening))?`,
  String.raw`how is it going|how is your day(?: going)?|how are things`,
  String.raw`(?:i )?hope (?:you|your|all|everything)\b[a-z ]{0,30}?(?:well|good|great|fine|okay|day|morning|afternoon|week|weekend)`,
  String.raw`(?:i am )?sorry to (?:bother|trouble|disturb) you(?: but)?|sorry (?:i am|for) calling (?:so )?(?:early|late)`,
  String.raw`(?:sorry )?i am (?:driving|in the car|at work|on my break|on the road)(?: right now| at the moment)?`,
  String.raw`(?:i have a |just a |a )?quick question|i have a question(?: for you)?|one question|real quick|okay so|so um|um|uh|well`,
  String.raw`thanks for (?:picking up|answering|taking my call)`,
  // What joins the preamble to the question.
  String.raw`and|so|but|also|anyway|anyways`,
];
// Self-introductions: only as a clause of their own, or followed by how the caller goes on ("this is Dana, I'm
// calling ..."), since "this is about my bill" is the question itself.
const NOT_NAMES = "a|an|the|my|your|our|about|regarding|for|urgent|important|an emergency|not|really|very|so|just|calling|it|this|that|what|where|when|how|why|who|which";
const INTRODUCTION = String.raw`(?:this is|my name is) (?!(?:${NOT_NAMES})\b)(?:(?:mrs|mr|ms|miss|dr|doctor) )?[a-z]+(?: (?!(?:${NOT_NAMES})\b)[a-z]+)?`;
const GOES_ON = String.raw`(?=\s+(?:i am|i was|i need|i wanted|i would|i have|and|calling|from|i just)\b)`;
const FRAMES = [
  String.raw`(?:i am |i was )?(?:just )?calling (?:to (?:see|check|find out|ask)|because|about|in regards? to|regarding)?(?: if| whether| about)?`,
  String.raw`i (?:was|am) (?:just )?(?:wondering|curious)(?: if| whether| about)?`,
  String.raw`(?:can|could|would) you (?:please )?(?:tell|let) me(?: know)?(?: if| whether)?`,
  String.raw`do you (?:happen to )?know(?: if| whether)?`,
  String.raw`i (?:would like|want|wanted|need|needed) to (?:know|ask|find out|check)(?: if| whether| about)?`,
];

const LEADING = new RegExp(`^(?:${[...SMALL_TALK, ...FRAMES].join("|")})\\b\\s*`);
const INTRO_LEADING = new RegExp(`^${INTRODUCTION}${GOES_ON}\\s*`);
const WHOLE_CLAUSE = new RegExp(`^(?:${[...SMALL_TALK, INTRODUCTION].join("|")})$`);

function stripLeading(clause: string): string {
  let t = clause;
  for (let i = 0; i < 8; i++) {
    const next = t.replace(LEADING, "").replace(INTRO_LEADING, "").trim();
    if (next === t) break;
    t = next;
  }
  return t;
}

// The caller's line without what comes before the question, normalised; the whole line when nothing would be
// left (a line that is only small talk is answered as small talk).
export function withoutPreamble(raw: string): string {
  const clauses = raw
    .split(/[,.!?;:]+(?:\s|$)/)
    .map((c) => normalizeText(c))
    .filter((c) => c !== "");
  while (clauses.length > 1 && WHOLE_CLAUSE.test(clauses[0] ?? "")) clauses.shift();
  const first = clauses.length > 0 ? stripLeading(clauses[0] ?? "") : "";
  const rest = [first, ...clauses.slice(1)].filter((c) => c !== "").join(" ");
  return rest === "" ? normalizeText(raw) : rest;
}
