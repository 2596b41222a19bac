import type { TAgentConfig, TRecordingMode } from "@/lib/agents/config";

// Whether this call is recorded, from the agent's recording mode (issue 13):
//   record         the recorder runs from the first frame;
//   do_not_record  the recorder never starts;
//   ask_consent    the recorder starts only once the caller agreed, by saying yes or pressing 1, after the
//                  disclosure asked. Anything else (no, another request, silence, a hang-up) leaves the call
//                  unrecorded. Audio from before the answer is never captured: the recording starts at the yes
//                  (aligned on the stream's clock, so turn offsets still point into it; the start reads as silence).
// The caller's first answer decides; the timeline keeps what it was and how it was given.

export type TConsentAnswer = "yes" | "no";
export type TConsentVia = "speech" | "keypad" | "other_request" | "hang_up";
export type TConsentState = "recording" | "off" | "asking" | "given" | "declined";

export const CONSENT_LINES = {
  // Said after the disclosure when it does not already tell the caller how to answer.
  prompt: "To allow recording, say yes or press 1.",
  given: "Thank you, this call will be recorded. How can I help you?",
  declined: "No problem, this call will not be recorded. How can I help you?",
};

// Phrases that read as negative word by word but mean yes.
const YES_DESPITE_NEGATIVE = /\b(no problem|no problems|no worries|not a problem|(i )?(don't|do not) mind|why not)\b/g;
const NEGATIVE = new Set(["no", "nope", "nah", "not", "don't", "dont", "never", "rather", "object", "refuse", "decline", "stop", "negative"]);
const AFFIRMATIVE = [
  "yes", "yeah", "yep", "yup", "yea", "sure", "okay", "ok", "alright", "all right", "fine", "of course", "absolutely",
  "certainly", "definitely", "correct", "go ahead", "please do", "i agree", "agreed", "i consent", "you can", "you may",
  "sounds good", "perfect", "that's right",
];
// Words an answer may consist of ("yes please", "sure go ahead you can record it", "no thank you"): a turn made of
// nothing else is only the answer and gets a short acknowledgement instead of a reply from the model.
const ANSWER_WORDS = new Set(
  (
    "yes yeah yep yup yea sure okay ok alright all right fine of course absolutely certainly definitely correct go ahead " +
    "please do that's that thats is it i agree agreed consent you can may record recording recorded this the call me " +
    "with sounds good perfect no nope nah not don't dont rather i'd would prefer object thanks thank well um uh oh " +
    "problem problems worries mind why be to and so just a"
  ).split(" "),
);
// How far into a turn the answer is looked for ("um, well, yes, go ahead").
const ANSWER_WINDOW_WORDS = 6;

function normalize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

// What a caller turn says about recording: yes, no, or nothing (another request); and whether it is only that.
export function consentAnswerOf(text: string): { answer: TConsentAnswer | null; isOnlyAnswer: boolean } {
  const words = normalize(text);
  if (words.length === 0) return { answer: null, isOnlyAnswer: false };
  const isOnlyAnswer = words.every((w) => ANSWER_WORDS.has(w));
  const head = words.slice(0, ANSWER_WINDOW_WORDS).join(" ");
  const yesMarked = head.replace(YES_DESPITE_NEGATIVE, "yes");
  // A negative anywhere near the start wins: consent must be clear, and a wrong "no" only leaves a call unrecorded.
  if (yesMarked.split(" ").some((w) => NEGATIVE.has(w))) return { answer: "no", isOnlyAnswer };
  const padded = ` ${yesMarked} `;
  if (AFFIRMATIVE.some((phrase) => padded.includes(` ${phrase} `))) return { answer: "yes", isOnlyAnswer };
  return { answer: null, isOnlyAnswer: false };
}

// The line that asks, when the business's disclosure does not already say how to answer.
export function consentPromptFor(config: Pick<TAgentConfig, "recordingMode" | "disclosure">): string {
  if (config.recordingMode !== "ask_consent") return "";
  const disclosure = config.disclosure.toLowerCase();
  const isAsking = /\byes\b/.test(disclosure) && /\bpress(ing)? (1|one)\b/.test(disclosure);
  return isAsking ? "" : CONSENT_LINES.prompt;
}

// Lines the offline recognizer must know while the answer is awaited (voice-server/session/stt-phrases.ts).
export const CONSENT_PHRASES = [
  "yes you can record", "yes you may record", "yes that's fine", "that's fine", "sure go ahead", "go ahead",
  "yes i agree", "i agree", "i consent", "you can record", "you can record the call", "i don't mind",
  "no don't record", "please don't record", "don't record", "don't record this call", "no i don't agree",
  "i'd rather not", "no recording please", "no thanks",
];

export type TConsentDeps = {
  mode: TRecordingMode;
  // Starts the recorder (idempotent on the session's side).
  startRecording(): void;
  // Puts what was decided on the call's timeline.
  note(name: "recording_consent" | "recording_off", data: Record<string, unknown>): void;
};

export class RecordingConsent {
  private state: TConsentState;

  constructor(private readonly deps: TConsentDeps) {
    this.state = deps.mode === "record" ? "recording" : deps.mode === "do_not_record" ? "off" : "asking";
  }

  get current(): TConsentState {
    return this.state;
  }

  get isAsking(): boolean {
    return this.state === "asking";
  }

  get isRecording(): boolean {
    return this.state === "recording" || this.state === "given";
  }

  // At the start of the call: a recording agent records from the first frame; the others say why not yet.
  begin(): void {
    if (this.state === "recording") this.deps.startRecording();
    else if (this.state === "off") this.deps.note("recording_off", { reason: "do_not_record" });
  }

  // A caller turn while the answer is awaited decides it. Returns the acknowledgement to say when the turn was
  // nothing but the answer; null when the turn goes on to the model as usual (or nothing was awaited).
  heard(text: string): string | null {
    if (this.state !== "asking") return null;
    const { answer, isOnlyAnswer } = consentAnswerOf(text);
    if (answer === null) {
      this.decide("no", "other_request", null);
      return null;
    }
    this.decide(answer, "speech", answer);
    if (!isOnlyAnswer) return null;
    return answer === "yes" ? CONSENT_LINES.given : CONSENT_LINES.declined;
  }

  // A key pressed while the answer is awaited: 1 agrees, any other key declines. Returns the acknowledgement
  // (the key is then the answer, not input for the model), or null when no answer was awaited.
  key(digit: string): string | null {
    if (this.state !== "asking") return null;
    const answer: TConsentAnswer = digit === "1" ? "yes" : "no";
    this.decide(answer, "keypad", answer);
    return answer === "yes" ? CONSENT_LINES.given : CONSENT_LINES.declined;
  }

  // The call ends: a question never answered is a no.
  end(): void {
    if (this.state === "asking") this.decide("no", "hang_up", null);
  }

  private decide(outcome: TConsentAnswer, via: TConsentVia, answer: TConsentAnswer | null): void {
    this.state = outcome === "yes" ? "given" : "declined";
    if (outcome === "yes") this.deps.startRecording();
    this.deps.note("recording_consent", { answer: answer ?? "none", via, isRecorded: outcome === "yes" });
  }
}
