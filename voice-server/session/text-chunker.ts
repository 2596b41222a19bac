// Cuts streamed LLM text into pieces worth sending to TTS on their own: sentences, or clauses when a sentence
// runs long. The first piece of a reply is cut early (at a comma after a few words) so the caller hears the
// agent sooner; later pieces are whole sentences, which sound more natural.

const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "a.m", "p.m", "approx", "dept", "inc", "ltd", "co", "ave", "apt",
]);

export type TChunkerOptions = {
  firstMinChars?: number; // first piece: cut at a clause boundary once this long
  minChars?: number; // later pieces: shorter sentences are joined with the next one
  clauseCutChars?: number; // a sentence this long is cut at a clause boundary
  hardCutChars?: number; // cut at a space no matter what
};

export class TextChunker {
  private buffer = "";
  private emitted = 0;
  private readonly firstMinChars: number;
  private readonly minChars: number;
  private readonly clauseCutChars: number;
  private readonly hardCutChars: number;

  constructor(options: TChunkerOptions = {}) {
    this.firstMinChars = options.firstMinChars ?? 12;
    this.minChars = options.minChars ?? 24;
    this.clauseCutChars = options.clauseCutChars ?? 140;
    this.hardCutChars = options.hardCutChars ?? 260;
  }

  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const piece = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut).replace(/^\s+/, "");
      if (piece) {
        out.push(piece);
        this.emitted++;
      }
    }
    return out;
  }

  // The rest, at the end of the stream.
  flush(): string[] {
    const piece = this.buffer.trim();
    this.buffer = "";
    if (!piece) return [];
    this.emitted++;
    return [piece];
  }

  private findCut(): number {
    const b = this.buffer;
    const isFirst = this.emitted === 0;
    const minSentence = isFirst ? 2 : this.minChars;
    // A sentence end is only known once the next character (a space) has arrived.
    for (let i = 0; i < b.length - 1; i++) {
      const ch = b[i] as string;
      if (ch === "\n" || ((ch === "." || ch === "!" || ch === "?") && /\s/.test(b[i + 1] as string))) {
        if (ch === "." && this.isAbbreviation(i)) continue;
        if (i + 1 >= minSentence) return i + 1;
      }
    }
    // A sentence mark at the very end of what has arrived: cut now rather than wait for the next token, unless
    // it could still be a decimal ("$3." + "50") or an abbreviation.
    const end = b.trimEnd();
    const last = end[end.length - 1];
    if ((last === "!" || last === "?" || last === ".") && end.length >= minSentence) {
      const before = end[end.length - 2] ?? "";
      if (last !== "." || (!/[0-9]/.test(before) && !this.isAbbreviation(end.length - 1))) return end.length;
    }
    if (isFirst && b.length >= this.firstMinChars) {
      const clause = this.lastClauseBoundary(b, this.firstMinChars - 1, 80);
      if (clause > 0) return clause;
    }
    if (b.length >= this.clauseCutChars) {
      const clause = this.lastClauseBoundary(b, this.minChars, b.length);
      if (clause > 0) return clause;
    }
    if (b.length >= this.hardCutChars) {
      const space = b.lastIndexOf(" ", this.hardCutChars);
      return space > 0 ? space : this.hardCutChars;
    }
    return -1;
  }

  private lastClauseBoundary(b: string, from: number, to: number): number {
    for (let i = from; i < Math.min(b.length - 1, to); i++) {
      const ch = b[i] as string;
      if ((ch === "," || ch === ";" || ch === ":" || ch === "\u2014") && b[i + 1] === " ") return i + 1;
    }
    return -1;
  }

  private isAbbreviation(dotIndex: number): boolean {
    const before = this.buffer.slice(0, dotIndex);
    const match = /([A-Za-z.]+)$/.exec(before);
    if (!match) return false;
    const word = (match[1] as string).toLowerCase();
    if (ABBREVIATIONS.has(word)) return true;
    // Single initials ("J. Smith").
    return /^[a-z]$/.test(word);
  }
}
