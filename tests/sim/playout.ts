import type { MulawTrack } from "./caller-audio";
import type { TSimMark } from "./wire-log";

// Twilio's outbound playout for one stream, as the caller hears it: agent audio queues behind what is still
// playing (8 bytes per ms), a mark is echoed when the playout cursor passes it (at once if nothing is queued),
// `clear` drops the queue and echoes the pending marks. What played is written to the agent's track.

const BYTES_PER_MS = 8;

type TAudioItem = {
  kind: "audio";
  bytes: Uint8Array | null; // null when not recording
  startAt: number;
  endAt: number;
};
type TMarkItem = { kind: "mark"; mark: TSimMark; at: number };
type TQueueItem = TAudioItem | TMarkItem;

export class Playout {
  // When the audio queued so far has played out.
  tailEndAt = 0;
  // What the server sent last since the queue was cleared.
  lastAppended: "none" | "audio" | "mark" = "none";
  private readonly queue: TQueueItem[] = [];
  private queueHead = 0;

  constructor(
    private readonly agentTrack: MulawTrack | null,
    // The stream's time zero on the scheduler's clock (the `start` message): where the track begins.
    private readonly origin: () => number,
    // Sends the mark's echo to the server.
    private readonly echo: (mark: TSimMark, now: number) => void,
  ) {}

  // Returns when the audio starts playing.
  appendAudio(bytes: Buffer, now: number): number {
    const startAt = Math.max(now, this.tailEndAt);
    const endAt = startAt + bytes.length / BYTES_PER_MS;
    this.tailEndAt = endAt;
    this.lastAppended = "audio";
    this.queue.push({ kind: "audio", bytes: this.agentTrack ? new Uint8Array(bytes) : null, startAt, endAt });
    return startAt;
  }

  appendMark(mark: TSimMark, now: number): void {
    this.lastAppended = "mark";
    // Twilio: echoed when the audio before it has played, or at once if nothing is buffered.
    if (this.tailEndAt <= now) this.echo(mark, now);
    else this.queue.push({ kind: "mark", mark, at: this.tailEndAt });
  }

  // `clear`: what is playing stops now. Returns how much queued audio was dropped and the marks echoed.
  clear(now: number): { droppedMs: number; marksEchoed: string[] } {
    const droppedMs = Math.max(0, this.tailEndAt - now);
    const marksEchoed: string[] = [];
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === "mark") {
        item.mark.wasCleared = true;
        this.echo(item.mark, now);
        marksEchoed.push(item.mark.name);
      } else if (item.startAt < now) {
        this.recordPlayed(item, now);
      }
    }
    this.queue.length = 0;
    this.queueHead = 0;
    this.tailEndAt = now;
    this.lastAppended = "none";
    return { droppedMs, marksEchoed };
  }

  // Moves the playout cursor to `now`: audio that finished playing is recorded, marks it passed are echoed.
  drain(now: number): void {
    const queue = this.queue;
    while (this.queueHead < queue.length) {
      const item = queue[this.queueHead]!;
      if (item.kind === "mark") {
        if (item.at > now) break;
        this.echo(item.mark, now);
      } else {
        if (item.endAt > now) break;
        this.recordPlayed(item, item.endAt);
      }
      this.queueHead++;
    }
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 256) {
      queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  // On hang-up: what had played by now is kept, the rest never reached the caller.
  end(now: number): void {
    this.drain(now);
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === "audio" && item.startAt < now) this.recordPlayed(item, now);
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }

  private recordPlayed(item: TAudioItem, until: number): void {
    if (!item.bytes || !this.agentTrack) return;
    const playedBytes = Math.min(item.bytes.length, Math.max(0, Math.round((until - item.startAt) * BYTES_PER_MS)));
    if (playedBytes === 0) return;
    this.agentTrack.write((item.startAt - this.origin()) * BYTES_PER_MS, item.bytes.subarray(0, playedBytes));
  }
}
