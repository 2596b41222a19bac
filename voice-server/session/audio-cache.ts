// Synthesized audio that many calls say word for word (greetings, disclosures, fixed lines), kept per
// (agent version, voice, engine, text). The first call streams the audio while it is being synthesized;
// calls that arrive meanwhile share the same synthesis; later calls start from memory at once. Bounded by
// total bytes, least recently used out first.

type TInFlight = { chunks: Uint8Array[]; isDone: boolean; error: unknown; waiters: Set<() => void> };

export class AudioCache {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly inFlight = new Map<string, TInFlight>();
  private totalBytes = 0;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;

  constructor(options: { maxBytes?: number; maxEntryBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxEntryBytes = options.maxEntryBytes ?? 2 * 1024 * 1024;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  // `produce` runs at most once per key at a time and is not tied to any one caller: a caller that stops
  // listening (barge-in, hang-up) does not cut the audio short for the others or for the cache.
  // `shouldKeep` is asked once synthesis is complete (e.g. false when a fallback voice stood in).
  stream(key: string, produce: () => AsyncIterable<Uint8Array>, shouldKeep: () => boolean = () => true): AsyncIterable<Uint8Array> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return (async function* () {
        yield hit;
      })();
    }
    let flight = this.inFlight.get(key);
    if (!flight) {
      flight = { chunks: [], isDone: false, error: undefined, waiters: new Set() };
      this.inFlight.set(key, flight);
      void this.run(key, flight, produce, shouldKeep);
    }
    return follow(flight);
  }

  private async run(key: string, flight: TInFlight, produce: () => AsyncIterable<Uint8Array>, shouldKeep: () => boolean): Promise<void> {
    let bytes = 0;
    try {
      for await (const chunk of produce()) {
        if (chunk.length === 0) continue;
        flight.chunks.push(chunk);
        bytes += chunk.length;
        wake(flight);
      }
      flight.isDone = true;
      if (bytes > 0 && bytes <= this.maxEntryBytes && shouldKeep()) {
        const joined = new Uint8Array(bytes);
        let offset = 0;
        for (const c of flight.chunks) {
          joined.set(c, offset);
          offset += c.length;
        }
        this.put(key, joined);
      }
    } catch (error) {
      flight.error = error ?? new Error("synthesis failed");
    } finally {
      flight.isDone = true;
      this.inFlight.delete(key);
      wake(flight);
    }
  }

  private put(key: string, audio: Uint8Array): void {
    const old = this.entries.get(key);
    if (old) {
      this.totalBytes -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, audio);
    this.totalBytes += audio.length;
    while (this.totalBytes > this.maxBytes && this.entries.size > 1) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Uint8Array];
      this.entries.delete(oldestKey);
      this.totalBytes -= oldest.length;
    }
  }
}

function wake(flight: TInFlight): void {
  for (const w of flight.waiters) w();
  flight.waiters.clear();
}

async function* follow(flight: TInFlight): AsyncGenerator<Uint8Array> {
  let index = 0;
  for (;;) {
    if (index < flight.chunks.length) {
      yield flight.chunks[index++] as Uint8Array;
      continue;
    }
    if (flight.error !== undefined) throw flight.error;
    if (flight.isDone) return;
    await new Promise<void>((resolve) => flight.waiters.add(resolve));
  }
}
