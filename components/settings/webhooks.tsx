"use client";
import { useActionState } from "react";
import {
  createWebhookAction,
  deleteWebhookAction,
  resendWebhookDeliveryAction,
  revealWebhookSecretAction,
  toggleWebhookAction,
} from "@/app/t/[slug]/settings/webhooks/actions";
import { CopyField } from "@/components/settings/api-keys";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { WEBHOOK_EVENT_HELP, WEBHOOK_EVENTS } from "@/lib/webhooks/events";

export function CreateWebhookForm({ slug, allowsPrivateUrls }: { slug: string; allowsPrivateUrls: boolean }) {
  const [state, action] = useActionState(createWebhookAction.bind(null, slug), undefined);
  const secret = typeof state?.data?.secret === "string" ? state.data.secret : undefined;
  const kept = state?.success ? undefined : state?.values;
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {secret && <CopyField label="Signing secret" value={secret} testId="webhook-secret" />}
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        placeholder="https://example.com/webhooks/aica"
        defaultValue={kept?.url}
        error={state?.fieldErrors?.url}
        hint={allowsPrivateUrls ? "https:// on a public host; http:// to private addresses is allowed here (WEBHOOKS_ALLOW_PRIVATE_URLS)." : "Must be https:// on a public address."}
        required
      />
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Events</legend>
        <div className="mt-2 space-y-2">
          {WEBHOOK_EVENTS.map((e) => (
            <label key={e} className="flex items-start gap-2 text-sm">
              <input type="checkbox" name={`event:${e}`} defaultChecked={kept ? kept[`event:${e}`] === "on" : true} className="mt-0.5" />
              <span>
                <span className="font-mono text-slate-900">{e}</span> <span className="text-slate-500">{WEBHOOK_EVENT_HELP[e]}</span>
              </span>
            </label>
          ))}
        </div>
        {state?.fieldErrors?.events && <p className="mt-1 text-sm text-red-600">{state.fieldErrors.events}</p>}
      </fieldset>
      <SubmitButton pendingText="Adding…">Add endpoint</SubmitButton>
    </form>
  );
}

export function WebhookEndpointActions({ slug, endpointId, url, isActive }: { slug: string; endpointId: string; url: string; isActive: boolean }) {
  const [revealState, reveal] = useActionState(revealWebhookSecretAction.bind(null, slug), undefined);
  const [toggleState, toggle] = useActionState(toggleWebhookAction.bind(null, slug), undefined);
  const [deleteState, remove] = useActionState(deleteWebhookAction.bind(null, slug), undefined);
  const secret = typeof revealState?.data?.secret === "string" ? revealState.data.secret : undefined;
  const error = revealState?.error ?? toggleState?.error ?? deleteState?.error;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap justify-end gap-1">
        <form action={reveal}>
          <input type="hidden" name="endpointId" value={endpointId} />
          <SubmitButton variant="ghost" pendingText="…">Reveal secret</SubmitButton>
        </form>
        <form action={toggle}>
          <input type="hidden" name="endpointId" value={endpointId} />
          <input type="hidden" name="isActive" value={isActive ? "false" : "true"} />
          <SubmitButton variant="ghost" pendingText="…">{isActive ? "Disable" : "Enable"}</SubmitButton>
        </form>
        <form
          action={remove}
          onSubmit={(e) => {
            if (!confirm(`Delete the endpoint ${url} and its delivery log?`)) e.preventDefault();
          }}
        >
          <input type="hidden" name="endpointId" value={endpointId} />
          <SubmitButton variant="ghost" className="text-red-600" pendingText="Deleting…">Delete</SubmitButton>
        </form>
      </div>
      {secret && <CopyField label={`Signing secret of ${url}`} value={secret} />}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}

export function ResendDeliveryButton({ slug, deliveryId }: { slug: string; deliveryId: string }) {
  const [state, action] = useActionState(resendWebhookDeliveryAction.bind(null, slug), undefined);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="deliveryId" value={deliveryId} />
      <SubmitButton variant="ghost" pendingText="…">Resend</SubmitButton>
      {state?.success && <span className="text-xs text-emerald-700">{state.success}</span>}
      {state?.error && <span className="text-xs text-red-600">{state.error}</span>}
    </form>
  );
}
