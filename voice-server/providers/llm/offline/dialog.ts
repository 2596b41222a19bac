// The dialog policy: one caller line in, the next state and reply out. understand() is the order in which a line
// is read; each decision lives in its own file (appointments, prices, answers, urgency, fallbacks, ...). Events
// are in events.ts, tool results in tool-results.ts.
import { departmentByName, handleTransferRequest, transferTo } from "./departments";
import { HISTORY, HUMAN_REQUEST, IDENTITY, LEAVE_MESSAGE, REPEAT, STRONG_HUMAN, TRANSFER_VERB, isGoodbye, isThanks, isAffirmative, isNegative, isOnlyNumbers } from "./intents";
import { answerFromFacts, lookUp } from "./answers";
import { offerBookingTransfer, readRequest, takeBookingAsMessage } from "./appointments";
import { describedDepartment, notSure, redirect, sayAgain } from "./fallbacks";
import { departmentForMatter } from "./matter";
import { onSlotAnswer, startMessage } from "./message";
import { answerToPending } from "./pending-answers";
import { expandParaphrases } from "./paraphrase";
import { withoutPreamble } from "./preamble";
import { repairedLine } from "./repair";
import { soundsUrgent } from "./routing";
import { asksAboutAnotherPlace, foreignWord, isOffTopic, isOutOfScope } from "./scope";
import { greetingReply, introduce, lookUpHistory } from "./small-talk";
import { parseName } from "./spoken-input";
import { anythingElse, goodbye, offerMessage, type TContext, type TReply, type TState } from "./state";
import { FILLERS, contentWords, normalizeText } from "./text";
import { emergencyReply, readUrgency } from "./urgency";

// A caller line. When it makes no sense as heard, it is tried once more with sound-alike, misspelt or split words
// replaced by this agent's own words ("do you take sigma" -> "cigna"); the repaired reading is only used when it
// makes sense, so a line that was understood is never rewritten and one that wasn't gets the same fallback.
export function onCaller(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const [next, reply] = onCallerOnce(state, ctx, raw, recentCaller);
  if (!reply.isUnheard) return [{ ...next, unheard: 0 }, reply];
  // Asked once to say it again; the second time in a row, the caller is offered a way on rather than a third "sorry?"
  // (answers to the message's own questions have retries of their own).
  const unheard = (state.unheard ?? 0) + 1;
  if (unheard < 2 || next.pending.kind === "slot") return [{ ...next, unheard }, reply];
  const lead = "Sorry, I'm having trouble hearing you.";
  if (ctx.index.departments.length > 0 && ctx.isOpen !== false) {
    return [
      { ...next, unheard: 0, pending: { kind: "message_or_transfer" } },
      { say: [lead, "I can take a message and have someone call you back, or transfer you to someone who can help. Which would you prefer?"] },
    ];
  }
  const [offered, offer] = offerMessage({ ...next, unheard: 0 }, [lead]);
  return [offered, offer];
}

function onCallerOnce(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const first = understand(state, ctx, raw, recentCaller);
  if (!first[1].isFallback) return first;
  const repaired = repairedLine(ctx.snapshot, normalizeText(raw));
  if (repaired === null) return first;
  const second = understand(state, ctx, repaired, recentCaller);
  return second[1].isFallback ? first : second;
}

const ALL_DONE = /^(that is all|that is it|that will be all|nothing else|i am all set|that is everything)\b/;

function understand(state: TState, ctx: TContext, raw: string, recentCaller: string): [TState, TReply] {
  const heard = normalizeText(raw);
  // Everyday phrasings ("fit me in") carry the plain word too; an answer to a slot is read as said.
  const normalized = expandParaphrases(heard);
  const tokens = heard.split(" ").filter((t) => t !== "");
  if (tokens.length === 0 || tokens.every((t) => FILLERS.has(t))) {
    return sayAgain(state, "Sorry, I didn't catch that. Could you say it again?");
  }
  // Said again word for word, and nothing else changes: a question the agent asked is still open.
  if (REPEAT.test(heard)) return [state, { say: [state.lastAgent ?? ctx.snapshot.config.greeting] }];
  const stems = contentWords(normalized).map((w) => w.stem);
  // Once the caller has described an emergency, a message they leave later in the call is urgent too.
  if (!state.urgent && soundsUrgent(normalized, stems)) state = { ...state, urgent: true };

  // 1. An answer to the message's own questions (name, number, what it is about).
  const pending = state.pending;
  if (pending.kind === "slot") return onSlotAnswer(state, ctx, pending, raw, heard, onCaller);

  // 2. An answer to the question the agent asked last.
  const knownName = /\b(my name is|my name's)\b/i.test(raw) ? (parseName(raw) ?? state.knownName) : state.knownName;
  state = { ...state, knownName };
  const wantsMessage = LEAVE_MESSAGE.test(normalized) || /\bmessage\b/.test(normalized);
  const wantsTransfer =
    STRONG_HUMAN.test(normalized) ||
    TRANSFER_VERB.test(normalized) ||
    HUMAN_REQUEST.test(normalized) ||
    /\b(transfer|put me through)\b/.test(normalized);
  const answer = answerToPending(state, ctx, { raw, normalized, recentCaller, wantsMessage, wantsTransfer });
  if (answer) return answer;
  state = { ...state, pending: { kind: "none" } };

  // 3. Requests about the call itself: leaving, a message, a person, who the agent is, earlier calls.
  if (isGoodbye(normalized)) return goodbye(state, ctx);
  if (isThanks(normalized)) return anythingElse(state, ["You're welcome!"]);
  if (ALL_DONE.test(normalized)) return goodbye(state, ctx);
  if (wantsMessage && LEAVE_MESSAGE.test(normalized)) return startMessage(state, ctx, raw);
  if (IDENTITY.test(normalized)) return introduce(state, ctx);
  if (wantsTransfer) return handleTransferRequest(state, ctx, normalized, recentCaller);
  if (HISTORY.test(normalized)) return lookUpHistory(state, raw);
  if (wantsMessage) return startMessage(state, ctx, raw);

  // The question without the greeting, small talk and introductions before it ("hi, this is Dana, I was
  // wondering ..."): what retrieval and the scope check read.
  const withoutGreeting = expandParaphrases(withoutPreamble(raw))
    .replace(/^(hi|hello|hey|good (morning|afternoon|evening))( there)?\s*/, "")
    .trim();
  const greeted = greetingReply(state, normalized, withoutGreeting);
  if (greeted) return greeted;

  // 4. An emergency goes straight to the line that handles it, before any knowledge answer that shares a word.
  const question = { normalized, withoutGreeting, recentCaller };
  const found = lookUp(ctx, question);
  const emergency = emergencyReply(state, ctx, raw, normalized, readUrgency(ctx, normalized, stems), found.retrieval);
  if (emergency) return emergency;

  // 5. A bare department name ("Billing, please") is a transfer request; "where can I park" is not one for "Parking".
  const named = departmentByName(ctx, normalized);
  const namedEntry = named && ctx.index.departments.find((d) => d.department === named);
  if (namedEntry && contentWords(normalized).every((w) => namedEntry.nameStems.includes(w.stem))) {
    return handleTransferRequest(state, ctx, normalized, recentCaller);
  }

  // 6. Booking, moving or cancelling goes to whoever handles appointments.
  const request = readRequest(ctx, raw, normalized, found.retrieval);
  const booking = offerBookingTransfer(state, ctx, request);
  if (booking) return booking;

  // 6b. "I have a question about an invoice", "I'm calling about a refund": the caller names the matter and asks
  // nothing yet. The department whose "when to transfer" text describes that matter takes it, as the business set
  // it up, rather than an entry that shares the word and answers a question nobody asked.
  const handler = ctx.isOpen === false ? undefined : departmentForMatter(ctx, normalized);
  if (handler) return transferTo(state, ctx, handler, `Sure, let me transfer you to ${handler.name.trim()}. They can help with that.`);

  // 7. "Is the bank across the street open?": the hours or an entry sharing a word would answer for this business,
  // but the question is about another place.
  if (asksAboutAnotherPlace(ctx.index, withoutGreeting)) return redirect(state, ctx, false);

  // 8. A booking nobody can be put through for is taken as a message.
  const bookingMessage = takeBookingAsMessage(state, ctx, request);
  if (bookingMessage) return bookingMessage;

  // 9. A line about something this business has nothing to do with ("car insurance claims" at a dental office)
  // is not answered from an entry that shares a word with it: the caller hears what the agent can do instead.
  if (foreignWord(ctx.index, withoutGreeting) !== null) return redirect(state, ctx, false);

  // 10. The hours or the knowledge.
  const facts = answerFromFacts(state, ctx, question, found, state.lastAgent);
  if (facts) return facts;

  // 11. Nothing usable heard (noise read as stray numbers), or a plain yes/no with nothing open.
  if (contentWords(withoutGreeting).length === 0 || isOnlyNumbers(withoutGreeting)) {
    if (isAffirmative(normalized) || isNegative(normalized))
      return [state, { say: ["Okay. How can I help you today?"] }];
    return sayAgain(state, "Sorry, I didn't quite get that. Could you say it another way?");
  }

  // 12. Weather, sports, another business: say so and offer what this line is for, never a guess or silence.
  if (isOutOfScope(ctx.index, withoutGreeting)) return redirect(state, ctx, isOffTopic(withoutGreeting));

  // 13. A department whose "when to transfer" text the line describes is offered; else a message or a person.
  const described = describedDepartment(ctx, normalized);
  if (described && ctx.isOpen !== false) {
    return [
      { ...state, pending: { kind: "confirm_transfer", departmentId: described.id } },
      { say: [`${described.name.trim()} can help with that. Would you like me to transfer you?`] },
    ];
  }
  return notSure(state, ctx, normalized);
}
