import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { TTestCallTicket } from "./ticket";

// Spends a verified ticket: true the first time its nonce is claimed, false on any later try, from this voice
// server instance or any other (they share only the database). Expired claims are purged on the way: a ticket
// past its expiry is refused by its signature check before it gets here, so its row has nothing left to guard.
export async function claimTestCallTicket(db: Db, ticket: Pick<TTestCallTicket, "nonce" | "teamId" | "exp">): Promise<boolean> {
  const rows = await db.execute<{ nonce: string }>(sql`
    with purged as (delete from test_call_ticket_uses where expires_at < now() - interval '5 minutes')
    insert into test_call_ticket_uses (nonce, team_id, expires_at)
    values (${ticket.nonce}, ${ticket.teamId}, ${new Date(ticket.exp).toISOString()}::timestamptz)
    on conflict (nonce) do nothing
    returning nonce`);
  return Array.from(rows as Iterable<unknown>).length === 1;
}
