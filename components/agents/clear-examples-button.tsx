"use client";
import { useActionState } from "react";
import { clearTemplateExamplesAction } from "@/app/t/[slug]/agents/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";

// One confirmation for all of a template's leftover examples, instead of one per entry.
export function ClearExamplesButton({ slug, agentId, what, count }: { slug: string; agentId: string; what: "knowledge" | "departments"; count: number }) {
  const [state, action] = useActionState(clearTemplateExamplesAction.bind(null, slug), undefined);
  const noun = what === "knowledge" ? (count === 1 ? "example entry" : "example entries") : count === 1 ? "example department" : "example departments";
  return (
    <form
      action={action}
      className="mt-2 space-y-2"
      onSubmit={(e) => {
        if (!confirm(`Delete the ${count} ${noun} from the draft? Entries you wrote or edited are kept.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="what" value={what} />
      <SubmitButton variant="secondary" pendingText="Deleting…">{`Delete all ${count} ${noun}`}</SubmitButton>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
    </form>
  );
}
