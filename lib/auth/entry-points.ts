import "server-only";
import { eq } from "drizzle-orm";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import type { z } from "zod";
import { getDb, type Db } from "@/db/client";
import { users, type Team, type TeamRole, type User } from "@/db/schema";
import type { TAuditActor } from "@/lib/audit/record-audit";
import { ensureWebFieldEncryption } from "@/lib/crypto/web-key-ring";
import { AppError, isAppError } from "@/lib/errors";
import { findNul, NUL_MESSAGE } from "@/lib/validation/free-text";
import { auth } from "./auth";
import { clientIp } from "./client-ip";
import { can, type TPermission } from "./roles";
import { generationOf } from "./sessions";
import { requireTeamAccess, resolveTeamAccess } from "./team-access";
import { log } from "@/lib/observability/log";

// The only places that read the session. Pages, server actions and route handlers go through these and receive
// { user, team, role }; they never call auth() or read cookies themselves.

export type TTeamContext = { db: Db; user: User; team: Team; role: TeamRole; actor: TAuditActor };

// A session issued before the user's sessions were last revoked (sign out everywhere, password change or reset)
// is no session: the generation it carries must still be the user's.
export const getSessionUser = cache(async (): Promise<User | null> => {
  const session = await auth();
  if (!session?.user?.id) return null;
  const [user] = await getDb().select().from(users).where(eq(users.id, session.user.id)).limit(1);
  if (!user || user.sessionGeneration !== generationOf({ gen: session.user.sessionGeneration })) return null;
  return user;
});

export async function requireUser(): Promise<User> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  return user;
}

async function actorFor(user: User): Promise<TAuditActor> {
  return { userId: user.id, label: user.email, ip: clientIp(await headers()) };
}

// Pages: a non-member (or an unknown slug) gets the 404 page; a member lacking the permission too, because
// pages that need more than viewing are only linked for roles that have it.
export const getTeamPage = cache(async (slug: string, permission: TPermission = "team.view"): Promise<TTeamContext> => {
  const user = await requireUser();
  ensureWebFieldEncryption();
  const db = getDb();
  const access = await resolveTeamAccess(db, user.id, slug);
  if (!access || !can(access.role, permission)) notFound();
  return { db, user, ...access, actor: await actorFor(user) };
});

export type TActionState = {
  error?: string;
  success?: string;
  fieldErrors?: Record<string, string>;
  values?: Record<string, string>;
  data?: Record<string, unknown>;
};

export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    out[key] ??= issue.message;
  }
  return out;
}

// Server actions, used as `action.bind(null, slug)` with useActionState. The slug is re-checked against the
// membership on every call; a non-member gets notFound(), exactly as for pages.
export function teamAction<S extends z.ZodType>(
  permission: TPermission,
  schema: S,
  body: (ctx: TTeamContext, input: z.infer<S>) => Promise<TActionState | void>,
) {
  return async (slug: string, _prev: TActionState | undefined, formData: FormData): Promise<TActionState> => {
    const user = await getSessionUser();
    if (!user) redirect("/signin");
    ensureWebFieldEncryption();
    const db = getDb();
    const access = await resolveTeamAccess(db, user.id, String(slug));
    if (!access) notFound();
    const input = Object.fromEntries(
      [...formData.entries()].filter(([k, v]) => !k.startsWith("$") && typeof v === "string"),
    ) as Record<string, string>;
    // What the form shows again after an error: never passwords, tokens or secrets.
    const values = Object.fromEntries(Object.entries(input).filter(([k]) => !/password|token|secret/i.test(k)));
    if (!can(access.role, permission)) return { error: "Your role does not allow this action.", values };
    const nulField = findNul(input)?.[0];
    if (nulField !== undefined) return { error: "Please fix the highlighted fields.", fieldErrors: { [String(nulField)]: NUL_MESSAGE }, values };
    const parsed = schema.safeParse(input);
    if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values };
    try {
      return (await body({ db, user, ...access, actor: await actorFor(user) }, parsed.data)) ?? { success: "Saved." };
    } catch (error) {
      if (isAppError(error)) return { error: error.message, values };
      if (isNextControlFlow(error)) throw error;
      log.error("server action failed", { error });
      return { error: "Something went wrong on our side. Please try again.", values };
    }
  };
}

// Route handlers under /api/teams/[slug]/...: JSON errors, 404 for non-members, 403 for a missing permission.
export function teamRoute<P extends { slug: string }>(
  permission: TPermission,
  body: (ctx: TTeamContext, request: Request, params: P) => Promise<Response>,
) {
  return async (request: Request, { params }: { params: Promise<P> }): Promise<Response> => {
    try {
      const user = await getSessionUser();
      if (!user) throw new AppError("unauthenticated", "Sign in first.");
      const resolved = await params;
      ensureWebFieldEncryption();
    const db = getDb();
      const access = await requireTeamAccess(db, user.id, resolved.slug, permission);
      return await body({ db, user, ...access, actor: await actorFor(user) }, request, resolved);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: unknown): Response {
  if (isAppError(error)) {
    return Response.json({ error: { code: error.code, message: error.message, ...error.details } }, { status: error.status });
  }
  log.error("route failed", { error });
  return Response.json({ error: { code: "internal", message: "Internal error" } }, { status: 500 });
}

// redirect() and notFound() work by throwing; they must pass through the action's error handling.
function isNextControlFlow(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === "string" && (digest.startsWith("NEXT_REDIRECT") || digest.startsWith("NEXT_HTTP_ERROR_FALLBACK"));
}
