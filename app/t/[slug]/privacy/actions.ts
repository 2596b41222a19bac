"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { AppError } from "@/lib/errors";
import { lookupCaller } from "@/lib/privacy/lookup-caller";
import { KIND_LABELS, PRIVACY_LAWS, PRIVACY_REQUEST_KINDS } from "@/lib/privacy/requests";
import { submitPrivacyRequest } from "@/lib/privacy/submit-request";
import { webPrivacyDeps } from "@/lib/privacy/web-deps";

const ZNumber = z.string().trim().min(1, "Enter the caller's phone number.").max(40, "That is too long for a phone number.");

export const lookupCallerAction = teamAction("privacy.manage", z.object({ number: ZNumber }), async (ctx, input) => {
  const deps = webPrivacyDeps();
  try {
    const lookup = await lookupCaller(ctx.db, { team: ctx.team, number: input.number, actor: ctx.actor, secretKey: deps.secretKey, via: "web" });
    return { data: { lookup } };
  } catch (error) {
    if (error instanceof AppError && error.code === "bad_request") return { error: error.message, fieldErrors: { number: error.message }, values: { number: input.number } };
    throw error;
  }
});

export const submitPrivacyRequestAction = teamAction(
  "privacy.manage",
  z
    .object({
      number: ZNumber,
      kind: z.enum(PRIVACY_REQUEST_KINDS),
      law: z.enum(PRIVACY_LAWS, "Choose the law the request is made under."),
      note: z.string().trim().max(500).default(""),
      confirm: z.string().optional(),
    })
    .refine((v) => v.kind !== "erasure" || v.confirm === "on", { path: ["confirm"], message: "Tick the box to confirm: erasure cannot be undone." }),
  async (ctx, input) => {
    const row = await submitPrivacyRequest(ctx.db, webPrivacyDeps(), {
      teamId: ctx.team.id,
      kind: input.kind,
      law: input.law,
      number: input.number,
      note: input.note,
      actor: ctx.actor,
    });
    revalidatePath(`/t/${ctx.team.slug}/privacy`);
    const what = KIND_LABELS[input.kind];
    if (row.status === "completed") return { success: input.kind === "export" ? `${what} is ready to download in the register below.` : "Erasure done: everything held about that number has been deleted." };
    if (row.status === "waiting_for_call") return { success: "A call from that number is in progress. It will be erased as soon as the call ends." };
    if (row.status === "failed") return { error: `The request is recorded but could not be completed yet (${row.error ?? "unknown error"}). It is retried automatically.` };
    return { success: `${what} recorded. It is being prepared; the register below updates when it is done.` };
  },
);
