// Reuse of the large audio buffers every call holds for its whole life (the recording ring, the STT replay ring).
//
// Allocated per call, they are a few hundred KB of ArrayBuffer memory each, outside the JS heap; hundreds of calls
// starting or ending together add tens of MB of it at once, and V8 answers 64 MB of new external memory with a
// full mark-compact: about 50 ms of the process's one core in the middle of everyone's conversation (bench:voice,
// 200 calls, --trace-incremental-marking: "Start (external memory pressure)"). Reused, a process allocates one per
// call it has ever held at once, and then none.
export class ArrayPool<T extends Uint8Array | Int16Array> {
  private readonly free: T[] = [];

  constructor(
    readonly length: number,
    private readonly create: (length: number) => T,
    // Beyond this many idle arrays, returned ones are left to the garbage collector.
    private readonly maxFree = 1000,
  ) {}

  get idle(): number {
    return this.free.length;
  }

  // An array of zeros.
  take(): T {
    return this.free.pop() ?? this.create(this.length);
  }

  // The caller must not touch `array` afterwards. Arrays of another length (say, the empty one a released holder
  // keeps) are not taken.
  give(array: T): void {
    if (array.length !== this.length || this.free.length >= this.maxFree || this.free.includes(array)) return;
    array.fill(0);
    this.free.push(array);
  }
}
