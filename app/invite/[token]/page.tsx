import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInvitation } from "@/components/settings/accept-invitation";
import { buttonClass } from "@/components/ui/button-class";
import { getDb } from "@/db/client";
import { getSessionUser } from "@/lib/auth/entry-points";
import { findInvitation } from "@/lib/members/invitations";

export const metadata: Metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const found = await findInvitation(getDb(), token);
  const user = await getSessionUser();
  const next = `/invite/${token}`;
  return (
    <div className="mx-auto max-w-md px-4 py-16">
      <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        {!found ? (
          <>
            <h1 className="text-xl font-semibold">Invitation not valid</h1>
            <p className="mt-2 text-sm text-slate-500">This link is expired, revoked or already used. Ask a team admin for a new one.</p>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">Join {found.teamName}</h1>
            <p className="mt-2 text-sm text-slate-500">
              You were invited as <strong>{found.invitation.role}</strong> ({found.invitation.email}).
            </p>
            <div className="mt-6">
              {user && user.email.toLowerCase() !== found.invitation.email.toLowerCase() ? (
                // Only the invited address may accept (lib/members/invitations.ts checks it again on accept).
                <p className="text-sm text-red-700" role="alert">
                  This invitation is for {found.invitation.email}, but you are signed in as {user.email}. Sign out, then
                  sign in or create an account with {found.invitation.email}.
                </p>
              ) : user ? (
                <AcceptInvitation token={token} email={user.email} />
              ) : (
                <div className="flex gap-3">
                  <Link className={buttonClass("primary")} href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
                  <Link className={buttonClass("secondary")} href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
                </div>
              )}
            </div>
          </>
        )}
      </div>
    </div>
  );
}
