import type { Metadata } from "next";
import Link from "next/link";
import { ResetPasswordForm } from "@/components/auth/password-forms";
import { getDb } from "@/db/client";
import { checkResetToken } from "@/lib/auth/password-reset";

export const metadata: Metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if ((await checkResetToken(getDb(), token)) !== "valid") {
    return (
      <>
        <h1 className="mb-2 text-xl font-semibold">Reset link not valid</h1>
        <p className="mb-6 text-sm text-slate-500">This link is invalid, already used or expired (links last 30 minutes).</p>
        <Link className="text-sm font-medium text-brand-600 hover:underline" href="/forgot-password">Ask for a new link</Link>
      </>
    );
  }
  return (
    <>
      <h1 className="mb-2 text-xl font-semibold">Choose a new password</h1>
      <p className="mb-6 text-sm text-slate-500">Every device signed in to your account will be signed out.</p>
      <ResetPasswordForm token={token} />
    </>
  );
}
