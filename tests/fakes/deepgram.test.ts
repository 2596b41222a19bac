import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeDeepgram } from "./deepgram";
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
});
