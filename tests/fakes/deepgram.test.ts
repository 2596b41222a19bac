import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeDeepgram } from "./deepgram";
import { CallerVoice } from "@/tests/sim/caller-audio";
import { toFakeTranscript, toSimSteps } from "@/tests/fixtures/turn-taking/turn-sets";
import { mulawSilence, speechLikeMulaw } from "./faults";

let fake: FakeDeepgram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const QUERY =
  "model=nova-3&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true";

type TClient = {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
};

async function connect(url: string, headers: Record<string, string> = { Authorization: "Token k" }): Promise<TClient> {
  const ws = new WebSocket(url, { headers });
  const messages: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  ws.on("message", (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const listener of listeners) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    messages,
    closed,
    waitFor: (predicate) =>
      new Promise((resolve) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found) {
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

function sendAudio(ws: WebSocket, audio: Uint8Array) {
  for (let i = 0; i < audio.length; i += 160) ws.send(audio.subarray(i, i + 160));
}

async function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", () => {});
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
  });
}

describe("FakeDeepgram", () => {
  it("speaks the Deepgram live protocol for one caller turn", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: ["Book me in for Tuesday."], finalLatencyMs: 10 });
    const client = await connect(`${fake.url}/v1/listen?${QUERY}`);
    sendAudio(client.ws, mulawSilence(200));
    sendAudio(client.ws, speechLikeMulaw(1500, 7));
    sendAudio(client.ws, mulawSilence(1100));

    const started = await client.waitFor((m) => m.type === "SpeechStarted");
    expect(started).toEqual({ type: "SpeechStarted", channel: [0], timestamp: 0.2 });
    const final = await client.waitFor((m) => m.type === "Results" && m.is_final === true);
    expect(final).toMatchObject({
      type: "Results",
      channel_index: [0, 1],
      is_final: true,
      speech_final: true,
      from_finalize: false,
      start: 0.2,
      duration: 1.5,
      channel: { alternatives: [{ transcript: "Book me in for Tuesday.", confidence: 0.98 }] },
      metadata: { model_info: { name: "general-nova-3", arch: "nova-3" } },
    });
    const words = (final.channel as { alternatives: { words: Record<string, unknown>[] }[] }).alternatives[0]?.words;
    expect(words?.map((w) => w.word)).toEqual(["book", "me", "in", "for", "tuesday"]);
    expect(words?.at(-1)).toMatchObject({ punctuated_word: "Tuesday.", end: 1.7 });
    const utteranceEnd = await client.waitFor((m) => m.type === "UtteranceEnd");
    expect(utteranceEnd).toEqual({ type: "UtteranceEnd", channel: [0, 1], last_word_end: 1.7 });

    const interims = client.messages.filter((m) => m.type === "Results" && m.is_final === false);
    expect(interims.length).toBeGreaterThan(0);
    for (const interim of interims) {
      const text = (interim.channel as { alternatives: { transcript: string }[] }).alternatives[0]?.transcript;
      expect("Book me in for Tuesday.".startsWith(text ?? "?")).toBe(true);
    }
    // Results come in order: SpeechStarted, interims, final, UtteranceEnd.
    const order = client.messages.map((m) => (m.type === "Results" ? (m.is_final ? "final" : "interim") : m.type));
    expect(order[0]).toBe("SpeechStarted");
    expect(order.at(-1)).toBe("UtteranceEnd");
    expect(order.indexOf("final")).toBe(order.length - 2);
    client.ws.close();
  });

  it("answers Finalize with from_finalize results, then Metadata and a normal close on CloseStream", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: ["Yes please."], finalLatencyMs: 10 });
    const client = await connect(
      `${fake.url}/v1/listen?${QUERY.replace("interim_results=true", "interim_results=false")}`,
    );
    sendAudio(client.ws, speechLikeMulaw(600, 3));
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    const final = await client.waitFor((m) => m.from_finalize === true);
    expect(final).toMatchObject({ is_final: true, speech_final: false });
    expect(JSON.stringify(final.channel)).toContain("Yes please.");
    expect(client.messages.some((m) => m.type === "Results" && m.is_final === false)).toBe(false);

    client.ws.send(JSON.stringify({ type: "Finalize" }));
    const empty = await client.waitFor((m) => m.from_finalize === true && m !== final);
    expect((empty.channel as { alternatives: { transcript: string }[] }).alternatives[0]?.transcript).toBe("");

    client.ws.send(JSON.stringify({ type: "CloseStream" }));
    const metadata = await client.waitFor((m) => m.type === "Metadata");
    expect(metadata).toMatchObject({ type: "Metadata", transaction_key: "deprecated", duration: 0.6, channels: 1 });
    expect(metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.closed).toEqual({ code: 1000, reason: "" });
    expect(fake.connections[0]?.controls.map((c) => c.type)).toEqual(["Finalize", "Finalize", "CloseStream"]);
  });

  it("refuses bad keys, missing audio params and unknown paths at the handshake", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k" });
    expect(await handshakeStatus(`${fake.url}/v1/listen?${QUERY}`)).toBe(401);
    expect(await handshakeStatus(`${fake.url}/v1/listen?${QUERY}`, { Authorization: "Token nope" })).toBe(401);
    expect(await handshakeStatus(`${fake.url}/v1/listen?model=nova-3`, { Authorization: "Token k" })).toBe(400);
    expect(await handshakeStatus(`${fake.url}/v1/listen?${QUERY}&keywords=x:2`, { Authorization: "Token k" })).toBe(
      400,
    );
    expect(await handshakeStatus(`${fake.url}/v2/listen?${QUERY}`, { Authorization: "Token k" })).toBe(404);
    expect(await handshakeStatus(`${fake.url}/v1/listen?${QUERY}`, { Authorization: "Token k" })).toBe(101);
    fake.refuseHandshakes(429);
    expect(await handshakeStatus(`${fake.url}/v1/listen?${QUERY}`, { Authorization: "Token k" })).toBe(429);
    expect(fake.handshakes.map((h) => h.status)).toEqual([401, 401, 400, 400, 404, 101, 429]);
  });

  it("closes an idle stream with NET-0001 unless KeepAlive arrives", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", idleTimeoutMs: 300 });
    const idle = await connect(`${fake.url}/v1/listen?${QUERY}`);
    const kept = await connect(`${fake.url}/v1/listen?${QUERY}`);
    const keepAlive = setInterval(() => kept.ws.send(JSON.stringify({ type: "KeepAlive" })), 100);
    try {
      expect(await idle.closed).toEqual({ code: 1011, reason: "NET-0001" });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(keepAlive);
      kept.ws.close();
    }
  });

  it("injects a server close after N messages", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", finalLatencyMs: 0 });
    fake.closeAfterMessages = { afterMessages: 2, code: 1011, reason: "NET-0000" };
    const client = await connect(`${fake.url}/v1/listen?${QUERY}`);
    for (let i = 0; i < 5; i++) client.ws.send(JSON.stringify({ type: "Finalize" }));
    expect(await client.closed).toEqual({ code: 1011, reason: "NET-0000" });
    expect(client.messages).toHaveLength(2);
  });

  it("scripts transcripts per connection with a function", async () => {
    fake = await FakeDeepgram.start({
      apiKey: "k",
      finalLatencyMs: 0,
      transcripts: ({ connectionIndex, turnIndex }) => `call ${connectionIndex} turn ${turnIndex}`,
    });
    const a = await connect(`${fake.url}/v1/listen?${QUERY}`);
    const b = await connect(`${fake.url}/v1/listen?${QUERY}`);
    for (const client of [b, a]) {
      sendAudio(client.ws, speechLikeMulaw(500, 1));
      client.ws.send(JSON.stringify({ type: "Finalize" }));
    }
    const textOf = (m: Record<string, unknown>) =>
      (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]?.transcript;
    expect(textOf(await a.waitFor((m) => m.from_finalize === true))).toBe("call 0 turn 0");
    expect(textOf(await b.waitFor((m) => m.from_finalize === true))).toBe("call 1 turn 0");
    a.ws.close();
    b.ws.close();
  });

  it("sends an interim every 250 ms of audio carrying every word spoken up to 250 ms earlier", async () => {
    const transcript = "one two three four five six";
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: [transcript], finalLatencyMs: 10 });
    const client = await connect(`${fake.url}/v1/listen?${QUERY}`);
    // Words at 250 ms of voiced audio each; the sixth completes when the speech stops (80 ms of silence).
    sendAudio(client.ws, speechLikeMulaw(1600, 5));
    sendAudio(client.ws, mulawSilence(1200));
    await client.waitFor((m) => m.type === "UtteranceEnd");
    const interims = client.messages.filter((m) => m.type === "Results" && m.is_final === false);
    const textOf = (m: Record<string, unknown>) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;
    // Times from the turn's start (its first voiced frame), in audio.
    const startMs = Math.round((interims[0]!.start as number) * 1000);
    // Audio comes in 20 ms windows, so a word completes on the first window at or after each 250 ms of speech.
    const spokenAt = [260, 500, 760, 1000, 1260, 1600 - startMs + 80];
    let previousAtMs = 0;
    for (const interim of interims) {
      const atMs = Math.round((interim.duration as number) * 1000);
      // The fake's clock is the audio: an interim goes out on the first 20 ms window of a 250 ms tick.
      expect(atMs % 250).toBeLessThan(20);
      expect(atMs - previousAtMs).toBeGreaterThanOrEqual(230);
      previousAtMs = atMs;
      const expected = spokenAt.filter((t) => t <= atMs - 250).length;
      expect(textOf(interim), `interim at ${atMs} ms`).toBe(transcript.split(" ").slice(0, expected).join(" "));
    }
    // Ticks at 260, 500, 760, ... ms: an interim only when it carries something new.
    expect(interims.map(textOf)).toEqual(["one two", "one two three four", "one two three four five"]);
    client.ws.close();
  });

  it("keeps a turn across a pause marked with | and answers each Finalize 150 ms later with the words said so far", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: ["five five five | two one two", "thanks"] });
    const client = await connect(`${fake.url}/v1/listen?${QUERY.replace("endpointing=300", "endpointing=false")}`);
    const finals = () => client.messages.filter((m) => m.is_final === true);
    const textOf = (m: Record<string, unknown>) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;
    sendAudio(client.ws, speechLikeMulaw(800, 1));
    sendAudio(client.ws, mulawSilence(100));
    const sentAt = Date.now();
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    const first = await client.waitFor((m) => m.from_finalize === true);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);
    expect(textOf(first)).toBe("five five five");
    // Recognition goes on: the second stretch belongs to the same turn.
    sendAudio(client.ws, mulawSilence(500));
    sendAudio(client.ws, speechLikeMulaw(800, 2));
    sendAudio(client.ws, mulawSilence(100));
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    await client.waitFor(() => finals().length === 2);
    expect(textOf(finals()[1]!)).toBe("two one two");
    // A Finalize in silence with nothing new: an empty final, and the turn is over.
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    await client.waitFor(() => finals().length === 3);
    expect(textOf(finals()[2]!)).toBe("");
    sendAudio(client.ws, mulawSilence(300));
    sendAudio(client.ws, speechLikeMulaw(500, 3));
    sendAudio(client.ws, mulawSilence(100));
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    await client.waitFor(() => finals().length === 4);
    expect(textOf(finals()[3]!)).toBe("thanks");
    // Interims never repeat words a final already carried.
    for (const interim of client.messages.filter((m) => m.is_final === false)) expect(textOf(interim)).not.toContain("five five five two");
    client.ws.close();
  });

  it("gives a Finalize mid-speech the words said so far, and the rest in the next final", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: ["I would like to book a cleaning"], finalLatencyMs: 10 });
    const client = await connect(`${fake.url}/v1/listen?${QUERY.replace("endpointing=300", "endpointing=false")}`);
    const textOf = (m: Record<string, unknown>) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;
    sendAudio(client.ws, speechLikeMulaw(400, 4));
    sendAudio(client.ws, mulawSilence(100));
    client.ws.send(JSON.stringify({ type: "Finalize" }));
    const first = await client.waitFor((m) => m.from_finalize === true);
    // One stretch (no "|"): a Finalize flushes it whole, as the fake cannot tell where the caller's words stop.
    expect(textOf(first)).toBe("I would like to book a cleaning");
    client.ws.close();
  });

  it("keeps the rest of a stretch a Finalize cut short in its turn: only the next real pause starts the next transcript", async () => {
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: ["next | Tuesday", "um | the twenty first"], finalLatencyMs: 10 });
    const client = await connect(`${fake.url}/v1/listen?${QUERY.replace("endpointing=300", "endpointing=false")}`);
    const finals = () => client.messages.filter((m) => m.is_final === true);
    const textOf = (m: Record<string, unknown>) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;
    const finalizeAndWait = async () => {
      const count = finals().length;
      client.ws.send(JSON.stringify({ type: "Finalize" }));
      await client.waitFor(() => finals().length === count + 1);
      return textOf(finals().at(-1)!);
    };
    sendAudio(client.ws, speechLikeMulaw(400, 1));
    sendAudio(client.ws, mulawSilence(100));
    expect(await finalizeAndWait()).toBe("next");
    sendAudio(client.ws, mulawSilence(600));
    // The last stretch, finalized in a gap inside it (a VAD heard silence there; so did the fake's energy
    // detector, for 100 ms), then its tail after the gap: 220 ms in all, a gap between words.
    sendAudio(client.ws, speechLikeMulaw(300, 2));
    sendAudio(client.ws, mulawSilence(100));
    expect(await finalizeAndWait()).toBe("Tuesday");
    sendAudio(client.ws, mulawSilence(120));
    sendAudio(client.ws, speechLikeMulaw(200, 3));
    sendAudio(client.ws, mulawSilence(100));
    expect(await finalizeAndWait()).toBe("");
    // The caller's next turn, after a real pause: the next transcript, from its first stretch.
    sendAudio(client.ws, mulawSilence(1000));
    sendAudio(client.ws, speechLikeMulaw(300, 4));
    sendAudio(client.ws, mulawSilence(100));
    expect(await finalizeAndWait()).toBe("um");
    client.ws.close();
  });

  it("puts each stretch of a turn-set script on the simulated caller's (eSpeak) audio for that stretch", async () => {
    const script = "five five five | 600 | two one two | 700 | three four five six";
    fake = await FakeDeepgram.start({ apiKey: "k", transcripts: [toFakeTranscript(script)], finalLatencyMs: 10 });
    const client = await connect(`${fake.url}/v1/listen?${QUERY.replace("endpointing=300", "endpointing=false")}`);
    const voice = new CallerVoice();
    const finals = () => client.messages.filter((m) => m.is_final === true);
    const textOf = (m: Record<string, unknown>) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;
    let expectedFinals = 0;
    // As the turn-taking policy does: Finalize 100 ms into each pause.
    for (const step of toSimSteps(script)) {
      if ("say" in step) {
        sendAudio(client.ws, Buffer.concat((await voice.say(step.say)).frames));
        sendAudio(client.ws, mulawSilence(100));
        client.ws.send(JSON.stringify({ type: "Finalize" }));
        expectedFinals++;
        await client.waitFor(() => finals().length === expectedFinals);
        expect(textOf(finals().at(-1)!)).toBe(step.say);
      } else sendAudio(client.ws, mulawSilence(step.pauseMs - 100));
    }
    client.ws.close();
  });
});

