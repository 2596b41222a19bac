import { describe, expect, it } from "vitest";
import { createVoiceMetrics } from "@/voice-server/observability/metrics";
import { fakeLine } from "./call-line-test-kit";
import type { TCallerSpeech, TSpeechEnd } from "./caller-audio";
import { CallerTurns } from "./caller-turns";
import type { TTurnTiming } from "./generation";
import type { PolicyTurns } from "./policy-turns";
import type { SpeculativeReply } from "./speculative-reply";
import { LINES } from "./spoken-lines";
import { type SttInput, SttTurn } from "./stt-turn";
import type { TPolicyTurn } from "./turn-taker";

type TAnswer = { text: string; isNoise?: boolean; isUnrecognized?: boolean };

// A recognizer whose finalizes are answered from a script, one answer per turn ended.
function fakeStt(answers: TAnswer[]) {
  const stt = {
    isDead: false,
    providerName: "fake-stt",
    ended: 0,
    speechEnded() {},
    endTurn() {
      stt.ended++;
      const turn = new SttTurn();
      const answer = answers.shift() ?? { text: "" };
      if (answer.text) turn.hear({ type: "final", text: answer.text, isFromFinalize: true });
      turn.isNoise = answer.isNoise ?? false;
      turn.isUnrecognized = answer.isUnrecognized ?? false;
      turn.resolve();
      return turn;
    },
  };
  return stt;
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

function setup(options: { answers?: TAnswer[]; consent?: (text: string) => string | null; canOfferTransfer?: boolean; isTurnAfterProtectedLine?: boolean } = {}) {
  const kit = fakeLine();
  const stt = fakeStt(options.answers ?? []);
  const replies: { timing: TTurnTiming | null; answering?: { text: string; prestarted: SpeculativeReply | null } }[] = [];
  const said: { text: string; startMs: number; endMs: number }[] = [];
  const endings: { text: string; reason: string }[] = [];
  const metrics = createVoiceMetrics();
  const turns = { taker: null, hasTurnSince: () => false } as unknown as PolicyTurns;
  const callerTurns = new CallerTurns({
    ...kit.line,
    metrics,
    lastTurnBudgetMs: 1_000,
    stt: () => stt as unknown as SttInput,
    turns,
    conversation: { callerSaid: (text, timing) => said.push({ text, startMs: timing.speechStartStreamMs, endMs: timing.speechEndStreamMs }) },
    isTurnAfterProtectedLine: () => options.isTurnAfterProtectedLine ?? false,
    consentLine: options.consent ?? (() => null),
    canOfferTransfer: () => options.canOfferTransfer ?? false,
    endWithLine: async (text, reason) => void endings.push({ text, reason }),
    reply: (timing, answering) => void replies.push({ timing, ...(answering ? { answering } : {}) }),
  });
  return { ...kit, stt, callerTurns, replies, said, endings };
}

const speechEnd = (startMs: number, endMs: number): TSpeechEnd => ({ type: "speech-end", startMs, endMs, atMs: endMs + 600 });
const speech = (over: Partial<TCallerSpeech> = {}): TCallerSpeech => ({ startStreamMs: 1_000, onsetAt: 1_000, hasBargedIn: false, isOverProtectedLine: false, ...over });

describe("CallerTurns", () => {
  it("a spoken turn's words are accepted into the conversation and answered, with the speech's place in the stream", async () => {
    const { callerTurns, replies, said } = setup({ answers: [{ text: "What time do you open?" }] });
    callerTurns.speechEnded(speech(), speechEnd(1_000, 2_400));
    await flush();
    expect(said).toEqual([{ text: "What time do you open?", startMs: 1_000, endMs: 2_400 }]);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.timing).toMatchObject({ speechStartStreamMs: 1_000, speechEndStreamMs: 2_400 });
  });

  it("the agent still talking when a new turn is accepted is cut, as it answers an older turn", async () => {
    const { callerTurns, player, of } = setup({ answers: [{ text: "Actually, never mind." }] });
    player.talk("reply");
    callerTurns.speechEnded(speech(), speechEnd(1_000, 2_000));
    await flush();
    expect(of("interrupt")).toEqual([{ type: "interrupt", reason: "system" }]);
  });

  it("speech with no usable words gets a reprompt, then an offer that does not need the words; a turn understood starts over", async () => {
    const { callerTurns, replies, of } = setup({
      answers: [{ text: "", isUnrecognized: true }, { text: "" }, { text: "Hello?" }, { text: "" }],
      canOfferTransfer: true,
    });
    for (let i = 0; i < 4; i++) {
      callerTurns.speechEnded(speech(), speechEnd(1_000 + i * 3_000, 2_000 + i * 3_000));
      await flush();
    }
    expect(of("fixed").map((f) => f.text)).toEqual([LINES.didNotCatch, LINES.hardToHearOffer, LINES.didNotCatch]);
    expect(of("event").map((e) => [e.name, e.data.consecutive, e.data.reply, e.data.isFlagged])).toEqual([
      ["unrecognized_speech", 1, "reprompt", true],
      ["unrecognized_speech", 2, "offer", false],
      ["unrecognized_speech", 1, "reprompt", false],
    ]);
    expect(replies).toHaveLength(1);
  });

  it("without a department to hand over to, the offer is a message", async () => {
    const { callerTurns, of } = setup({ answers: [{ text: "" }, { text: "" }] });
    callerTurns.speechEnded(speech(), speechEnd(0, 500));
    callerTurns.speechEnded(speech(), speechEnd(1_000, 1_500));
    await flush();
    expect(of("fixed").map((f) => f.text)).toEqual([LINES.didNotCatch, LINES.hardToHearMessage]);
  });

  it("noise is let go (the silence watch runs again) unless it cut the agent off", async () => {
    const { callerTurns, of } = setup({ answers: [{ text: "", isNoise: true }, { text: "", isNoise: true }] });
    callerTurns.speechEnded(speech(), speechEnd(0, 300));
    await flush();
    expect(of("fixed")).toEqual([]);
    expect(of("silence").map((s) => s.action)).toEqual(["arm"]);
    callerTurns.speechEnded(speech({ hasBargedIn: true }), speechEnd(1_000, 1_300));
    await flush();
    expect(of("fixed").map((f) => f.text)).toEqual([LINES.didNotCatch]);
  });

  it("the answer to 'may we record?' gets its acknowledgement instead of a reply", async () => {
    const { callerTurns, replies, said, of } = setup({ answers: [{ text: "yes" }], consent: (text) => (text === "yes" ? "Thank you." : null) });
    callerTurns.speechEnded(speech(), speechEnd(0, 500));
    await flush();
    expect(said.map((s) => s.text)).toEqual(["yes"]);
    expect(of("fixed").map((f) => f.text)).toEqual(["Thank you."]);
    expect(replies).toEqual([]);
  });

  it("words over the disclosure are heard and dropped; the timeline counts them", async () => {
    const { callerTurns, replies, said, stt, of } = setup({ answers: [{ text: "hi is this the dentist" }] });
    callerTurns.speechEnded(speech({ isOverProtectedLine: true }), speechEnd(0, 1_500));
    await flush();
    expect(stt.ended).toBe(1);
    expect(said).toEqual([]);
    expect(replies).toEqual([]);
    expect(of("event")).toEqual([{ type: "event", kind: "status", name: "speech_over_disclosure", data: { words: 5 } }]);
  });

  it("speech that began over the disclosure and outlasted it is a turn", async () => {
    const { callerTurns, said } = setup({ answers: [{ text: "I need to reschedule" }], isTurnAfterProtectedLine: true });
    callerTurns.speechEnded(speech({ isOverProtectedLine: true }), speechEnd(0, 4_000));
    await flush();
    expect(said.map((s) => s.text)).toEqual(["I need to reschedule"]);
  });

  it("a recognizer that is gone ends the call with a line saying so", async () => {
    const { callerTurns, stt, endings, said } = setup({ answers: [{ text: "hello" }] });
    stt.isDead = true;
    callerTurns.speechEnded(speech(), speechEnd(0, 500));
    await flush();
    expect(endings).toEqual([{ text: LINES.cannotHear, reason: "stt_failure" }]);
    expect(said).toEqual([]);
  });

  it("at the hang-up, the words of a turn still being spoken are kept, with no reply", async () => {
    const { callerTurns, status, replies, said, clock } = setup({ answers: [{ text: "my number is 555 0100" }] });
    clock.t = 9_000;
    status.state = "closing";
    await callerTurns.finishLast(speech({ startStreamMs: 7_000 }));
    expect(said).toEqual([{ text: "my number is 555 0100", startMs: 7_000, endMs: 9_000 }]);
    expect(replies).toEqual([]);
  });

  it("a turn the adaptive policy ended is answered with its words on the reply; at the hang-up they are kept instead", () => {
    const { callerTurns, status, replies, said } = setup();
    const turn: TPolicyTurn = { text: "Do you take walk-ins?", completeness: { state: "complete", reason: "question", dataKind: null } as TPolicyTurn["completeness"], useSpeculative: false, speechStartStreamMs: 500, speechEndStreamMs: 1_800, speechEndAt: 9_000 };
    callerTurns.policyTurn(turn, null);
    expect(replies).toEqual([{ timing: expect.objectContaining({ speechStartStreamMs: 500, speechEndStreamMs: 1_800 }), answering: { text: "Do you take walk-ins?", prestarted: null } }]);
    // On record only once the reply is audible (the session's ConversationLog does that).
    expect(said).toEqual([]);
    let discarded = 0;
    status.state = "closing";
    callerTurns.policyTurn(turn, { discard: () => discarded++ } as unknown as SpeculativeReply);
    expect(discarded).toBe(1);
    expect(said.map((s) => s.text)).toEqual(["Do you take walk-ins?"]);
    expect(replies).toHaveLength(1);
  });

  it("typed text cuts the agent off like speech and waits for the disclosure", async () => {
    const { callerTurns, player, protectedLine, protectedLineEnded, said, of } = setup();
    protectedLine.isPlaying = true;
    player.talk("greeting", { isUninterruptible: true });
    callerTurns.typed("Can I book for Friday?");
    await flush();
    expect(said).toEqual([]);
    player.talk("reply");
    protectedLineEnded();
    await flush();
    expect(of("interrupt")).toEqual([{ type: "interrupt", reason: "caller" }]);
    expect(said.map((s) => s.text)).toEqual(["Can I book for Friday?"]);
  });
});
