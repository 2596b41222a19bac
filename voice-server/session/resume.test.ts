import { describe, expect, it } from "vitest";
import { createGeneration, type TSegment } from "./generation";
import { piecesToResume } from "./resume";

function generationOf(pieces: [text: string, state: TSegment["state"], isSynthesized?: boolean][]) {
  const generation = createGeneration(1, "reply", null);
  const message = { role: "agent" as const, text: pieces.map(([t]) => t).join(" ") };
  for (const [index, [text, state, isSynthesized]] of pieces.entries()) {
    generation.segments.push({
      index,
      text,
      message,
      markName: `g1s${index}`,
      state,
      audio: [new Uint8Array([index])],
      isSynthesized: isSynthesized ?? true,
    });
  }
  return generation;
}

describe("piecesToResume", () => {
  it("says again the sentence the caller spoke over and what follows it, with the audio already made", () => {
    const generation = generationOf([
      ["We are open Monday to Friday.", "played"],
      ["On Saturdays we open at ten.", "sent"],
      ["We are closed on Sundays.", "sent"],
    ]);
    const pieces = piecesToResume(generation);
    expect(pieces.map((p) => p.text)).toEqual(["On Saturdays we open at ten.", "We are closed on Sundays."]);
    expect(pieces.map((p) => p.audio?.[0]?.[0])).toEqual([1, 2]);
  });

  it("goes back to the start of a sentence whose first clause was heard", () => {
    const generation = generationOf([
      ["Sure,", "played"],
      ["we can book you in on Tuesday.", "sent"],
      ["Anything else?", "pending", false],
    ]);
    const pieces = piecesToResume(generation);
    expect(pieces.map((p) => p.text)).toEqual(["Sure,", "we can book you in on Tuesday.", "Anything else?"]);
    // A piece whose audio was not all in is synthesized again.
    expect(pieces[2]!.audio).toBeUndefined();
  });

  it("has nothing to say when everything produced was heard", () => {
    expect(piecesToResume(generationOf([["All done.", "played"]]))).toEqual([]);
  });
});
