import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { FRAME_BYTES, MULAW_DECODE_TABLE, encodeMulawSample } from "@/lib/audio/mulaw";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { isVoiced } from "./caller-audio";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, runSimulatedCall } from "./twilio-caller";
import { SimCallError } from "./twilio-http";
import type { TSimStep } from "./sim-script";

// A tiny stand-in for the voice server: checks Twilio's signatures the way the real one must, answers
// <Connect><Stream>, records every message the simulator sends, and lets each test script the agent's side.

const PUBLIC_URL = "https://voice.example.test";
const TOKEN = SANDBOX_AUTH_TOKEN;

type TAgentConn = {
  ws: WebSocket;
  received: Record<string, unknown>[];
  sentAt: Map<string, number>; // mark name -> when the agent sent it
  echoedAt: Map<string, number>;
  sendAudio(ms: number, isVoice?: boolean): void;
  sendMark(name: string): void;
  clear(): void;
};

type TScenario = {
  // Answer the voice webhook with this TwiML instead of <Connect><Stream>.
  voiceTwiml?: string;
  onStart?: (conn: TAgentConn) => void;
  // Called per inbound media frame with whether it carried speech.
  onFrame?: (conn: TAgentConn, isVoice: boolean) => void;
  connectAction?: string;
};

type TFakeServer = {
  url: string;
  server: Server;
  webhooks: { params: Record<string, string>; signature: string; path: string }[];
  upgrades: { path: string; signature: string; isValid: boolean }[];
  conns: TAgentConn[];
  close(): Promise<void>;
};

function tone(ms: number): Buffer {
  const out = Buffer.alloc(Math.round(ms * 8));
  for (let i = 0; i < out.length; i++) out[i] = encodeMulawSample(8000 * Math.sin((2 * Math.PI * 300 * i) / 8000));
  return out;
}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
}

const servers: TFakeServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function startFakeVoiceServer(scenario: TScenario): Promise<TFakeServer> {
  const webhooks: TFakeServer["webhooks"] = [];
  const upgrades: TFakeServer["upgrades"] = [];
  const conns: TAgentConn[] = [];
  const server = createServer(async (request, response) => {
    const params = await readForm(request);
    const signature = String(request.headers["x-twilio-signature"] ?? "");
    webhooks.push({ params, signature, path: request.url ?? "" });
    if (!twilio.validateRequest(TOKEN, signature, PUBLIC_URL + request.url, params)) {
      response.writeHead(403).end("bad signature");
      return;
    }
    response.setHeader("Content-Type", "text/xml");
    if (request.url === "/twilio/voice" && scenario.voiceTwiml) {
      response.end(scenario.voiceTwiml);
    } else if (request.url === "/twilio/voice") {
      const action = scenario.connectAction ? ` action="${scenario.connectAction}"` : "";
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?><Response><Connect${action}><Stream url="wss://voice.example.test/twilio/media/${params.AccountSid}">` +
          `<Parameter name="callId" value="call-1"/><Parameter name="teamId" value="team &amp; co"/></Stream></Connect></Response>`,
      );
    } else if (request.url?.startsWith("/twilio/recording-done")) {
      response.end("<Response><Say>Thanks, we got your message.</Say><Hangup/></Response>");
    } else if (request.url === "/twilio/after-stream") {
      response.end(`<Response><Dial><Number>+15557654321</Number></Dial></Response>`);
    } else {
      response.end("<Response/>");
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request, socket, head) => {
    const signature = String(request.headers["x-twilio-signature"] ?? "");
    const isValid = twilio.validateRequest(TOKEN, signature, `wss://voice.example.test${request.url}`, {});
    upgrades.push({ path: request.url ?? "", signature, isValid });
    if (!isValid) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      let streamSid = "";
      const conn: TAgentConn = {
        ws,
        received: [],
        sentAt: new Map(),
        echoedAt: new Map(),
        sendAudio(ms, isVoice = true) {
          const audio = isVoice ? tone(ms) : Buffer.alloc(Math.round(ms * 8), 0xff);
          for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
            const payload = audio.subarray(offset, offset + FRAME_BYTES).toString("base64");
            ws.send(JSON.stringify({ event: "media", streamSid, media: { payload } }));
          }
        },
        sendMark(name) {
          conn.sentAt.set(name, performance.now());
          ws.send(JSON.stringify({ event: "mark", streamSid, mark: { name } }));
        },
        clear() {
          ws.send(JSON.stringify({ event: "clear", streamSid }));
        },
      };
      conns.push(conn);
      ws.on("message", (data) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown> & { event: string };
        conn.received.push(message);
        if (message.event === "start") {
          streamSid = String(message.streamSid);
          scenario.onStart?.(conn);
        } else if (message.event === "mark") {
          conn.echoedAt.set(String((message.mark as { name: string }).name), performance.now());
        } else if (message.event === "media") {
          const audio = Buffer.from(String((message.media as { payload: string }).payload), "base64");
          scenario.onFrame?.(conn, isVoiced(audio));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const fake: TFakeServer = {
    url: `http://127.0.0.1:${port}`,
    server,
    webhooks,
    upgrades,
    conns,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(fake);
  return fake;
}

function call(fake: TFakeServer, steps: TSimStep[], extra: { authToken?: string; twilioRest?: FakeTwilioRest } = {}) {
  return runSimulatedCall({
    baseUrl: fake.url,
    publicUrl: PUBLIC_URL,
    accountSid: SANDBOX_ACCOUNT_SID,
    authToken: extra.authToken ?? TOKEN,
    from: "+15550002222",
    to: "+15550001111",
    script: steps,
    maxCallMs: 20_000,
    twilioRest: extra.twilioRest,
  });
}

// Speech detection on the agent side of the fake: the caller's line ends at the first silent frame after speech.
function onSpeechEnd(handler: (conn: TAgentConn) => void): TScenario["onFrame"] {
  let isSpeaking = false;
  return (conn, isVoice) => {
    if (isVoice) isSpeaking = true;
    else if (isSpeaking) {
      isSpeaking = false;
      handler(conn);
    }
  };
}

describe("simulated Twilio caller", () => {
  it("signs the webhook and the stream upgrade the way Twilio does, and sends Twilio's exact message shapes", async () => {
    const fake = await startFakeVoiceServer({ onStart: (conn) => conn.sendAudio(200) });
    const result = await call(fake, [{ waitForAgent: { quietMs: 100 } }, { dtmf: "4#" }, { pauseMs: 300 }, { hangup: true }]);

    const [webhook, status] = fake.webhooks;
    expect(webhook!.path).toBe("/twilio/voice");
    expect(twilio.validateRequest(TOKEN, webhook!.signature, `${PUBLIC_URL}/twilio/voice`, webhook!.params)).toBe(true);
    expect(webhook!.params).toMatchObject({
      AccountSid: SANDBOX_ACCOUNT_SID,
      From: "+15550002222",
      To: "+15550001111",
      CallStatus: "ringing",
      Direction: "inbound",
      ApiVersion: "2010-04-01",
    });
    expect(webhook!.params.CallSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(fake.upgrades).toEqual([{ path: `/twilio/media/${SANDBOX_ACCOUNT_SID}`, signature: expect.any(String), isValid: true }]);

    const received = fake.conns[0]!.received;
    expect(received[0]).toEqual({ event: "connected", protocol: "Call", version: "1.0.0" });
    const start = received[1] as { start: Record<string, unknown>; streamSid: string };
    expect(received[1]).toMatchObject({ event: "start", sequenceNumber: "1" });
    expect(start.start).toEqual({
      accountSid: SANDBOX_ACCOUNT_SID,
      streamSid: start.streamSid,
      callSid: webhook!.params.CallSid,
      tracks: ["inbound"],
      mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
      customParameters: { callId: "call-1", teamId: "team & co" },
    });
    expect(start.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);

    // sequenceNumber counts every message after `connected`; chunk and timestamp count media only; all strings.
    const after = received.slice(1);
    after.forEach((message, i) => expect(message.sequenceNumber).toBe(String(i + 1)));
    const media = after.filter((m) => m.event === "media") as { media: Record<string, string> }[];
    expect(media.length).toBeGreaterThan(20);
    media.forEach((m, i) => {
      expect(m.media).toEqual({ track: "inbound", chunk: String(i + 1), timestamp: String(i * 20), payload: expect.any(String) });
      const bytes = Buffer.from(m.media.payload!, "base64");
      expect(bytes.length).toBe(160);
    });
    // Nobody speaks in this script: every frame is mu-law silence.
    expect(media.every((m) => Buffer.from(m.media.payload!, "base64").every((b) => b === 0xff))).toBe(true);

    const dtmf = after.filter((m) => m.event === "dtmf");
    expect(dtmf.map((m) => m.dtmf)).toEqual([
      { track: "inbound_track", digit: "4" },
      { track: "inbound_track", digit: "#" },
    ]);
    const last = after[after.length - 1]!;
    expect(last).toEqual({
      event: "stop",
      sequenceNumber: String(after.length),
      stop: { accountSid: SANDBOX_ACCOUNT_SID, callSid: webhook!.params.CallSid },
      streamSid: start.streamSid,
    });

    // Inbound audio is real time: one frame per 20 ms of stream, drift-corrected.
    const streamMs = result.end.atMs;
    expect(Math.abs(media.length - streamMs / 20)).toBeLessThanOrEqual(6);

    expect(status!.path).toBe("/twilio/status");
    expect(status!.params).toMatchObject({ CallStatus: "completed", CallSid: webhook!.params.CallSid });
    expect(Number(status!.params.CallDuration)).toBeGreaterThanOrEqual(0);
    expect(result.statusCallback).toEqual({ status: 200 });
    expect(result.end.by).toBe("caller");
    expect(result.parameters).toEqual({ callId: "call-1", teamId: "team & co" });
  });

  it("reports a refused signature clearly", async () => {
    const fake = await startFakeVoiceServer({});
    const error = await call(fake, [{ hangup: true }], { authToken: "not-the-token" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimCallError);
    expect((error as SimCallError).kind).toBe("signature");
    expect((error as Error).message).toMatch(/refused the signature \(403\)/);
  });

  it("reports an unreachable server clearly", async () => {
    const fake = await startFakeVoiceServer({});
    await fake.close();
    servers.length = 0;
    const error = await call(fake, [{ hangup: true }]).catch((e: unknown) => e);
    expect((error as SimCallError).kind).toBe("unreachable");
    expect((error as Error).message).toMatch(/unreachable at http:\/\/127\.0\.0\.1:\d+\/twilio\/voice/);
  });

  it("echoes a mark only after the audio before it has played, and at once when nothing is queued", async () => {
    const fake = await startFakeVoiceServer({
      onStart: (conn) => {
        conn.sendMark("empty-queue");
        conn.sendAudio(1000);
        conn.sendMark("after-1s");
      },
    });
    const result = await call(fake, [{ waitForAgent: { quietMs: 200 } }, { hangup: true }]);
    const conn = fake.conns[0]!;
    const playedMs = conn.echoedAt.get("after-1s")! - conn.sentAt.get("after-1s")!;
    expect(playedMs).toBeGreaterThanOrEqual(990);
    expect(playedMs).toBeLessThan(3000);
    expect(conn.echoedAt.get("empty-queue")! - conn.sentAt.get("empty-queue")!).toBeLessThan(500);
    expect(result.marks.map((m) => [m.name, m.wasCleared])).toEqual([
      ["empty-queue", false],
      ["after-1s", false],
    ]);
    // The whole second of agent audio was heard.
    const agentVoiced = result.audio!.agent.filter((b) => Math.abs(MULAW_DECODE_TABLE[b]!) > 1000).length;
    expect(agentVoiced).toBeGreaterThan(4000);
  });

  it("on clear drops the queued audio and echoes every pending mark at once, in order", async () => {
    const fake = await startFakeVoiceServer({
      onStart: (conn) => {
        conn.sendAudio(2000);
        conn.sendMark("a");
        conn.sendAudio(1000);
        conn.sendMark("b");
        setTimeout(() => {
          conn.sentAt.set("clear", performance.now());
          conn.clear();
        }, 300);
      },
    });
    const result = await call(fake, [{ pauseMs: 1200 }, { hangup: true }]);
    const conn = fake.conns[0]!;
    const echoes = conn.received.filter((m) => m.event === "mark").map((m) => (m.mark as { name: string }).name);
    expect(echoes).toEqual(["a", "b"]);
    expect(conn.echoedAt.get("a")! - conn.sentAt.get("clear")!).toBeLessThan(500);
    expect(result.marks.every((m) => m.wasCleared)).toBe(true);
    expect(result.clears).toHaveLength(1);
    expect(result.clears[0]!.marksEchoed).toEqual(["a", "b"]);
    expect(result.clears[0]!.droppedMs).toBeGreaterThan(1500);
    // Only what played before the clear was heard: about 300 ms of the 3 s queued.
    const heardMs = result.audio!.agent.filter((b) => Math.abs(MULAW_DECODE_TABLE[b]!) > 1000).length / 8;
    expect(heardMs).toBeGreaterThan(50);
    expect(heardMs).toBeLessThan(1500);
  });

  it("starts a new stretch of agent speech after a clear, however soon: a sentence said again shows as said again", async () => {
    const fake = await startFakeVoiceServer({
      onStart: (conn) => {
        conn.sendAudio(3000);
        setTimeout(() => {
          conn.clear();
          setTimeout(() => conn.sendAudio(1000), 200);
        }, 500);
      },
    });
    const result = await call(fake, [{ pauseMs: 2500 }, { hangup: true }]);
    expect(result.clears).toHaveLength(1);
    expect(result.agentSpeech).toHaveLength(2);
    const [before, again] = result.agentSpeech;
    expect(before!.endMs).toBeLessThanOrEqual(result.clears[0]!.atMs);
    expect(again!.startMs - result.clears[0]!.atMs).toBeGreaterThanOrEqual(150);
    expect(again!.startMs - result.clears[0]!.atMs).toBeLessThan(500);
    expect(again!.endMs - again!.startMs).toBeGreaterThan(800);
  });

  it("measures voice-to-voice latency at the wire against an agent that answers 300 ms after the caller stops", async () => {
    const fake = await startFakeVoiceServer({
      onStart: (conn) => conn.sendAudio(300),
      onFrame: onSpeechEnd((conn) => {
        setTimeout(() => {
          conn.sendAudio(60, false); // leading silence is not the reply
          conn.sendAudio(400);
          conn.sendMark("reply");
        }, 300);
      }),
    });
    const result = await call(fake, [
      { waitForAgent: { quietMs: 200 } },
      { say: "What are your opening hours?" },
      { waitForAgent: { quietMs: 300 } },
      { hangup: true },
    ]);
    expect(result.greetingMs).not.toBeNull();
    expect(result.turns).toHaveLength(1);
    const turn = result.turns[0]!;
    expect(turn.text).toBe("What are your opening hours?");
    expect(turn.endMs! - turn.startMs!).toBeGreaterThan(800);
    expect(turn.wasAgentTalking).toBe(false);
    // The fake hears the first silent frame >= 0 ms after the last voiced one, waits 300 ms, then sends 60 ms of
    // silence that arrives with the voice: the first voiced frame cannot be earlier than 300 ms.
    expect(turn.voiceToVoiceMs).toBeGreaterThanOrEqual(300);
    expect(turn.voiceToVoiceMs).toBeLessThan(2000);
    expect(result.notes).toEqual([]);
    // The recording has the caller on one track and the agent on the other.
    const voiced = (track: Uint8Array) => track.filter((b) => Math.abs(MULAW_DECODE_TABLE[b]!) > 1000).length;
    expect(voiced(result.audio!.caller)).toBeGreaterThan(2000);
    expect(voiced(result.audio!.agent)).toBeGreaterThan(4000);
  });

  it("times barge-in from the caller's speech onset to the clear", async () => {
    let voicedFrames = 0;
    let isTalking = false;
    const fake = await startFakeVoiceServer({
      onStart: (conn) => {
        isTalking = true;
        conn.sendAudio(5000);
        conn.sendMark("long-reply");
      },
      onFrame: (conn, isVoice) => {
        if (!isTalking || !isVoice) return;
        // The agent gives up after 10 voiced frames (200 ms) of caller speech.
        if (++voicedFrames === 10) {
          isTalking = false;
          conn.clear();
        }
      },
    });
    const result = await call(fake, [{ interruptAfterMs: 500 }, { say: "Sorry, wait a second" }, { pauseMs: 200 }, { hangup: true }]);
    const turn = result.turns[0]!;
    expect(turn.isInterruption).toBe(true);
    expect(turn.wasAgentTalking).toBe(true);
    // Onset is when the caller started 500 ms into the agent's speech.
    expect(turn.startMs!).toBeGreaterThanOrEqual(result.greetingMs! + 490);
    expect(turn.bargeInMs).toBeGreaterThanOrEqual(170);
    expect(turn.bargeInMs).toBeLessThan(1500);
    expect(turn.hasAgentAudioAfterClear).toBe(false);
    expect(result.marks).toEqual([expect.objectContaining({ name: "long-reply", wasCleared: true })]);
    expect(result.clears[0]!.droppedMs).toBeGreaterThan(3000);
  });

  it("tells a late frame mid-sentence from a pause between sentences", async () => {
    const fake = await startFakeVoiceServer({
      onStart: (conn) => {
        conn.sendAudio(200);
        setTimeout(() => {
          conn.sendAudio(200); // the buffer ran dry 200 ms ago with no mark: the caller heard a hole
          conn.sendMark("s1");
          setTimeout(() => conn.sendAudio(200), 500); // after a mark: a gap between sentences
        }, 400);
      },
    });
    const result = await call(fake, [{ pauseMs: 1800 }, { hangup: true }]);
    expect(result.pacing.lateFrames).toHaveLength(1);
    expect(result.pacing.lateFrames[0]!.lateByMs).toBeGreaterThan(50);
    expect(result.pacing.lateFrames[0]!.isSimulatorStall).toBe(false);
    expect(result.pacing.segmentGapsMs).toHaveLength(1);
    expect(result.pacing.agentMessages).toBe(30);
  });

  it("reports the server ending the stream and follows <Connect action> like Twilio", async () => {
    const fake = await startFakeVoiceServer({
      connectAction: "/twilio/after-stream",
      onStart: (conn) => {
        conn.sendAudio(200);
        setTimeout(() => conn.ws.close(1000, "transfer"), 400);
      },
    });
    const result = await call(fake, [{ pauseMs: 10_000 }, { hangup: true }]);
    expect(result.end.by).toBe("server");
    expect(result.end.code).toBe(1000);
    expect(result.end.reason).toBe("transfer");
    expect(result.end.nextTwiml?.map((v) => v.verb)).toEqual(["Dial"]);
    expect(result.end.description).toContain("Dial [Number +15557654321]");
    expect(result.durationMs).toBeLessThan(5000);
    expect(fake.webhooks.map((w) => [w.path, w.params.CallStatus])).toEqual([
      ["/twilio/voice", "ringing"],
      ["/twilio/after-stream", "in-progress"],
      ["/twilio/status", "completed"],
    ]);
  });

  it("leaves a voicemail when the webhook answers <Say><Record> instead of a stream", async () => {
    const fake = await startFakeVoiceServer({
      voiceTwiml:
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Joanna">We are closed. Leave a message.</Say>' +
        '<Record action="https://voice.example.test/twilio/recording-done?callId=c1&amp;teamId=t1" maxLength="120"/><Hangup/></Response>',
    });
    const result = await call(fake, [{ say: "Please call me back tomorrow." }, { hangup: true }]);
    expect(result.end.by).toBe("twiml");
    expect(result.twiml.stream).toBeNull();
    expect(result.twiml.verbs.map((v) => v.verb)).toEqual(["Say", "Record", "Hangup"]);
    expect(result.end.description).toContain('Say "We are closed. Leave a message."');
    const recording = fake.webhooks.find((w) => w.path.startsWith("/twilio/recording-done"))!;
    expect(recording.path).toBe("/twilio/recording-done?callId=c1&teamId=t1");
    expect(recording.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(Number(recording.params.RecordingDuration)).toBeGreaterThanOrEqual(1);
    expect(result.end.nextTwiml?.map((v) => v.verb)).toEqual(["Say", "Hangup"]);
    expect(fake.upgrades).toEqual([]);
  });

  it("ends the stream like Twilio when the server redirects the live call through the REST API", async () => {
    const rest = await FakeTwilioRest.start({ accountSid: SANDBOX_ACCOUNT_SID, authToken: TOKEN });
    try {
      const fake = await startFakeVoiceServer({
        onStart: (conn) => {
          conn.sendAudio(200);
          const start = conn.received.find((m) => m.event === "start") as { start: { callSid: string } };
          setTimeout(() => {
            void rest
              .client()
              .calls(start.start.callSid)
              .update({ twiml: "<Response><Dial><Number>+15557654321</Number></Dial></Response>" });
          }, 300);
        },
      });
      const result = await call(fake, [{ pauseMs: 10_000 }, { hangup: true }], { twilioRest: rest });
      expect(result.end.by).toBe("redirected");
      expect(result.end.nextTwiml?.map((v) => v.verb)).toEqual(["Dial"]);
      expect(result.end.description).toContain("Dial [Number +15557654321]");
      const received = fake.conns[0]!.received;
      expect(received[received.length - 1]).toMatchObject({ event: "stop", stop: { callSid: result.callSid } });
      expect(rest.calls.get(result.callSid)?.status).toBe("completed");
    } finally {
      await rest.close();
    }
  });
});
