"use server";
import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { signIn, signOut } from "@/lib/auth/auth";
import { clientIp, rateLimitIpKey } from "@/lib/auth/client-ip";
import { fieldErrorsOf, getSessionUser, type TActionState } from "@/lib/auth/entry-points";
import { hitRateLimit } from "@/lib/auth/rate-limit";
import { safeNextPath } from "@/lib/auth/safe-next";
import { isAppError } from "@/lib/errors";
import { acceptInvitation } from "@/lib/members/invitations";
import { createTeam, signUp, ZSignUp } from "@/lib/teams/sign-up";

function formValues(formData: FormData, omit: string[] = []) {
  return Object.fromEntries(
    [...formData.entries()].filter(([k, v]) => typeof v === "string" && !k.startsWith("$") && !omit.includes(k)),
  ) as Record<string, string>;
}

export async function signUpAction(_prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const values = formValues(formData, ["password"]);
  const parsed = ZSignUp.safeParse(formValues(formData));
  if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values };
  const db = getDb();
  const ip = clientIp(await headers());
  const limit = await hitRateLimit(db, `signup:ip:${rateLimitIpKey(ip)}`, { limit: 20, windowMs: 3600_000 });
  if (!limit.isAllowed) return { error: "Too many sign-ups from your network. Try again in an hour.", values };
  let teamSlug: string;
  try {
    const { team } = await signUp(db, parsed.data, ip);
    teamSlug = team.slug;
  } catch (error) {
    if (isAppError(error)) return { error: error.message, fieldErrors: { email: error.message }, values };
    throw error;
  }
  const next = safeNextPath(formData.get("next"), `/t/${teamSlug}`);
  await signIn("credentials", { email: parsed.data.email, password: parsed.data.password, redirectTo: next });
  return {};
}

const ZSignIn = z.object({ email: z.string().trim().min(1, "Enter your email"), password: z.string().min(1, "Enter your password") });

export async function signInAction(_prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const values = formValues(formData, ["password"]);
  const parsed = ZSignIn.safeParse(formValues(formData));
  if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values };
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: safeNextPath(formData.get("next"), "/dashboard") });
  } catch (error) {
    if (error instanceof AuthError) {
      const code = (error as AuthError & { code?: string }).code;
      return code === "rate_limited"
        ? { error: "Too many sign-in attempts. Wait 15 minutes and try again.", values }
        : { error: "Incorrect email or password.", values };
    }
    throw error;
  }
  return {};
}

export async function signOutAction() {
  await signOut({ redirectTo: "/" });
}

export async function acceptInvitationAction(token: string): Promise<TActionState> {
  const user = await getSessionUser();
  if (!user) redirect(`/signin?next=${encodeURIComponent(`/invite/${token}`)}`);
  let slug: string;
  try {
    ({ teamSlug: slug } = await acceptInvitation(getDb(), token, user, clientIp(await headers())));
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
  redirect(`/t/${slug}`);
}

const ZNewTeam = z.object({ name: z.string().trim().min(1, "Enter a team name").max(100) });

export async function createTeamAction(_prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  const parsed = ZNewTeam.safeParse(formValues(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: formValues(formData) };
  const team = await createTeam(getDb(), user.id, user.email, parsed.data.name, clientIp(await headers()));
  redirect(`/t/${team.slug}`);
}
