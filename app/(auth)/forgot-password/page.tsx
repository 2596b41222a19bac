import type { Metadata } from "next";
import { ForgotPasswordForm } from "@/components/auth/password-forms";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <>
      <h1 className="mb-2 text-xl font-semibold">Forgot your password?</h1>
      <p className="mb-6 text-sm text-slate-500">Enter the email you sign in with and we will send you a link to choose a new password.</p>
      <ForgotPasswordForm />
    </>
  );
}
