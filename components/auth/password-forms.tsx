"use client";
import Link from "next/link";
import { useActionState } from "react";
import { changePasswordAction, signOutEverywhereAction } from "@/app/account/actions";
import { requestPasswordResetAction, resetPasswordAction } from "@/app/(auth)/password-actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

const PASSWORD_HINT = "At least 10 characters.";

export function ForgotPasswordForm() {
  const [state, action] = useActionState(requestPasswordResetAction, undefined);
  const e = state?.fieldErrors ?? {};
  const link = typeof state?.data?.link === "string" ? state.data.link : undefined;
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && (
        <Alert tone="success">
          {state.success}
          {link && (
            <a className="mt-1 block break-all font-medium underline" href={link} data-testid="reset-link">
              {link}
            </a>
          )}
        </Alert>
      )}
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={state?.values?.email} error={e.email} required />
      <SubmitButton className="w-full" pendingText="Sending…">Send reset link</SubmitButton>
      <p className="text-center text-sm text-slate-500">
        <Link className="font-medium text-brand-600 hover:underline" href="/signin">Back to sign in</Link>
      </p>
    </form>
  );
}

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, action] = useActionState(resetPasswordAction.bind(null, token), undefined);
  const e = state?.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" error={e.newPassword} hint={PASSWORD_HINT} required />
      <Field label="Repeat new password" name="confirmPassword" type="password" autoComplete="new-password" error={e.confirmPassword} required />
      <SubmitButton className="w-full" pendingText="Saving…">Set new password</SubmitButton>
    </form>
  );
}

export function ChangePasswordForm() {
  const [state, action] = useActionState(changePasswordAction, undefined);
  const e = state?.fieldErrors ?? {};
  return (
    <form action={action} className="max-w-sm space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" error={e.currentPassword} required />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" error={e.newPassword} hint={PASSWORD_HINT} required />
      <Field label="Repeat new password" name="confirmPassword" type="password" autoComplete="new-password" error={e.confirmPassword} required />
      <SubmitButton pendingText="Changing…">Change password</SubmitButton>
    </form>
  );
}

export function SignOutEverywhereForm() {
  return (
    <form action={signOutEverywhereAction}>
      <SubmitButton variant="secondary" pendingText="Signing out…">Sign out everywhere</SubmitButton>
    </form>
  );
}
