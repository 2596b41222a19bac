import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { BrowserTransport } from "./browser-transport";

// A socket that records what the transport sends.
function fakeSocket() {
  const sent: unknown[] = [];
  const ws = Object.assign(new EventEmitter(), {
    OPEN: 1,
    CLOSED: 3,
    CLOSING: 2,
    readyState: 1,
    send: (data: unknown) => sent.push(typeof data === "string" ? JSON.parse(data) : data),
    close: () => {},
  });
  return { ws: ws as unknown as WebSocket, sent };
}

describe("browser transport: the agent's words as they are spoken", () => {
  it("sends each sentence as a speaking message once the call has started, never before", () => {
    const { ws, sent } = fakeSocket();
    const transport = new BrowserTransport(ws);
    transport.sendAgentSpeech({ generation: 1, segment: 0, text: "Too early.", atMs: 0 });
    expect(sent).toEqual([]);
    transport.start({ callId: "c1", teamId: "t1", callSid: null, streamSid: null, accountSid: null, parameters: {}, inputMode: "text" });
    transport.sendAgentSpeech({ generation: 1, segment: 0, text: "Thanks for calling.", atMs: 120 });
    expect(sent.at(-1)).toEqual({ type: "speaking", generation: 1, segment: 0, text: "Thanks for calling.", atMs: 120 });
  });
});
