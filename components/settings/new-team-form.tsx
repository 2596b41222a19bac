"use client";
import { useActionState } from "react";
import { createTeamAction } from "@/app/(auth)/actions";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

export function NewTeamForm() {
  const [state, action] = useActionState(createTeamAction, undefined);
  return (
    <form action={action} className="space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <Field label="Team name" name="name" defaultValue={state?.values?.name} error={state?.fieldErrors?.name} required />
      <SubmitButton pendingText="Creating…">Create team</SubmitButton>
    </form>
  );
}
