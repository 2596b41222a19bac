"use client";
import { useActionState, useState } from "react";
import { connectTwilioAction, switchToPlatformTwilioAction } from "@/app/t/[slug]/numbers/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { useUnsavedChangesWarning } from "@/components/ui/use-unsaved-changes";
import type { TActionState } from "@/lib/auth/entry-points";
import type { TTwilioAccountSummary } from "@/lib/numbers/twilio-account";

export function TwilioAccountPanel({ slug, summary, canManage }: { slug: string; summary: TTwilioAccountSummary; canManage: boolean }) {
  const [connectState, connectAction] = useActionState(connectTwilioAction.bind(null, slug), undefined);
  const [platformState, platformAction] = useActionState(switchToPlatformTwilioAction.bind(null, slug), undefined);
  const [isFormOpen, setIsFormOpen] = useState(false);
  const [seenState, setSeenState] = useState(connectState);
  if (seenState !== connectState) {
    setSeenState(connectState);
    if (connectState?.success) setIsFormOpen(false);
  }
  const isOwn = summary.mode === "own_account";
  const n = summary.activeNumberCount;
  return (
    <div className="space-y-4">
      <div aria-live="polite" className="space-y-2">
        {connectState?.success && <Alert tone="success">{connectState.success}</Alert>}
        {platformState?.error && <Alert tone="error">{platformState.error}</Alert>}
        {platformState?.success && <Alert tone="success">{platformState.success}</Alert>}
      </div>

      <div className="text-sm text-slate-700" data-testid="twilio-account">
        {isOwn ? (
          <p>
            Numbers are bought on the team&apos;s <strong>own Twilio account</strong>{" "}
            <span className="font-mono text-xs">{summary.accountSid}</span>. Twilio bills that account directly.
          </p>
        ) : summary.accountSid ? (
          <p>
            Numbers are bought on the team&apos;s <strong>subaccount of the platform&apos;s Twilio account</strong>{" "}
            <span className="font-mono text-xs">{summary.accountSid}</span>, kept apart from other teams.
          </p>
        ) : (
          <p>
            Numbers are bought on a <strong>subaccount of the platform&apos;s Twilio account</strong>, created for the team when it buys its first number.
          </p>
        )}
      </div>

      {canManage && isOwn && (
        <form action={platformAction}>
          <SubmitButton variant="secondary" pendingText="Switching…" disabled={n > 0}>
            Switch back to the platform account
          </SubmitButton>
          {n > 0 && (
            <p className="mt-1 text-xs text-slate-500">
              Release the team&apos;s {n} active number{n === 1 ? "" : "s"} first; they belong to the connected account.
            </p>
          )}
        </form>
      )}

      {canManage && !isFormOpen && (
        <Button type="button" variant="secondary" onClick={() => setIsFormOpen(true)}>
          {isOwn ? "Update the Auth Token" : "Connect your own Twilio account"}
        </Button>
      )}
      {canManage && isFormOpen && (
        <ConnectForm
          state={connectState}
          action={connectAction}
          defaultSid={isOwn ? (summary.accountSid ?? "") : ""}
          blockingNumbers={isOwn ? 0 : n}
          onCancel={() => setIsFormOpen(false)}
        />
      )}
    </div>
  );
}

function ConnectForm({
  state,
  action,
  defaultSid,
  blockingNumbers: n,
  onCancel,
}: {
  state: TActionState | undefined;
  action: (formData: FormData) => void;
  defaultSid: string;
  blockingNumbers: number;
  onCancel: () => void;
}) {
  const formRef = useUnsavedChangesWarning(state);
  const e = state?.fieldErrors ?? {};
  return (
    <form ref={formRef} action={action} className="max-w-lg space-y-4" noValidate aria-label="Connect a Twilio account">
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {n > 0 && (
        <Alert tone="info">
          The team has {n} active number{n === 1 ? "" : "s"} on the platform account. Release {n === 1 ? "it" : "them"} before connecting another account.
        </Alert>
      )}
      <Field
        label="Account SID"
        name="accountSid"
        autoComplete="off"
        spellCheck={false}
        placeholder="AC…"
        defaultValue={state?.values?.accountSid ?? defaultSid}
        error={e.accountSid}
        hint="Twilio console → Account info"
      />
      <Field
        label="Auth Token"
        name="authToken"
        type="password"
        autoComplete="off"
        error={e.authToken}
        hint="Checked with Twilio, then stored encrypted. It is never shown again."
      />
      <div className="flex gap-2">
        <SubmitButton pendingText="Checking with Twilio…">Connect account</SubmitButton>
        <Button type="button" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
