import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import type { Db } from "@/db/client";
import { signTicket, verifyTicket } from "@/lib/crypto/signed-ticket";
import { AppError } from "@/lib/errors";
import { silentLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import { upgradeWithTicket, type TTicketUpgrade } from "./ticket-upgrade";

const SECRET = Buffer.from("a test secret of at least 32 characters");
const ZPayload = z.object({ nonce: z.string(), teamId: z.string(), callId: z.string(), exp: z.number() });
type TPayload = z.infer<typeof ZPayload>;
const NOW = 1_700_000_000_000;

const ticketFor = (over: Partial<TPayload> = {}, key = SECRET) => signTicket({ nonce: "n1", teamId: "team-a", callId: "call-1", exp: NOW + 60_000, ...over }, key);

// `claimed`: nonces already spent, as the shared test_call_ticket_uses table would hold them.
function setup(options: { secretKey?: Buffer; load?: (payload: TPayload) => Promise<string | null> } = {}) {
  const claimed = new Set<string>();
  const db = {
    execute: async (query: { queryChunks: unknown[] }) => {
      const nonce = query.queryChunks.find((chunk): chunk is string => typeof chunk === "string" && /^n\d+$/.test(chunk)) ?? "";
      if (claimed.has(nonce)) return [];
      claimed.add(nonce);
      return [{ nonce }];
    },
  } as unknown as Db;
  const results: string[] = [];
  const refusals: number[] = [];
  const connected: { payload: TPayload; loaded: string }[] = [];
  const upgrades: number[] = [];
  const ctx = {
    db,
    wss: { handleUpgrade: (_req: unknown, _socket: unknown, _head: unknown, done: (ws: WebSocket) => void) => (upgrades.push(1), done({} as WebSocket)) } as unknown as WebSocketServer,
    secretKey: "secretKey" in options ? options.secretKey : SECRET,
    metrics: { webhooks: { inc: (labels: { result: string }) => results.push(labels.result) } } as unknown as TVoiceMetrics,
    log: silentLogger,
    now: () => new Date(NOW),
  };
  const upgrade: TTicketUpgrade<TPayload, string> = {
    route: "test_call",
    name: "test call",
    verify: (ticket, key, nowMs) => verifyTicket(ZPayload, ticket, key, nowMs),
    load: options.load ?? (async (payload) => (payload.teamId === "team-a" ? `loaded ${payload.callId}` : null)),
    connected: (_ws, payload, loaded) => connected.push({ payload, loaded }),
  };
  const open = async (ticket: string) => {
    const req = { url: `/call?ticket=${encodeURIComponent(ticket)}` } as IncomingMessage;
    upgradeWithTicket(ctx, upgrade, { req, socket: {} as Socket, head: Buffer.alloc(0), reject: (status) => refusals.push(status) });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { open, results, refusals, connected, upgrades };
}

describe("upgradeWithTicket", () => {
  it("opens the socket for a valid ticket, once: the same ticket again is refused", async () => {
    const { open, results, refusals, connected } = setup();
    await open(ticketFor());
    expect(connected).toEqual([{ payload: expect.objectContaining({ teamId: "team-a", callId: "call-1" }), loaded: "loaded call-1" }]);
    await open(ticketFor());
    expect(refusals).toEqual([403]);
    expect(results).toEqual(["connected", "forbidden"]);
  });

  it("refuses a missing, forged or expired ticket with 403 before touching the database", async () => {
    const { open, refusals, upgrades, results } = setup();
    await open("");
    await open("not.a-ticket");
    await open(ticketFor({}, Buffer.from("another secret entirely, 32 chars+")));
    await open(ticketFor({ exp: NOW - 1 }));
    expect(refusals).toEqual([403, 403, 403, 403]);
    expect(upgrades).toEqual([]);
    expect(results).toEqual(["forbidden", "forbidden", "forbidden", "forbidden"]);
  });

  it("answers 404 when what the ticket names is not there (another team's), spending the ticket all the same", async () => {
    const { open, refusals, connected } = setup();
    await open(ticketFor({ teamId: "team-b", nonce: "n2" }));
    await open(ticketFor({ teamId: "team-b", nonce: "n2" }));
    expect(refusals).toEqual([404, 403]);
    expect(connected).toEqual([]);
  });

  it("answers an app error with its status, and anything else with 500", async () => {
    const forbidden = setup({ load: async () => Promise.reject(new AppError("forbidden", "not a member of this team")) });
    await forbidden.open(ticketFor());
    expect(forbidden.refusals).toEqual([403]);
    expect(forbidden.results).toEqual(["forbidden"]);
    const broken = setup({ load: async () => Promise.reject(new Error("db down")) });
    await broken.open(ticketFor());
    expect(broken.refusals).toEqual([500]);
  });

  it("refuses every call with 503 when the voice server has no secret to check tickets with", async () => {
    const { open, refusals, results } = setup({ secretKey: undefined });
    await open(ticketFor());
    expect(refusals).toEqual([503]);
    expect(results).toEqual(["unconfigured"]);
  });
});
