"use client";
import { useActionState } from "react";
import { acceptInvitationAction } from "@/app/(auth)/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";

export function AcceptInvitation({ token, email }: { token: string; email: string }) {
  const [state, action] = useActionState(() => acceptInvitationAction(token), undefined);
  return (
    <form action={action} className="space-y-3">
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      <p className="text-sm text-slate-600">Signed in as {email}.</p>
      <SubmitButton pendingText="Joining…">Accept invitation</SubmitButton>
    </form>
  );
}
