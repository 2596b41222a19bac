// The agent's words as they are spoken in a browser test call: the voice server sends each sentence when it starts
// playing ({type:"speaking"}, voice-server/web/browser-transport.ts); they build up one pending bubble until the
// turn's final transcript replaces it (which keeps only what was heard if the caller cut in).

export type TPendingSpeech = { generation: number; segments: { index: number; text: string }[] };

export function addSpokenSentence(current: TPendingSpeech | null, sentence: { generation: number; segment: number; text: string }): TPendingSpeech {
  const text = sentence.text.trim();
  if (!current || current.generation !== sentence.generation) {
    return { generation: sentence.generation, segments: text ? [{ index: sentence.segment, text }] : [] };
  }
  // A sentence sent twice (a reconnect, a retried write) shows once; out-of-order ones land in their place.
  if (!text || current.segments.some((s) => s.index === sentence.segment)) return current;
  return { generation: current.generation, segments: [...current.segments, { index: sentence.segment, text }].sort((a, b) => a.index - b.index) };
}

export function spokenText(speech: TPendingSpeech | null): string {
  return speech ? speech.segments.map((s) => s.text).join(" ") : "";
}
