import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocket, WebSocketServer } from "ws";
import type { Db } from "@/db/client";
import type { TTicketCheck } from "@/lib/crypto/signed-ticket";
import { isAppError } from "@/lib/errors";
import { claimTestCallTicket } from "@/lib/test-calls/claim-ticket";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";

// A WebSocket upgrade whose only credential is a signed, single-use ticket in its URL (?ticket=...): the browser
// test call and the voice-mode test scenario. Every answer is counted (voice_webhooks_total{route, result}) and
// given before the upgrade: 503 with no secret to check tickets with, 403 for a missing, forged, expired or already
// used ticket, 404 when what it names is not there (or not its team's), an app error's own status, 500 otherwise.
// A ticket's nonce is spent in the database before anything it names is loaded, so a second use is refused by
// every voice server instance.

export type TTicketUpgradeContext = {
  db: Db;
  wss: WebSocketServer;
  secretKey: Buffer | undefined;
  metrics: TVoiceMetrics;
  log: TLogger;
  now: () => Date;
};

export type TTicketUpgrade<TPayload, TLoaded> = {
  // The metric's route label, and what the log calls this kind of call.
  route: string;
  name: string;
  verify(ticket: string, secretKey: Buffer, nowMs: number): TTicketCheck<TPayload>;
  // What the spent ticket names; null: not found. An AppError it throws is answered with its status.
  load(payload: TPayload): Promise<TLoaded | null>;
  // The socket is open.
  connected(ws: WebSocket, payload: TPayload, loaded: TLoaded): void;
};

export type TReject = (status: number, text: string) => void;

export function upgradeWithTicket<TPayload extends { nonce: string; teamId: string; exp: number }, TLoaded>(
  ctx: TTicketUpgradeContext,
  upgrade: TTicketUpgrade<TPayload, TLoaded>,
  request: { req: IncomingMessage; socket: Socket; head: Buffer; reject: TReject },
): void {
  const { req, socket, head, reject } = request;
  const count = (result: string) => ctx.metrics.webhooks.inc({ route: upgrade.route, result });
  if (!ctx.secretKey) {
    ctx.log.warn(`${upgrade.name} refused: set AUTH_SECRET (or ENCRYPTION_KEY) for the voice server`);
    count("unconfigured");
    return reject(503, "Service Unavailable");
  }
  const ticket = new URL(req.url ?? "/", "http://voice.local").searchParams.get("ticket") ?? "";
  const check = upgrade.verify(ticket, ctx.secretKey, ctx.now().getTime());
  if (!check.ok) {
    count("forbidden");
    return reject(403, "Forbidden");
  }
  const { payload } = check;
  claimTestCallTicket(ctx.db, payload)
    .then(async (isFirstUse) => {
      if (!isFirstUse) {
        count("forbidden");
        return reject(403, "Forbidden");
      }
      const loaded = await upgrade.load(payload);
      if (loaded === null) {
        count("not_found");
        return reject(404, "Not Found");
      }
      ctx.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        count("connected");
        upgrade.connected(ws, payload, loaded);
      });
    })
    .catch((error: unknown) => {
      if (isAppError(error)) {
        count(error.code);
        return reject(error.status, error.code === "not_found" ? "Not Found" : error.code === "forbidden" ? "Forbidden" : "Bad Request");
      }
      ctx.log.error(`${upgrade.name} upgrade failed`, { error });
      reject(500, "Internal Server Error");
    });
}
