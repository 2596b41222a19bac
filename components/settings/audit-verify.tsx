"use client";
import { useActionState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";

// Walks the team's audit hash chain on demand and names the first entry that does not match.
export function AuditVerify({ action }: { action: (prev: TActionState | undefined, formData: FormData) => Promise<TActionState> }) {
  const [state, verify] = useActionState(action, undefined);
  return (
    <form action={verify} className="space-y-2" data-testid="audit-verify">
      <SubmitButton variant="secondary" pendingText="Verifying…">Verify integrity</SubmitButton>
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {state?.error && <Alert tone="error">{state.error}</Alert>}
    </form>
  );
}
