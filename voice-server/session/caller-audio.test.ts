import { describe, expect, it } from "vitest";
import { SpeechDetector } from "@/voice-server/vad/vad";
import { CallerAudio, type TCallerSpeech, type TSpeechEnd } from "./caller-audio";
import { fakeLine } from "./call-line-test-kit";
import type { PolicyTurns } from "./policy-turns";
import type { SttInput } from "./stt-turn";
import { fixedTurnPolicy } from "./turn-policy";

// A VAD that calls a frame speech when its first byte says so (loud), silence otherwise (quiet).
let power = 0;
const vad = {
  get lastMeanSquare() {
    return power;
  },
  process(frame: Uint8Array): boolean {
    const isSpeech = frame[0] === 1;
    power = isSpeech ? 1_000_000 : 100;
    return isSpeech;
  },
  reset() {},
  close() {},
};

const SPEECH = new Uint8Array(160).fill(1);
const SILENCE = new Uint8Array(160).fill(0xff);

function setup(options: { isAdaptive?: boolean; hasStt?: boolean } = {}) {
  const kit = fakeLine();
  const policy = fixedTurnPolicy({ endpointingSilenceMs: 400, interruptionMinSpeechMs: 200 });
  const detector = new SpeechDetector(vad, { minSpeechMs: policy.minSpeechMs, endSilenceMs: policy.endpointingSilenceMs });
  const stt = { pushed: 0, started: [] as number[], ended: 0, push: () => stt.pushed++, speechStarted: (ms: number) => stt.started.push(ms), speechEnded: () => stt.ended++ };
  const fed: boolean[] = [];
  const taker = { frame: (isVoiced: boolean) => fed.push(isVoiced) };
  const turns = { taker: options.isAdaptive ? taker : null } as unknown as PolicyTurns;
  const ends: { speech: TCallerSpeech | null; event: TSpeechEnd }[] = [];
  const audio = new CallerAudio({
    ...kit.line,
    detector,
    policy,
    stt: options.hasStt === false ? null : (stt as unknown as SttInput),
    turns,
    speechEnded: (speech, event) => ends.push({ speech, event }),
  });
  // `frames` frames of `frame`, 20 ms apart on the session clock.
  const play = (frame: Uint8Array, frames: number) => {
    for (let i = 0; i < frames; i++) {
      kit.clock.t += 20;
      audio.push(frame, null);
    }
  };
  return { ...kit, audio, stt, fed, ends, play };
}

describe("CallerAudio", () => {
  it("sends every frame to the recording (at its place in the stream) and to the recognizer", () => {
    const { audio, stt, of } = setup();
    audio.push(SILENCE, null);
    audio.push(SILENCE, null);
    audio.push(SILENCE, 1_000);
    expect(of("caller-audio").map((c) => c.atMs)).toEqual([0, 20, 1_000]);
    expect(stt.pushed).toBe(3);
  });

  it("tells the recognizer and the silence watch when the caller starts speaking, and hands on the end of the speech", () => {
    const { play, stt, ends, of, audio } = setup();
    play(SILENCE, 10);
    play(SPEECH, 10);
    expect(audio.speech).toMatchObject({ startStreamMs: 200, hasBargedIn: false, isOverProtectedLine: false });
    expect(stt.started).toHaveLength(1);
    expect(of("silence").map((s) => s.action)).toEqual(["heardCaller"]);
    play(SILENCE, 25);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.speech?.startStreamMs).toBe(200);
    expect(ends[0]?.event).toMatchObject({ type: "speech-end", startMs: 200, endMs: 400 });
    expect(stt.ended).toBe(1);
    expect(audio.speech).toBeNull();
  });

  it("speech over the agent cuts it off once it lasts the agent's minimum, once, dated from its onset", () => {
    const { play, player, of, audio } = setup();
    player.talk("reply");
    play(SPEECH, 9);
    expect(of("interrupt")).toEqual([]);
    play(SPEECH, 2);
    expect(of("interrupt")).toHaveLength(1);
    expect(of("interrupt")[0]).toMatchObject({ reason: "caller" });
    expect(audio.speech?.hasBargedIn).toBe(true);
    play(SPEECH, 10);
    expect(of("interrupt")).toHaveLength(1);
  });

  it("never cuts a line that may not be cut (the disclosure, the last line), nor an agent that is quiet", () => {
    const ending = setup();
    ending.player.talk("fixed");
    ending.status.isEnding = true;
    ending.play(SPEECH, 30);
    expect(ending.of("interrupt")).toEqual([]);
    const quiet = setup();
    quiet.play(SPEECH, 30);
    expect(quiet.of("interrupt")).toEqual([]);
    const disclosure = setup();
    disclosure.player.talk("greeting", { isUninterruptible: true });
    disclosure.protectedLine.isPlaying = true;
    disclosure.play(SPEECH, 30);
    expect(disclosure.of("interrupt")).toEqual([]);
    expect(disclosure.audio.speech?.isOverProtectedLine).toBe(true);
    expect(disclosure.audio.isPolicyDeaf).toBe(true);
  });

  it("with the adaptive policy, feeds it each frame's reading and leaves barge-in to it, but not over the disclosure", () => {
    const { play, player, fed, of, protectedLine } = setup({ isAdaptive: true });
    player.talk("reply");
    play(SPEECH, 20);
    expect(fed).toHaveLength(20);
    expect(fed.at(-1)).toBe(true);
    expect(of("interrupt")).toEqual([]);
    protectedLine.isPlaying = true;
    play(SILENCE, 5);
    expect(fed).toHaveLength(20);
  });

  it("splits a 40 ms frame for the VAD and skips what is not a whole frame", () => {
    const { audio, fed } = setup({ isAdaptive: true });
    audio.push(new Uint8Array(320).fill(1), null);
    expect(fed).toHaveLength(2);
    audio.push(new Uint8Array(100).fill(1), null);
    expect(fed).toHaveLength(2);
  });

  it("gives up the speech in progress to the hang-up", () => {
    const { play, audio, ends } = setup({ hasStt: false });
    play(SPEECH, 10);
    expect(audio.takeSpeech()?.startStreamMs).toBe(0);
    expect(audio.speech).toBeNull();
    play(SILENCE, 30);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.speech).toBeNull();
  });
});
