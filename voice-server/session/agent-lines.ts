import type { TAgentConfig } from "@/lib/agents/config";
import type { TGeneration, TGenerationKind, TTurnTiming } from "./generation";
import type { TResumePiece } from "./resume";
import type { TCallLine } from "./call-line";
import { lineCacheKey, linePieces } from "./spoken-lines";

// Starting what the agent says: a new generation (cutting off whatever it was saying), and the lines it says word
// for word (the opening, fixed lines, a sentence said again after a backchannel) in the pieces whose audio the
// line cache shares between calls. Replies are the Replier's; this gives them their generation.

export type TAgentLinesDeps = Pick<TCallLine, "player" | "silence"> & {
  // What a line's cached audio depends on besides its text.
  voice(): { agentVersionId: string | null; tts: string; config: TAgentConfig };
};

export class AgentLines {
  constructor(private readonly deps: TAgentLinesDeps) {}

  begin(kind: TGenerationKind, timing: TTurnTiming | null): TGeneration {
    const { player } = this.deps;
    if (player.isBusy) player.interrupt("system");
    // The agent is about to speak: no silence prompt meanwhile.
    this.deps.silence.disarm();
    return player.begin(kind, timing);
  }

  // A fixed line in `generation`, in cached pieces (one mark each).
  say(generation: TGeneration, text: string): void {
    const message = { role: "agent" as const, text };
    generation.messages.push(message);
    const voice = this.deps.voice();
    for (const piece of linePieces(text)) this.deps.player.speak(generation, piece, message, lineCacheKey({ ...voice, text: piece }));
  }

  // A line said on its own (the opening, an apology, the silence prompt): its own generation, ended once played.
  line(kind: "greeting" | "fixed", text: string): TGeneration {
    const generation = this.begin(kind, null);
    this.say(generation, text);
    void this.deps.player.finish(generation);
    return generation;
  }

  // After a backchannel or a noise: the cut sentence and the rest, as a new generation (its own agent turn), with
  // the audio already synthesized for it where there is some.
  resume(from: TGeneration, pieces: TResumePiece[]): void {
    const generation = this.begin(from.kind === "reply" ? "reply" : "fixed", null);
    const message = { role: "agent" as const, text: pieces.map((p) => p.text).join(" ") };
    generation.messages.push(message);
    for (const piece of pieces) this.deps.player.speak(generation, piece.text, message, undefined, piece.audio);
    void this.deps.player.finish(generation);
  }
}
