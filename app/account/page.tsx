import type { Metadata } from "next";
import Link from "next/link";
import { ChangePasswordForm, SignOutEverywhereForm } from "@/components/auth/password-forms";
import { Alert } from "@/components/ui/alert";
import { Card, PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ notice?: string }> }) {
  const user = await requireUser();
  const { notice } = await searchParams;
  return (
    <div className="mx-auto max-w-2xl space-y-6 px-4 py-10">
      <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">← Back to your team</Link>
      <PageHeader title="Your account" description={user.email} />
      {notice === "password-changed" && (
        <Alert tone="success">Password changed. Every other device signed in to your account has been signed out.</Alert>
      )}
      <Card title="Password" description="Changing it signs you out on every other device.">
        <ChangePasswordForm />
      </Card>
      <Card title="Sessions" description="Signs you out on every device and browser, this one included. Use it after signing in on a shared computer or losing a device.">
        <SignOutEverywhereForm />
      </Card>
    </div>
  );
}
