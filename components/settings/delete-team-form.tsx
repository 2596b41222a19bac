"use client";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import type { TActionState } from "@/lib/auth/entry-points";

// The owner's "Delete team": typed confirmation of the team's name, then every call, transcript, recording and
// setting of the team is deleted and its encryption key destroyed.
export function DeleteTeamForm({
  teamName,
  action: deleteAction,
}: {
  teamName: string;
  action: (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;
}) {
  const [state, action] = useActionState(deleteAction, undefined);
  const [typed, setTyped] = useState("");
  return (
    <form action={action} className="max-w-lg space-y-4">
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      <p className="text-sm text-slate-700">
        This deletes every call, transcript, recording, message, agent and setting of <strong>{teamName}</strong>, and destroys
        the team&apos;s encryption key, so recordings in any backup can no longer be decrypted. It cannot be undone. Release the
        team&apos;s phone numbers first.
      </p>
      <Field
        label={`Type ${teamName} to confirm`}
        name="confirmation"
        autoComplete="off"
        value={typed}
        onChange={(event) => setTyped(event.target.value)}
        error={state?.fieldErrors?.confirmation}
      />
      <SubmitButton variant="danger" pendingText="Deleting…" disabled={typed.trim() !== teamName.trim()}>
        Delete team
      </SubmitButton>
    </form>
  );
}
