"use client";
import { useActionState } from "react";
import { updateTeamSettingsAction } from "@/app/t/[slug]/settings/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { useUnsavedChangesWarning } from "@/components/ui/use-unsaved-changes";

export function TeamSettingsForm({
  slug,
  initial,
  canEdit,
  maxConcurrentCalls,
  timeZones,
  timeZoneSource,
}: {
  slug: string;
  initial: { name: string; concurrentCallLimit: number; timeZone: string };
  // Where the current zone comes from when none was saved ("the first agent's business hours", "the default").
  timeZoneSource: string | null;
  timeZones: string[];
  canEdit: boolean;
  // The platform's cap (PLATFORM_MAX_CONCURRENT_CALLS_PER_TEAM).
  maxConcurrentCalls: number;
}) {
  const [state, action] = useActionState(updateTeamSettingsAction.bind(null, slug), undefined);
  const formRef = useUnsavedChangesWarning(state);
  const v = state?.values;
  const e = state?.fieldErrors ?? {};
  return (
    <form ref={formRef} action={action} className="max-w-lg space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {!canEdit && <Alert tone="info">You can view these settings. Only owners and admins can change them.</Alert>}
      <fieldset disabled={!canEdit} className="space-y-4">
        <Field label="Team name" name="name" defaultValue={v?.name ?? initial.name} error={e.name} required />
        <SelectField
          label="Time zone"
          name="timeZone"
          defaultValue={v?.timeZone || initial.timeZone}
          error={e.timeZone}
          hint={`Times, "today" and the analytics days and hours are shown in this zone.${timeZoneSource ? ` Not saved yet: taken from ${timeZoneSource}.` : ""}`}
        >
          {(timeZones.includes(initial.timeZone) ? timeZones : [initial.timeZone, ...timeZones]).map((tz) => (
            <option key={tz} value={tz}>
              {tz}
            </option>
          ))}
        </SelectField>
        <Field
          label="Concurrent call limit"
          name="concurrentCallLimit"
          type="number"
          min={1}
          max={Math.max(maxConcurrentCalls, initial.concurrentCallLimit)}
          defaultValue={v?.concurrentCallLimit ?? initial.concurrentCallLimit}
          error={e.concurrentCallLimit}
          hint={`Callers beyond this many simultaneous calls hear a busy message and can leave a message. At most ${maxConcurrentCalls} on this platform.`}
        />
      </fieldset>
      {canEdit && <SubmitButton pendingText="Saving…">Save settings</SubmitButton>}
    </form>
  );
}
