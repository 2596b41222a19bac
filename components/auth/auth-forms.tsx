"use client";
import Link from "next/link";
import { useActionState } from "react";
import { signInAction, signUpAction } from "@/app/(auth)/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

export function SignUpForm({ next }: { next?: string }) {
  const [state, action] = useActionState(signUpAction, undefined);
  const v = state?.values ?? {};
  const e = state?.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {next && <input type="hidden" name="next" value={next} />}
      <Field label="Your name" name="name" autoComplete="name" defaultValue={v.name} error={e.name} required />
      <Field label="Work email" name="email" type="email" autoComplete="email" defaultValue={v.email} error={e.email} required />
      <Field label="Password" name="password" type="password" autoComplete="new-password" error={e.password} hint="At least 10 characters." required />
      <Field label="Company name" name="companyName" autoComplete="organization" defaultValue={v.companyName} error={e.companyName} required />
      <SubmitButton className="w-full" pendingText="Creating your account…">Create account</SubmitButton>
      <p className="text-center text-sm text-slate-500">
        Already have an account?{" "}
        <Link className="font-medium text-brand-600 hover:underline" href={next ? `/signin?next=${encodeURIComponent(next)}` : "/signin"}>
          Sign in
        </Link>
      </p>
    </form>
  );
}

export function SignInForm({ next }: { next?: string }) {
  const [state, action] = useActionState(signInAction, undefined);
  const v = state?.values ?? {};
  const e = state?.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {next && <input type="hidden" name="next" value={next} />}
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={v.email} error={e.email} required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" error={e.password} required />
      <p className="-mt-2 text-right text-sm">
        <Link className="font-medium text-brand-600 hover:underline" href="/forgot-password">Forgot password?</Link>
      </p>
      <SubmitButton className="w-full" pendingText="Signing in…">Sign in</SubmitButton>
      <p className="text-center text-sm text-slate-500">
        New here?{" "}
        <Link className="font-medium text-brand-600 hover:underline" href={next ? `/signup?next=${encodeURIComponent(next)}` : "/signup"}>
          Create an account
        </Link>
      </p>
    </form>
  );
}
