import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/auth-forms";
import { getSessionUser } from "@/lib/auth/entry-points";
import { safeNextPath } from "@/lib/auth/safe-next";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const raw = (await searchParams).next;
  // Anything but a path of this site is dropped here, so the form never carries it either.
  const next = safeNextPath(raw, "") || undefined;
  if (await getSessionUser()) redirect(next ?? "/dashboard");
  return (
    <>
      <h1 className="mb-6 text-xl font-semibold">Sign in</h1>
      <SignInForm next={next} />
    </>
  );
}
