import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignUpForm } from "@/components/auth/auth-forms";
import { getSessionUser } from "@/lib/auth/entry-points";
import { safeNextPath } from "@/lib/auth/safe-next";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const raw = (await searchParams).next;
  // Anything but a path of this site is dropped here, so the form never carries it either.
  const next = safeNextPath(raw, "") || undefined;
  if (await getSessionUser()) redirect(next ?? "/dashboard");
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold">Create your account</h1>
      <p className="mb-6 text-sm text-slate-500">Set up your business and its AI phone agent.</p>
      <SignUpForm next={next} />
    </>
  );
}
