import { describe, expect, it } from "vitest";
import { OVERLAP_DEFAULTS, OverlapJudge, backchannelLexicon, classifyOverlapWords, resumePoint, type TOverlapAction } from "./backchannel";

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const EN = backchannelLexicon("en-US");
const words = (text: string, lexicon = EN) => classifyOverlapWords(text, lexicon);

const ACKS = ["uh-huh", "Uh huh", "mm-hmm", "Mhm", "okay", "OK", "right", "yeah", "yep", "sure", "I see", "got it", "alright", "oh okay", "hmm", "Mm."];

describe("classifyOverlapWords", () => {
  it("hears acknowledgements as backchannels, alone, repeated and combined, in any case and punctuation", () => {
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(random() * 3);
      const text = Array.from({ length: n }, () => pick(ACKS)).join(pick([" ", ", ", ". ", "... "])) + pick(["", ".", "!", ","]);
      expect(words(text), text).toBe("backchannel");
    }
  });

  it("hears a lone hesitation as no claim on the floor", () => {
    for (const text of ["um", "uh", "hmm", "erm", "mm", "Uh."]) expect(words(text), text).toBe("backchannel");
  });

  it("hears questions, stop words and any content beyond acknowledgements as an interruption", () => {
    const contents = ["wait", "stop", "hold on", "sorry", "actually", "no", "excuse me", "what", "where are you", "how much is it", "Tuesday", "can I ask something", "that's wrong", "but", "hello", "I need a plumber"];
    for (const content of contents) {
      for (let i = 0; i < 5; i++) {
        const text = pick([`${content}`, `${pick(ACKS)} ${content}`, `${content} ${pick(ACKS)}`, `${pick(ACKS)}, ${content}?`, `um ${content}`]);
        expect(words(text), text).toBe("interruption");
      }
    }
    expect(words("okay?")).toBe("interruption");
    expect(words("yeah yeah yeah yeah yeah yeah yeah")).toBe("interruption");
  });

  it("reports no words for an empty transcript", () => {
    expect(words("")).toBe("no-words");
    expect(words(" ... ")).toBe("no-words");
  });

  it("merges the agent's own phrases with the language defaults", () => {
    const custom = backchannelLexicon("en-US", ["no worries", "lovely", "  ", "x".repeat(41)]);
    expect(words("no worries", custom)).toBe("backchannel");
    expect(words("lovely lovely", custom)).toBe("backchannel");
    expect(words("uh-huh lovely", custom)).toBe("backchannel");
    expect(words("no worries", EN)).toBe("interruption");
    // The defaults stay.
    expect(words("mm-hmm", custom)).toBe("backchannel");
    // Listing an interrupter word makes it a backchannel for this agent.
    expect(words("no", backchannelLexicon("en-US", ["no"]))).toBe("backchannel");
  });

  it("uses each language's own list", () => {
    expect(words("ajá, vale", backchannelLexicon("es-MX"))).toBe("backchannel");
    expect(words("espere, ¿dónde están?", backchannelLexicon("es-MX"))).toBe("interruption");
    expect(words("d'accord, je vois", backchannelLexicon("fr-FR"))).toBe("backchannel");
    expect(words("attendez", backchannelLexicon("fr-FR"))).toBe("interruption");
    expect(words("ja genau", backchannelLexicon("de-DE"))).toBe("backchannel");
    expect(words("Moment mal", backchannelLexicon("de-DE"))).toBe("interruption");
    expect(words("haan ji", backchannelLexicon("hi-IN"))).toBe("backchannel");
    expect(words("uhum, tá bom", backchannelLexicon("pt-BR"))).toBe("backchannel");
  });
});

// Drive a judge through a sound of `soundMs` over the agent, with the recognizer answering Finalize after
// 150 ms with `finalText` (and an interim of `interimText` at `interimAtMs`, if given).
function judge(soundMs: number, finalText: string, options: { interimText?: string; interimAtMs?: number; shouldResume?: boolean } = {}) {
  const j = new OverlapJudge({ language: "en-US", shouldResume: options.shouldResume }, 0);
  let finalAt: number | null = null;
  let verdict: Extract<TOverlapAction, { type: "verdict" }> | null = null;
  const take = (actions: TOverlapAction[], now: number) => {
    for (const a of actions) {
      if (a.type === "finalize" && finalAt === null) finalAt = now + 150;
      if (a.type === "verdict") verdict = a;
    }
  };
  for (let t = 20; t <= 3000 && !verdict; t += 20) {
    take(j.frame(t, t <= soundMs), t);
    if (options.interimText && t === options.interimAtMs) take(j.interim(options.interimText, t), t);
    if (finalAt !== null && t >= finalAt) {
      finalAt = Number.POSITIVE_INFINITY;
      take(j.final(finalText, { isFromFinalize: true }, t), t);
    }
  }
  return verdict as Extract<TOverlapAction, { type: "verdict" }> | null;
}

describe("OverlapJudge", () => {
  it("resumes after a backchannel (up to a doubled 'uh-huh uh-huh' of 600 ms) within 800 ms of its onset", () => {
    for (const soundMs of [200, 300, 400, 500, 600]) {
      const v = judge(soundMs, pick(ACKS));
      expect(v).toMatchObject({ kind: "backchannel", action: "resume" });
      expect(v!.decidedAtMs).toBeLessThanOrEqual(soundMs + OVERLAP_DEFAULTS.finalizeAfterMs + 150 + 20);
      expect(v!.decidedAtMs).toBeLessThan(800);
    }
  });

  it("waits for the rest of a backchannel split by a Finalize in its word gap ('I' ... 'see') before judging it", () => {
    const j = new OverlapJudge({ language: "en-US" }, 0);
    const actions: TOverlapAction[] = [];
    // "I" (0-160 ms), a 40 ms gap, "see" (200-400 ms); the recognizer answers each Finalize 150 ms later.
    const finals: { at: number; text: string }[] = [];
    for (let t = 20; t <= 1000; t += 20) {
      const isVoiced = t <= 160 || (t > 200 && t <= 400);
      for (const a of j.frame(t, isVoiced)) {
        if (a.type === "finalize") finals.push({ at: t + 150, text: t < 200 ? "I" : "see" });
        else actions.push(a);
      }
      while (finals.length > 0 && finals[0]!.at <= t) actions.push(...j.final(finals.shift()!.text, { isFromFinalize: true }, t));
    }
    expect(actions).toEqual([expect.objectContaining({ type: "verdict", kind: "backchannel", action: "resume", text: "I see" })]);
  });

  it("resumes after noise the recognizer finds no words in", () => {
    expect(judge(240, "")).toMatchObject({ kind: "noise", action: "resume" });
  });

  it("decides an interruption as soon as an interim carries a word beyond the list", () => {
    const v = judge(1500, "wait, where are you located?", { interimText: "wait", interimAtMs: 260 });
    expect(v).toMatchObject({ kind: "interruption", action: "answer", decidedAtMs: 260 });
  });

  it("treats long sound as an interruption whatever its words", () => {
    expect(judge(1400, "yeah")).toMatchObject({ kind: "interruption", action: "answer" });
  });

  it("never resumes when the agent has resuming turned off", () => {
    expect(judge(300, "uh-huh", { shouldResume: false })).toMatchObject({ kind: "backchannel", action: "answer" });
  });

  it("decides by its deadline when the final does not come", () => {
    const j = new OverlapJudge({ language: "en-US" }, 0);
    let verdict: TOverlapAction | undefined;
    for (let t = 20; t <= 2000 && !verdict; t += 20) verdict = j.frame(t, t <= 200).find((a) => a.type === "verdict");
    expect(verdict).toMatchObject({ kind: "noise", decidedAtMs: 200 + OVERLAP_DEFAULTS.finalizeAfterMs + OVERLAP_DEFAULTS.finalTimeoutMs });
    const withWords = new OverlapJudge({ language: "en-US" }, 0);
    withWords.frame(20, true);
    withWords.interim("yeah", 40);
    let late: TOverlapAction | undefined;
    for (let t = 60; t <= 2000 && !late; t += 20) late = withWords.frame(t, false).find((a) => a.type === "verdict");
    expect(late).toMatchObject({ kind: "backchannel", action: "resume" });
  });
});

describe("resumePoint", () => {
  const reply = "Sure. We have openings on Tuesday morning and Thursday afternoon. Which one suits you?";
  it("restarts the sentence the caller spoke over, and keeps the rest", () => {
    expect(resumePoint(reply, "Sure. We have open")).toEqual({ text: "We have openings on Tuesday morning and Thursday afternoon. Which one suits you?", sentenceIndex: 1 });
    expect(resumePoint(reply, "")).toEqual({ text: reply, sentenceIndex: 0 });
    expect(resumePoint(reply, "Sure.")).toMatchObject({ sentenceIndex: 1 });
    expect(resumePoint(reply, "Sure. We have openings on Tuesday morning and Thursday afternoon. Which")).toEqual({ text: "Which one suits you?", sentenceIndex: 2 });
  });
  it("has nothing to resume once the reply was heard in full", () => {
    expect(resumePoint(reply, reply)).toBeNull();
    expect(resumePoint("No punctuation at all", "No punctuation")).toEqual({ text: "No punctuation at all", sentenceIndex: 0 });
  });
});
