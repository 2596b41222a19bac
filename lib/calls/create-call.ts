import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { calls, type Call, type NewCall } from "@/db/schema";

export type TCreateCallInput = Pick<
  NewCall,
  "teamId" | "agentId" | "agentVersionId" | "phoneNumberId" | "twilioCallSid" | "direction" | "fromNumber" | "toNumber"
> & {
  status?: "ringing" | "in_progress" | "completed";
  isTest?: boolean;
  startedAt?: Date;
  // A call that ends at the webhook (no agent, all lines busy, closed): it never holds a line.
  endedAt?: Date;
  endReason?: string;
  outcome?: "failed" | "abandoned" | "transferred";
  transferredTo?: string;
};

// Twilio retries a webhook that timed out, so the same CallSid may arrive twice: the second time returns the row
// the first one made (as long as it belongs to the same team).
export async function createCall(db: DbOrTx, input: TCreateCallInput): Promise<Call> {
  const [created] = await db
    .insert(calls)
    .values({
      teamId: input.teamId,
      agentId: input.agentId ?? null,
      agentVersionId: input.agentVersionId ?? null,
      phoneNumberId: input.phoneNumberId ?? null,
      twilioCallSid: input.twilioCallSid ?? null,
      direction: input.direction,
      fromNumber: input.fromNumber ?? "",
      toNumber: input.toNumber ?? "",
      status: input.status ?? "ringing",
      isTest: input.isTest ?? false,
      startedAt: input.startedAt ?? new Date(),
      endedAt: input.endedAt ?? null,
      endReason: input.endReason ?? null,
      outcome: input.outcome ?? null,
      transferredTo: input.transferredTo ?? null,
    })
    .onConflictDoNothing({ target: calls.twilioCallSid })
    .returning();
  if (created) return created;
  if (!input.twilioCallSid) throw new Error("Call insert returned no row");
  const [existing] = await db
    .select()
    .from(calls)
    .where(and(eq(calls.twilioCallSid, input.twilioCallSid), eq(calls.teamId, input.teamId)))
    .limit(1);
  if (!existing) throw new Error(`Call ${input.twilioCallSid} already exists for another team`);
  return existing;
}

// The media stream started: the caller is connected to the agent.
export async function markCallAnswered(db: DbOrTx, input: { teamId: string; callId: string; answeredAt: Date }): Promise<void> {
  await db
    .update(calls)
    .set({ status: "in_progress", answeredAt: input.answeredAt })
    .where(and(eq(calls.id, input.callId), eq(calls.teamId, input.teamId), eq(calls.status, "ringing")));
}
