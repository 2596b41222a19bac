import { turnLanguage } from "./languages";
import { phraseTable, tokenize } from "./words";

// Speech heard over the agent. Barge-in stays fast: the session sends `clear` at the caller's onset as before.
// What the caller said in the next fraction of a second then decides what happens next:
// - a backchannel ("uh-huh", "okay", "mm-hmm", "right", "yeah yeah", "I see"; the language's list plus the
//   agent's own phrases) or a lone hesitation ("hmm") -> resume the interrupted sentence from its start;
// - noise: voice activity that the recognizer turns into no words -> resume likewise;
// - anything else (a question, "wait", "actually where are you", any word beyond the list) -> a real
//   interruption: stay quiet, listen, answer. A real interruption is never resumed, so when in doubt the
//   verdict is "interruption".

export type TOverlapKind = "backchannel" | "noise" | "interruption";

export type TBackchannelLexicon = {
  phrases: string[][]; // longest first
  fillers: Set<string>;
  interrupters: Set<string>;
  expansions: Readonly<Record<string, string>>;
};

export const MAX_BACKCHANNEL_PHRASE_LENGTH = 40;

// Built once per language and agent list: a judge is made for every sound over the agent, and building the table
// each time was most of what a judge cost. The tables are only read.
const LEXICONS_MAX = 64;
const lexicons = new Map<string, TBackchannelLexicon>();

// The language's defaults merged with the agent's own list (config.backchannelPhrases).
export function backchannelLexicon(language: string, extraPhrases: readonly string[] = []): TBackchannelLexicon {
  const key = `${language}\n${extraPhrases.join("\n")}`;
  const cached = lexicons.get(key);
  if (cached) return cached;
  const lexicon = buildLexicon(language, extraPhrases);
  if (lexicons.size >= LEXICONS_MAX) lexicons.delete(lexicons.keys().next().value!);
  lexicons.set(key, lexicon);
  return lexicon;
}

function buildLexicon(language: string, extraPhrases: readonly string[]): TBackchannelLexicon {
  const lang = turnLanguage(language);
  const extra = extraPhrases.map((p) => p.trim()).filter((p) => p.length > 0 && p.length <= MAX_BACKCHANNEL_PHRASE_LENGTH);
  // Hesitations only ("hmm", "um"): "so" and "well" over the agent usually open a turn.
  const fillers = lang.fillers.filter((f) => !f.includes(" ") && lang.ignorable.includes(f));
  return {
    phrases: phraseTable([...lang.backchannels, ...extra].map((p) => expand(p, lang.expansions))),
    fillers: new Set(fillers),
    // An agent's own phrase overrides a default interrupter ("no worries" may be listed by the agent).
    interrupters: new Set(lang.interrupters.filter((w) => !extra.some((p) => p.toLowerCase() === w))),
    expansions: lang.expansions,
  };
}

function expand(text: string, expansions: Readonly<Record<string, string>>): string {
  return tokenize(text)
    .tokens.map((t) => expansions[t] ?? t)
    .join(" ");
}

export type TWordsVerdict = "backchannel" | "interruption" | "no-words";

// The words alone: every token must belong to a backchannel phrase (repeats allowed) or be a hesitation.
// `isPartial`: the words are an interim that may still grow, so a trailing start of a phrase ("I" of "I see",
// "got" of "got it") is not yet an interruption.
export function classifyOverlapWords(text: string, lexicon: TBackchannelLexicon, isPartial = false): TWordsVerdict {
  const { tokens: raw, endsWithQuestionMark } = tokenize(text);
  const tokens = raw.flatMap((t) => (lexicon.expansions[t] ?? t).split(" "));
  if (tokens.length === 0) return "no-words";
  if (endsWithQuestionMark) return "interruption";
  // Backchannels are short; a long run of acknowledgements is someone taking the floor.
  if (tokens.length > 6) return "interruption";
  let i = 0;
  while (i < tokens.length) {
    const phrase = lexicon.phrases.find((p) => p.every((w, k) => tokens[i + k] === w));
    if (phrase) {
      i += phrase.length;
      continue;
    }
    if (lexicon.fillers.has(tokens[i]!) && !lexicon.interrupters.has(tokens[i]!)) {
      i++;
      continue;
    }
    const rest = tokens.slice(i);
    if (isPartial && lexicon.phrases.some((p) => p.length > rest.length && rest.every((w, k) => p[k] === w))) {
      return "backchannel";
    }
    return "interruption";
  }
  // Acknowledgements, or only hesitations ("hmm", "um"): no claim on the floor either way.
  return "backchannel";
}

export type TOverlapSettings = {
  language: string;
  extraPhrases?: readonly string[];
  // Resume after a backchannel or noise (config.shouldResumeAfterBackchannel).
  shouldResume?: boolean;
  // Silence after the caller's sound before asking the recognizer for its final.
  finalizeAfterMs?: number;
  // Sound longer than this is not a backchannel, whatever the words turn out to be.
  maxBackchannelMs?: number;
  // A Finalize unanswered this long: decide on what is known (the words so far, or noise).
  finalTimeoutMs?: number;
};

export type TOverlapAction =
  | { type: "finalize" }
  | { type: "verdict"; kind: TOverlapKind; action: "resume" | "answer"; text: string; decidedAtMs: number };

// finalizeAfterMs: the first silent frame. The agent is waiting mid-sentence and the verdict waits for the final
// that follows the sound (Finalize + ~150 ms), so every ms before the Finalize is a ms more of silence: a
// 600 ms "uh-huh uh-huh" is judged about 770 ms after its onset, inside the 800 ms a resume must start by. An
// extra Finalize inside a gap between syllables costs nothing but a split final.
export const OVERLAP_DEFAULTS = { finalizeAfterMs: 20, maxBackchannelMs: 1200, finalTimeoutMs: 500 } as const;

// Returned when nothing happens (frozen): the per-frame path allocates nothing.
const NONE = Object.freeze([]) as unknown as TOverlapAction[];

// Judges one stretch of caller sound that started over the agent's speech (created at its onset, right after
// the session sent `clear`). Feed it the same events as the endpointer; it returns a verdict once.
export class OverlapJudge {
  private readonly lexicon: TBackchannelLexicon;
  private readonly s: Required<Omit<TOverlapSettings, "extraPhrases" | "language">>;
  private finals: string[] = [];
  private interimText = "";
  private voicedMs = 0;
  private lastVoiceAtMs: number;
  private hasUnfinalizedSound = true;
  private pendingFinals = 0;
  private finalizeSentAtMs = 0;
  private verdict: Extract<TOverlapAction, { type: "verdict" }> | null = null;

  constructor(
    settings: TOverlapSettings,
    readonly onsetMs: number,
  ) {
    this.lexicon = backchannelLexicon(settings.language, settings.extraPhrases);
    this.s = {
      shouldResume: settings.shouldResume ?? true,
      finalizeAfterMs: settings.finalizeAfterMs ?? OVERLAP_DEFAULTS.finalizeAfterMs,
      maxBackchannelMs: settings.maxBackchannelMs ?? OVERLAP_DEFAULTS.maxBackchannelMs,
      finalTimeoutMs: settings.finalTimeoutMs ?? OVERLAP_DEFAULTS.finalTimeoutMs,
    };
    this.lastVoiceAtMs = onsetMs;
  }

  get decided(): Extract<TOverlapAction, { type: "verdict" }> | null {
    return this.verdict;
  }

  get text(): string {
    return [...this.finals, this.interimText].filter(Boolean).join(" ");
  }

  frame(nowMs: number, isVoiced: boolean, frameMs = 20): TOverlapAction[] {
    if (this.verdict) return NONE;
    if (isVoiced) {
      this.voicedMs += frameMs;
      this.lastVoiceAtMs = nowMs;
      this.hasUnfinalizedSound = true;
      if (this.voicedMs > this.s.maxBackchannelMs) return [this.decide("interruption", nowMs)];
      return NONE;
    }
    return this.tick(nowMs);
  }

  tick(nowMs: number): TOverlapAction[] {
    if (this.verdict) return NONE;
    const isFinalizeDue = this.hasUnfinalizedSound && nowMs - this.lastVoiceAtMs >= this.s.finalizeAfterMs;
    const isFinalOverdue = this.pendingFinals > 0 && !this.hasUnfinalizedSound && nowMs - this.finalizeSentAtMs >= this.s.finalTimeoutMs;
    if (!isFinalizeDue && !isFinalOverdue) return NONE;
    const actions: TOverlapAction[] = [];
    if (this.hasUnfinalizedSound && nowMs - this.lastVoiceAtMs >= this.s.finalizeAfterMs) {
      this.hasUnfinalizedSound = false;
      this.pendingFinals++;
      this.finalizeSentAtMs = nowMs;
      actions.push({ type: "finalize" });
    }
    if (this.pendingFinals > 0 && !this.hasUnfinalizedSound && nowMs - this.finalizeSentAtMs >= this.s.finalTimeoutMs) {
      // The final is late: decide on what we have.
      const verdict = classifyOverlapWords(this.text, this.lexicon, true);
      actions.push(this.decide(verdict === "no-words" ? "noise" : verdict, nowMs));
    }
    return actions;
  }

  interim(text: string, nowMs: number): TOverlapAction[] {
    if (this.verdict) return NONE;
    this.interimText = text.trim();
    // New words that are not a backchannel decide at once: the caller is taking the floor.
    if (classifyOverlapWords(this.text, this.lexicon, true) === "interruption") return [this.decide("interruption", nowMs)];
    return NONE;
  }

  final(text: string, flags: { isFromFinalize?: boolean }, nowMs: number): TOverlapAction[] {
    if (this.verdict) return NONE;
    if (text.trim()) this.finals.push(text.trim());
    this.interimText = "";
    if (flags.isFromFinalize && this.pendingFinals > 0) this.pendingFinals--;
    // More of the sound is still to come (a Finalize in the gap between "I" and "see"): the words may still grow
    // into a phrase of the list.
    const isAllIn = this.pendingFinals === 0 && !this.hasUnfinalizedSound;
    const verdict = classifyOverlapWords(this.text, this.lexicon, !isAllIn);
    if (verdict === "interruption") return [this.decide("interruption", nowMs)];
    // Everything said so far is in and the caller is quiet: decide.
    if (isAllIn) {
      return [this.decide(verdict === "no-words" ? "noise" : "backchannel", nowMs)];
    }
    return NONE;
  }

  private decide(kind: TOverlapKind, nowMs: number): Extract<TOverlapAction, { type: "verdict" }> {
    const action = kind !== "interruption" && this.s.shouldResume ? "resume" : "answer";
    this.verdict = { type: "verdict", kind, action, text: this.text, decidedAtMs: nowMs };
    return this.verdict;
  }
}

export type TResumePoint = {
  // What to say again: from the start of the sentence the caller spoke over to the end of the reply.
  text: string;
  sentenceIndex: number;
};

// The sentence of `replyText` that was playing when `heardText` (its prefix the caller heard) stopped, and
// everything after it. Null when the reply had been heard in full.
export function resumePoint(replyText: string, heardText: string): TResumePoint | null {
  const sentences = splitSentences(replyText);
  const heard = heardText.trim().length;
  let offset = 0;
  for (const [index, sentence] of sentences.entries()) {
    const end = offset + sentence.length;
    // Heard up to (not including) the end of this sentence: it was cut, say it again.
    if (heard < end - trailingSpace(sentence) || (index === sentences.length - 1 && heard < end)) {
      const text = sentences.slice(index).join("").trim();
      return text ? { text, sentenceIndex: index } : null;
    }
    offset = end;
  }
  return null;
}

function trailingSpace(s: string): number {
  return s.length - s.trimEnd().length;
}

function splitSentences(text: string): string[] {
  return text.match(/[^.!?…]+(?:[.!?…]+["')\]]*\s*|$)/g) ?? [];
}
