import type { TExpectation, TExpectationResult, TResultLatencies, TResultTurn } from "./types";

// Deterministic checks: each expectation against what the scenario's call actually did, with a reason a person
// can act on (what was expected, what happened instead).

export type TObservedCall = {
  turns: TResultTurn[];
  // Departments the call was transferred to (the transfer event names them).
  transfers: string[];
  messages: { callerName: string; callbackNumber: string; message: string }[];
  endReason: string | null;
  latencies: TResultLatencies;
};

const GOODBYES = ["goodbye", "good bye", "bye", "have a great day", "have a good day", "have a nice day", "take care", "thanks for calling", "thank you for calling"];

export function normalize(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

// Whole-word containment on normalized text: "9" does not match "19", "Cigna" matches "cigna,".
export function mentions(text: string, phrase: string): boolean {
  const p = normalize(phrase);
  if (!p) return false;
  return ` ${normalize(text)} `.includes(` ${p} `);
}

const quote = (text: string, max = 120) => `"${text.length > max ? `${text.slice(0, max - 1)}…` : text}"`;
const listOf = (phrases: string[]) => phrases.map((p) => quote(p)).join(" or ");

export function checkExpectation(expectation: TExpectation, call: TObservedCall): TExpectationResult {
  const agentTurns = call.turns.filter((t) => t.speaker === "agent");
  const result = (passed: boolean, reason: string): TExpectationResult => ({ expectation, passed, reason });
  switch (expectation.kind) {
    case "mentions": {
      const hit = agentTurns.find((t) => expectation.anyOf.some((p) => mentions(t.text, p)));
      if (hit) return result(true, `The agent said ${quote(hit.text)}.`);
      const said = agentTurns.filter((t) => t.text.trim()).map((t) => quote(t.text, 80));
      return result(false, `No reply mentioned ${listOf(expectation.anyOf)}. The agent said: ${said.length ? said.join(" / ") : "nothing"}.`);
    }
    case "avoids": {
      for (const turn of agentTurns) {
        const phrase = expectation.anyOf.find((p) => mentions(turn.text, p));
        if (phrase) return result(false, `The agent mentioned ${quote(phrase)}: ${quote(turn.text)}.`);
      }
      return result(true, `No reply mentioned ${listOf(expectation.anyOf)}.`);
    }
    case "transfer": {
      const wanted = normalize(expectation.department);
      if (call.transfers.some((d) => normalize(d) === wanted)) return result(true, `The call was transferred to ${quote(expectation.department)}.`);
      if (call.transfers.length > 0) return result(false, `The call was transferred to ${listOf(call.transfers)}, not ${quote(expectation.department)}.`);
      return result(false, `The call was not transferred (it ended: ${call.endReason ?? "still open"}).`);
    }
    case "message": {
      if (call.messages.length === 0) return result(false, "No message was stored.");
      const digits = (s: string) => s.replace(/\D/g, "");
      const misses: string[] = [];
      const match = call.messages.find((m) => {
        const checks: [string, boolean][] = [];
        if (expectation.name) checks.push([`name ${quote(m.callerName)} does not contain ${quote(expectation.name)}`, normalize(m.callerName).includes(normalize(expectation.name))]);
        if (expectation.callbackNumber) {
          const want = digits(expectation.callbackNumber);
          checks.push([`callback number ${quote(m.callbackNumber)} is not ${quote(expectation.callbackNumber)}`, !!want && digits(m.callbackNumber).endsWith(want)]);
        }
        if (expectation.contains) checks.push([`message ${quote(m.message)} does not mention ${quote(expectation.contains)}`, normalize(m.message).includes(normalize(expectation.contains))]);
        const failed = checks.filter(([, ok]) => !ok).map(([why]) => why);
        if (failed.length === 0) return true;
        misses.push(failed.join("; "));
        return false;
      });
      if (match) return result(true, `A message was stored (name ${quote(match.callerName)}, number ${quote(match.callbackNumber)}).`);
      return result(false, `A message was stored, but its ${misses.join(" | ")}.`);
    }
    case "ended_politely": {
      if (call.endReason !== "agent_end_call") return result(false, `The agent did not end the call (it ended: ${call.endReason ?? "still open"}).`);
      const last = [...agentTurns].reverse().find((t) => t.text.trim());
      if (last && GOODBYES.some((g) => mentions(last.text, g))) return result(true, `The agent ended the call with ${quote(last.text)}.`);
      return result(false, `The agent ended the call without a goodbye${last ? `; its last words were ${quote(last.text)}` : ""}.`);
    }
    case "max_dead_air": {
      const limitMs = expectation.seconds * 1000;
      const waits = call.latencies.replyMs;
      const unanswered = waits.findIndex((ms) => ms === null);
      if (unanswered >= 0) return result(false, `Caller turn ${unanswered + 1} got no reply at all (dead air).`);
      const worst = Math.max(0, ...waits.map((ms) => ms ?? 0));
      if (worst > limitMs) return result(false, `The longest wait for a reply was ${(worst / 1000).toFixed(1)} s, over ${expectation.seconds} s.`);
      return result(true, `The longest wait for a reply was ${(worst / 1000).toFixed(1)} s.`);
    }
    case "max_turns": {
      const count = call.turns.filter((t) => t.speaker !== "event").length;
      if (count > expectation.turns) return result(false, `The call took ${count} turns, over ${expectation.turns}.`);
      return result(true, `The call took ${count} turns.`);
    }
    case "judge":
      // Judge instructions go through lib/evals/judge.ts (checkScenario); reaching here means nobody judged it.
      return result(false, "The judge instruction was not evaluated.");
  }
}

export function checkAll(expectations: TExpectation[], call: TObservedCall): TExpectationResult[] {
  return expectations.map((e) => checkExpectation(e, call));
}
