// Answering a question from the business's own facts: which knowledge entry answers the line (a follow-up read
// with the line before it, a price by what it is the price of), and whether the hours or that entry answer it.
import { departmentByDescription } from "./departments";
import { hoursAnswer, requestedDays } from "./hours";
import { HOURS_INTENT, LOCATION_INTENT } from "./intents";
import {
  HOURS_OVERRIDE_CONFIDENCE,
  answerText,
  retrieve,
  retrieveByName,
  retrieveByTopic,
  sharesAWord,
  type TRetrieval,
} from "./knowledge";
import { expandParaphrases } from "./paraphrase";
import { priceSubject } from "./prices";
import { routingConceptsOf } from "./routing";
import { anythingElse, type TContext, type TReply, type TState } from "./state";
import { contentWords, normalizeText, STOP_WORDS } from "./text";

const FOLLOW_UP = /^(?:(?:and|so|ok|okay|oh|hmm|right) )*(?:what|how) about\b|\b(?:it|they|them|those|these|that one|those ones)\b/;

// A time of day as written in a business's documents: "9am", "5:30 pm", "17:00", "noon", "midnight".
const CLOCK_TIME = /\b\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b|\b(noon|midday|midnight)\b/i;

// "And Sunday?", "what about on the weekend": a day and nothing else.
const DAY_ONLY =
  /^(?:(?:and|so|ok|okay|oh|what|how|about|on|the|for|is|are|you|open|this|next)\s+)*(?:(?:sun|mon|tues|wednes|thurs|fri|satur)days?|weekends?|today|tomorrow|tonight)$/;

// normalized: the whole line as heard (with everyday phrasings expanded); withoutGreeting: the question without
// the greeting and introductions before it; recentCaller: the caller's line before this one.
export type TQuestion = { normalized: string; withoutGreeting: string; recentCaller: string };

// followUp: "What about Humana?", "how much are they?" read together with the caller's line before it.
export type TLookup = { retrieval: TRetrieval | null; followUp: string | null };

export function lookUp(ctx: TContext, q: TQuestion): TLookup {
  const { normalized, withoutGreeting, recentCaller } = q;
  const followUp =
    recentCaller !== "" && FOLLOW_UP.test(withoutGreeting) && contentWords(withoutGreeting).length <= 2
      ? `${withoutGreeting} ${expandParaphrases(recentCaller)}`
      : null;
  let retrieval =
    (followUp === null ? retrieve(ctx.index, withoutGreeting) : retrieve(ctx.index, followUp)) ??
    // "What about United?" after the insurers were listed: the same entry answers it, whatever it says.
    (followUp !== null && /\babout\b/.test(withoutGreeting) && !HOURS_INTENT.test(recentCaller)
      ? retrieve(ctx.index, expandParaphrases(recentCaller))
      : null) ??
    (LOCATION_INTENT.test(normalized)
      ? (retrieve(ctx.index, `${withoutGreeting} address location`) ?? retrieve(ctx.index, "where address location"))
      : null);
  // "How much would I pay for a cleaning without insurance?": the price of the thing named after "for", read on its
  // own when the whole line found nothing.
  const priceOf = retrieval === null ? priceSubject(withoutGreeting) : null;
  // The thing's last word names it ("a regular teeth cleaning" is a cleaning) when the whole phrase finds nothing.
  if (priceOf) retrieval = retrieve(ctx.index, `price ${priceOf}`) ?? retrieve(ctx.index, `price ${priceOf.split(" ").at(-1) ?? ""}`);
  // An entry reached only through a broad concept ("my invoice" finds "How can I pay?" through "payment") gives
  // way to a department whose "when to transfer" text has the caller's own word ("Invoices, payments or refunds").
  if (retrieval && !sharesAWord(retrieval, withoutGreeting)) {
    const described = departmentByDescription(ctx, normalized);
    const entry = described && ctx.index.departments.find((d) => d.department === described);
    // Only a word that says what kind of call this is ("invoice"), not one in passing ("office").
    const named = (w: { stem: string }) => entry?.terms.has(w.stem) && routingConceptsOf(w.stem).length > 0;
    if (entry && contentWords(withoutGreeting).some(named)) retrieval = null;
  }
  // The caller says what a department's "when to transfer" text says, in its own two words ("I'm running late"
  // and "running late for today's appointment"), while the entry found shares one of them ("late cancellations").
  if (retrieval && departmentPhraseIn(ctx, normalized, normalizeText(retrieval.passage.sentences.join(" ")))) retrieval = null;
  return { retrieval, followUp };
}

function departmentPhraseIn(ctx: TContext, normalized: string, passageText: string): boolean {
  const tokens = normalized.split(" ");
  const pairs: string[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!STOP_WORDS.has(tokens[i]!) && !STOP_WORDS.has(tokens[i + 1]!)) pairs.push(` ${tokens[i]} ${tokens[i + 1]} `);
  }
  if (pairs.length === 0) return false;
  const passage = ` ${passageText} `;
  return ctx.snapshot.departments.some((d) => {
    const text = ` ${normalizeText(d.whenToTransfer)} `;
    return pairs.some((pair) => text.includes(pair) && !passage.includes(pair));
  });
}

// The answer from the hours or the knowledge, or null when neither answers the line.
export function answerFromFacts(state: TState, ctx: TContext, q: TQuestion, found: TLookup, lastAgent: string | undefined): [TState, TReply] | null {
  const { normalized, withoutGreeting, recentCaller } = q;
  const { retrieval, followUp } = found;
  // "What about Saturday?" right after asking the hours is asking the hours.
  const afterHours = HOURS_INTENT.test(recentCaller) || /\b(we are open|we are closed|open from)\b/.test(normalizeText(lastAgent ?? ""));
  const isHoursQuestion =
    HOURS_INTENT.test(normalized) ||
    (afterHours && (followUp !== null || DAY_ONLY.test(withoutGreeting)) && requestedDays(normalized, undefined) !== null);
  const hoursEnabled = ctx.snapshot.config.businessHours.isEnabled;
  // With hours configured, knowledge only wins when it answers this exact question ("weekend hours" for
  // "open on Saturday"), never for "are you open now" or a general "when are you open, which days"; and a document
  // only when it gives times ("we close at noon on Christmas Eve"), since "our office is open Monday to Friday" in
  // an About page does not say when the office closes today.
  const knowledgeBeatsHours =
    retrieval !== null &&
    retrieval.coverage >= HOURS_OVERRIDE_CONFIDENCE &&
    retrieval.questionCoverage >= 0.6 &&
    (retrieval.passage.kind === "qa" || CLOCK_TIME.test(retrieval.passage.sentences.join(" "))) &&
    requestedDays(normalized, undefined) !== "now";
  if (retrieval && (!isHoursQuestion || !hoursEnabled || knowledgeBeatsHours)) {
    return anythingElse(state, [answerText(retrieval, withoutGreeting)], { knowledgeIds: [retrieval.passage.itemId] });
  }
  if (isHoursQuestion && hoursEnabled) return anythingElse(state, hoursAnswer(ctx, normalized));
  // Nothing covered enough of the line, but it names something the knowledge names ("Aetna", "Larkspur"), or its
  // known words point at one entry.
  const byName = retrieval ? null : (retrieveByName(ctx.index, withoutGreeting) ?? retrieveByTopic(ctx.index, withoutGreeting));
  if (byName) return anythingElse(state, [answerText(byName, withoutGreeting)], { knowledgeIds: [byName.passage.itemId] });
  return null;
}
