import type { TMulaw } from "@/voice-server/providers/types";
import type { TGeneration } from "./generation";

// What the agent says again after a false interruption (a backchannel or a noise over its speech): the sentence
// the caller spoke over, from its start, and everything after it that was produced. Pieces already heard in full
// before that sentence are not repeated; a sentence cut in two pieces (the first piece of a reply is a clause) is
// said again whole, its first piece included. Each piece keeps its synthesized audio when all of it was in, so the
// replay needs no TTS request.

export type TResumePiece = { text: string; audio?: readonly TMulaw[] };

const SENTENCE_END = /[.!?…]["')\]]*$/;

export function piecesToResume(generation: TGeneration): TResumePiece[] {
  const segments = generation.segments;
  let start = segments.findIndex((s) => s.state !== "played");
  if (start < 0) return [];
  while (start > 0 && !SENTENCE_END.test(segments[start - 1]!.text.trim())) start--;
  return segments.slice(start).map((s) => (s.isSynthesized && s.audio ? { text: s.text, audio: s.audio } : { text: s.text }));
}
