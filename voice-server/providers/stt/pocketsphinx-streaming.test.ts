import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FRAME_BYTES, MULAW_SILENCE } from "@/lib/audio/mulaw";
import type { TSttEvent, TSttProvider, TSttStream } from "@/voice-server/providers/types";
import { sttPhrasesFor } from "@/voice-server/session/stt-phrases";
import { audioFor, LONG_LINES, loadQualityLines, QUALITY_AGENT, renditionsOf, type TRendition } from "@/tests/sim/quality-set";
import { recognizeTurn } from "@/tests/sim/quality-score";
import { createPocketsphinxStt } from "./pocketsphinx";

// How the offline recogniser behaves as a call uses it: frames pushed as they arrive, a long turn decoded while the
// caller speaks, the same words heard however many calls decode at once, and a final that says so when the caller
// spoke but nothing usable came out.

const phrases = sttPhrasesFor(QUALITY_AGENT);
const stt = createPocketsphinxStt();

const opened: TSttStream[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((stream) => stream.close()));
});

async function open(provider: TSttProvider = stt): Promise<{ stream: TSttStream; events: AsyncIterator<TSttEvent> }> {
  const stream = await provider.open({ language: "en-US", phrases, signal: new AbortController().signal });
  opened.push(stream);
  return { stream, events: stream.events[Symbol.asyncIterator]() };
}

async function sample(count: number): Promise<TRendition[]> {
  const lines = await loadQualityLines();
  return renditionsOf(lines).filter((_, i) => i % Math.floor(lines.length / count) === 3).slice(0, count);
}

describe("offline recognition under load", () => {
  it("hears the same words with six calls decoding at once as with one call at a time", async () => {
    const renditions = await sample(6);
    const audio = await Promise.all(renditions.map((r) => audioFor(r)));
    const serial: string[] = [];
    const one = await open();
    for (const bytes of audio) serial.push((await recognizeTurn(one.stream, one.events, bytes)).text);
    const parallel = await Promise.all(
      audio.map(async (bytes) => {
        const call = await open();
        return (await recognizeTurn(call.stream, call.events, bytes)).text;
      }),
    );
    expect(parallel).toEqual(serial);
    expect(serial.filter(Boolean).length).toBeGreaterThanOrEqual(5);
  }, 240_000);
});

describe("a long caller turn", () => {
  // A decoder that notes when it ran and how much audio it got, so the test sees what was decoded when.
  const dir = mkdtempSync(path.join(tmpdir(), "stt-timed-"));
  const decoder = path.join(dir, "timed-decoder");
  const log = path.join(dir, "log");
  writeFileSync(
    decoder,
    [
      "#!/bin/sh",
      'hyp=""; ctl=""; cep=""',
      'while [ $# -gt 0 ]; do case "$1" in -hypseg) hyp="$2";; -ctl) ctl="$2";; -cepdir) cep="$2";; esac; shift; done',
      '[ -z "$ctl" ] && exit 0',
      'id=$(cat "$ctl")',
      `echo "$(date +%s%3N) $(stat -c %s "$cep/$id.wav")" >> ${log}`,
      // -hypseg: "uttid S 0 T total A ascr L lscr (start wascr wlscr word)* frames"
      'echo "$id S 0 T -100 A -100 L 0 0 -100 0 words 100" > "$hyp"',
      "",
    ].join("\n"),
  );
  chmodSync(decoder, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is decoded while the caller speaks, so at the end only its last few seconds are left", async () => {
    const long: TRendition = {
      line: { id: "long-1", intent: "long", context: "start", text: LONG_LINES[0]!, half: "tuning" },
      voice: "en-us",
      rate: 160,
      noise: 0.004,
      key: "long-1-v1",
    };
    const audio = await audioFor(long);
    expect(audio.length / 8000).toBeGreaterThan(12);
    const call = await open(createPocketsphinxStt({ binary: decoder, search: "grammar" }));
    const started = Date.now();
    const turn = await recognizeTurn(call.stream, call.events, audio, { realTime: true });
    const finalizedAt = Date.now() - turn.finalMs;
    const runs = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ").map(Number) as [number, number])
      .filter(([at]) => at >= started);
    // 16 kHz 16-bit WAV: 32 bytes a millisecond, 600 ms of it padding.
    const seconds = runs.map(([, bytes]) => (bytes - 44) / 32000 - 0.6);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // Every segment but the last went to the decoder while the caller was still speaking...
    expect(runs.slice(0, -1).every(([at]) => at < finalizedAt)).toBe(true);
    // ...and what was left for the end is no longer than a short turn, whatever the turn's length.
    expect(seconds.at(-1)!).toBeLessThanOrEqual(7.5);
    // Nothing is lost: the segments hold the whole turn and each one's words are in the final.
    expect(seconds.reduce((a, b) => a + b, 0)).toBeGreaterThan(audio.length / 8000 - 2);
    expect(turn.text).toBe(Array(runs.length).fill("words").join(" "));
  }, 60_000);
});

describe("a turn with speech but no usable words", () => {
  // A decoder that hears nothing at all, standing in for audio nothing could be made of.
  const dir = mkdtempSync(path.join(tmpdir(), "stt-deaf-"));
  const deaf = path.join(dir, "deaf-decoder");
  writeFileSync(
    deaf,
    `#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = "-hypseg" ]; then echo "seg S 0 T 0 A 0 L 0 50" > "$2"; fi; shift; done\nexit 0\n`,
  );
  chmodSync(deaf, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ends with an empty final flagged unrecognized, not with nothing", async () => {
    const [line] = await sample(1);
    const call = await open(createPocketsphinxStt({ binary: deaf }));
    const turn = await recognizeTurn(call.stream, call.events, await audioFor(line!));
    expect(turn).toMatchObject({ text: "", isUnrecognized: true });
  });

  it("does not flag a turn that held only line silence", async () => {
    const call = await open(createPocketsphinxStt({ binary: deaf }));
    const turn = await recognizeTurn(call.stream, call.events, new Uint8Array(FRAME_BYTES * 50).fill(MULAW_SILENCE));
    expect(turn).toMatchObject({ text: "", isUnrecognized: false });
  });
});
