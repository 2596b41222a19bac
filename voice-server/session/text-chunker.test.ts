import { describe, expect, it } from "vitest";
import { TextChunker } from "./text-chunker";

function chunkStream(parts: string[]): string[] {
  const chunker = new TextChunker();
  return [...parts.flatMap((p) => chunker.push(p)), ...chunker.flush()];
}

describe("TextChunker", () => {
  it("cuts the first piece early at a clause so speech can start, then whole sentences", () => {
    const tokens = "Sure thing, we are open from nine until five on weekdays. On Saturdays we open at ten. Anything else?".split(/(?<= )/);
    expect(chunkStream(tokens)).toEqual([
      "Sure thing, we are open from nine until five on weekdays.",
      "On Saturdays we open at ten.",
      "Anything else?",
    ]);
    // Sentences shorter than the minimum are joined with the next one rather than sent alone.
    expect(chunkStream(["Okay. One moment. ", "It is open until five today."])).toEqual(["Okay.", "One moment. It is open until five today."]);
    expect(chunkStream(["Of course, ", "let me check the calendar for you right now. It is open."])).toEqual([
      "Of course, let me check the calendar for you right now.",
      "It is open.",
    ]);
    expect(chunkStream(["Certainly, Dr. Smith", " can see you tomorrow, ", "he has a slot at noon and another later in the day."])).toEqual([
      "Certainly, Dr. Smith can see you tomorrow,",
      "he has a slot at noon and another later in the day.",
    ]);
  });

  it("emits a sentence only once its end is certain, and keeps decimals and abbreviations whole", () => {
    const chunker = new TextChunker();
    expect(chunker.push("It costs $3.")).toEqual([]);
    expect(chunker.push("50 for a visit with Dr.")).toEqual([]);
    expect(chunker.push(" Smith")).toEqual([]);
    expect(chunker.push(" and no more. Than")).toEqual(["It costs $3.50 for a visit with Dr. Smith and no more."]);
    expect(chunker.flush()).toEqual(["Than"]);
    expect(chunker.flush()).toEqual([]);
    // A sentence that has clearly ended goes out without waiting for the next token.
    const eager = new TextChunker();
    expect(eager.push("Sure.")).toEqual(["Sure."]);
    expect(eager.push(" Is that a new booking or an existing one?")).toEqual(["Is that a new booking or an existing one?"]);
  });

  it("cuts a very long sentence at a clause boundary, or at a space as a last resort", () => {
    const long = `${"word ".repeat(40)}and then, ${"more ".repeat(60)}`;
    const pieces = chunkStream([long]);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join(" ").replace(/\s+/g, " ")).toBe(long.trim().replace(/\s+/g, " "));
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(260);
  });
});
