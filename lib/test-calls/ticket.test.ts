import { describe, expect, it } from "vitest";
import { signTestCallTicket, ticketKey, TICKET_TTL_MS, verifyTestCallTicket } from "./ticket";

const key = ticketKey(Buffer.alloc(32, 7));
const claims = {
  teamId: "6f1c1f9e-8f0a-4a53-9a57-0c7d1d3c2b11",
  agentId: "0b6c4f52-3d8e-4a0f-9f0e-3f5c8e1d2a77",
  userId: "user-1",
  mode: "voice" as const,
};

describe("test call tickets", () => {
  it("round-trips the claims until they expire", () => {
    const now = 1_000_000;
    const { ticket, payload } = signTestCallTicket(claims, key, now);
    expect(payload.exp).toBe(now + TICKET_TTL_MS);
    expect(verifyTestCallTicket(ticket, key, now + TICKET_TTL_MS - 1)).toEqual({ ok: true, payload });
    expect(verifyTestCallTicket(ticket, key, now + TICKET_TTL_MS)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a ticket signed with another key or with edited claims", () => {
    const { ticket } = signTestCallTicket(claims, key);
    expect(verifyTestCallTicket(ticket, ticketKey(Buffer.alloc(32, 8)))).toEqual({ ok: false, reason: "bad_signature" });
    const [body, mac] = ticket.split(".") as [string, string];
    const edited = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
    edited.teamId = "11111111-1111-4111-8111-111111111111";
    const forged = `${Buffer.from(JSON.stringify(edited)).toString("base64url")}.${mac}`;
    expect(verifyTestCallTicket(forged, key)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyTestCallTicket("garbage", key)).toEqual({ ok: false, reason: "malformed" });
  });
});
