import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/auth-forms";
import { Alert } from "@/components/ui/alert";
import { getSessionUser } from "@/lib/auth/entry-points";
import { safeNextPath } from "@/lib/auth/safe-next";

export const metadata: Metadata = { title: "Sign in" };

const NOTICES: Record<string, string> = {
  "password-reset": "Your password was changed and every session was signed out. Sign in with the new password.",
  "password-changed": "Your password was changed. Sign in with the new password.",
  "signed-out-everywhere": "You were signed out on every device.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string; notice?: string }> }) {
  const { next: raw, notice } = await searchParams;
  // Anything but a path of this site is dropped here, so the form never carries it either.
  const next = safeNextPath(raw, "") || undefined;
  if (await getSessionUser()) redirect(next ?? "/dashboard");
  return (
    <>
      <h1 className="mb-6 text-xl font-semibold">Sign in</h1>
      {notice && NOTICES[notice] && (
        <div className="mb-4">
          <Alert tone="success">{NOTICES[notice]}</Alert>
        </div>
      )}
      <SignInForm next={next} />
    </>
  );
}
