"use client";
import { useActionState } from "react";
import { reanalyzeCallAction } from "@/app/t/[slug]/calls/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";

export function ReanalyzeButton({ slug, callId }: { slug: string; callId: string }) {
  const [state, action] = useActionState(reanalyzeCallAction.bind(null, slug), undefined);
  return (
    <form action={action} className="flex flex-col items-end gap-2">
      <input type="hidden" name="callId" value={callId} />
      <SubmitButton variant="secondary" pendingText="Queuing…">Re-run analysis</SubmitButton>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
    </form>
  );
}
