import type { TMulaw } from "@/voice-server/providers/types";

// What arrives while the call is still being loaded (the stream's first frames, text typed at once): kept, up to a
// bound, and replayed in order once the call is live. Past the bound it is dropped: a stream that takes that long
// to start has bigger problems than two seconds of audio.

export const PRESTART_FRAME_LIMIT = 100;
export const PRESTART_TEXT_LIMIT = 10;

export type TPrestartFrame = { audio: TMulaw; timestampMs: number | null };

export class PrestartBuffer {
  private frames: TPrestartFrame[] = [];
  private texts: string[] = [];

  // The audio is copied: a transport's frame is a view into one of Buffer's shared 64 KiB slabs, which a kept view
  // would hold alive (and into the old generation) for as long as the call takes to load.
  frame(frame: TPrestartFrame): void {
    if (this.frames.length < PRESTART_FRAME_LIMIT) this.frames.push({ audio: new Uint8Array(frame.audio), timestampMs: frame.timestampMs });
  }

  text(text: string): void {
    if (this.texts.length < PRESTART_TEXT_LIMIT) this.texts.push(text);
  }

  // Everything kept so far, once; the buffer starts over empty.
  drain(): { frames: TPrestartFrame[]; texts: string[] } {
    const drained = { frames: this.frames, texts: this.texts };
    this.frames = [];
    this.texts = [];
    return drained;
  }
}
