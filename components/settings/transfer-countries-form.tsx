"use client";
import { useActionState } from "react";
import { updateTransferCountriesAction } from "@/app/t/[slug]/settings/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

export function TransferCountriesForm({
  slug,
  canEdit,
  chosen,
  effective,
}: {
  slug: string;
  canEdit: boolean;
  // What the team set (empty: the default applies) and what applies now.
  chosen: string[];
  effective: { countries: string[]; isDefault: boolean };
}) {
  const [state, action] = useActionState(updateTransferCountriesAction.bind(null, slug), undefined);
  const e = state?.fieldErrors ?? {};
  return (
    <form action={action} className="max-w-lg space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field
          label="Countries agents may transfer calls to"
          name="transferCountries"
          defaultValue={state?.values?.transferCountries ?? chosen.join(", ")}
          placeholder={effective.isDefault ? effective.countries.join(", ") : ""}
          error={e.transferCountries}
          hint={`Two-letter country codes, e.g. US, CA, GB. Leave empty for the default: the countries of this team's numbers (US and CA without any). Now allowed: ${effective.countries.join(", ")}${effective.isDefault ? " (default)" : ""}. Premium-rate and shared-cost numbers are always refused.`}
        />
      </fieldset>
      {canEdit && <SubmitButton pendingText="Saving…">Save transfer countries</SubmitButton>}
    </form>
  );
}
