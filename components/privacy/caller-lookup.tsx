"use client";
import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { TActionState } from "@/lib/auth/entry-points";
import type { TCallerDataDocument } from "@/lib/privacy/find-caller-data";
import { formatDuration, formatInZone, OUTCOME_LABEL } from "@/components/calls/format";
import { readableMessage } from "@/components/inbox/format";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

// Look a caller up by number, see what the team holds, then record an export or an erasure for that number.
// `timeZone`: the team's, which the dashboard shows every time in.
export function CallerLookup({
  lookupAction,
  requestAction,
  recordingBase,
  timeZone,
  initialNumber,
}: {
  lookupAction: TAction;
  requestAction: TAction;
  recordingBase: string;
  timeZone: string;
  initialNumber?: string;
}) {
  const [state, lookup] = useActionState(lookupAction, undefined);
  const found = state?.data?.lookup as TCallerDataDocument | undefined;
  // Opened from a caller's page ("Export or erase data"): that click asked for this number's data, so it is looked
  // up (and audited) at once instead of waiting for a second click on Look up. A link prefetch never runs this.
  const formRef = useRef<HTMLFormElement>(null);
  const isAutoLookupDone = useRef(false);
  useEffect(() => {
    if (!initialNumber || isAutoLookupDone.current) return;
    isAutoLookupDone.current = true;
    formRef.current?.requestSubmit();
  }, [initialNumber]);
  return (
    <div className="space-y-6">
      <form ref={formRef} action={lookup} className="grid gap-4 sm:grid-cols-[1fr_auto] sm:items-end" noValidate>
        <Field
          label="Caller's phone number"
          name="number"
          placeholder="+1 415 555 0123 or (415) 555-0123"
          defaultValue={state?.values?.number ?? found?.caller_number ?? initialNumber}
          error={state?.fieldErrors?.number}
          hint="Any common format; national numbers are read in the country of your first phone number."
          autoComplete="off"
          required
        />
        <SubmitButton pendingText="Looking up…">Look up</SubmitButton>
      </form>
      {state?.error && !state.fieldErrors?.number && <Alert tone="error">{state.error}</Alert>}
      {found && <CallerData data={found} recordingBase={recordingBase} timeZone={timeZone} />}
      {found && <RequestForms number={found.caller_number} requestAction={requestAction} hasLiveCall={found.calls.some((c) => c.is_live)} />}
    </div>
  );
}

function CallerData({ data, recordingBase, timeZone }: { data: TCallerDataDocument; recordingBase: string; timeZone: string }) {
  return (
    <section aria-label="Caller data" data-testid="caller-data" className="space-y-4">
      <p className="text-sm text-slate-700">
        <span className="font-mono font-medium">{data.caller_number}</span>: {data.calls.length} call(s), {data.messages.length} message(s).
      </p>
      {data.calls.map((call) => (
        <details key={call.id} className="rounded-md border border-slate-200 p-3 text-sm" data-testid="caller-call">
          <summary className="cursor-pointer">
            {call.started_at ? formatInZone(new Date(call.started_at), timeZone) : "—"} · {call.is_live ? "live now" : call.outcome ? (OUTCOME_LABEL[call.outcome] ?? call.outcome) : call.status}
            {call.duration_sec !== null && ` · ${formatDuration(call.duration_sec)}`}
            {call.analysis.topic && ` · ${call.analysis.topic}`}
          </summary>
          <div className="mt-2 space-y-2">
            {call.analysis.summary && <p className="text-slate-700">{call.analysis.summary}</p>}
            {Object.keys(call.captured_fields).length > 0 && (
              <dl className="grid grid-cols-[auto_1fr] gap-x-3 text-xs">
                {Object.entries(call.captured_fields).map(([k, v]) => (
                  <div key={k} className="contents">
                    <dt className="font-medium text-slate-500">{k.replace(/_/g, " ")}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
              </dl>
            )}
            {call.recording_file && <audio controls preload="none" src={`${recordingBase}/${call.id}/recording`} className="w-full" />}
            <ol className="space-y-1">
              {call.transcript.map((t) => (
                <li key={t.seq}>
                  <span className="font-medium capitalize text-slate-500">{t.speaker}:</span> {t.text}
                </li>
              ))}
            </ol>
          </div>
        </details>
      ))}
      {data.messages.length > 0 && (
        <ul className="space-y-1 text-sm">
          {data.messages.map((m) => (
            <li key={m.id} className="rounded-md bg-slate-50 p-2">
              <span className="font-medium">{m.caller_name || "Unknown"}</span> ({m.callback_number || "no callback number"}):{" "}
              {/* Every detail the message holds, as words ("Caller name: …"): this view shows all the team keeps. */}
              <span className="whitespace-pre-line">{readableMessage(m.message, {})}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RequestForms({ number, requestAction, hasLiveCall }: { number: string; requestAction: TAction; hasLiveCall: boolean }) {
  const [state, action, isPending] = useActionState(requestAction, undefined);
  const router = useRouter();
  const [law, setLaw] = useState("gdpr");
  const confirmRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!state?.success) return;
    // Each erasure is confirmed on its own.
    if (confirmRef.current) confirmRef.current.checked = false;
    router.refresh();
  }, [state, router]);
  return (
    <form
      // Submitted by hand rather than through `action`: React resets a form after its action, which would switch a
      // refused erasure's law back to GDPR and clear the note.
      onSubmit={(e) => {
        e.preventDefault();
        const formData = new FormData(e.currentTarget, (e.nativeEvent as SubmitEvent).submitter);
        startTransition(() => action(formData));
      }}
      className="space-y-4 rounded-md border border-slate-200 p-4"
      noValidate
    >
      <h3 className="text-sm font-semibold">Record a request for {number}</h3>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      <input type="hidden" name="number" value={number} />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField label="Law" name="law" value={law} onChange={(e) => setLaw(e.target.value)} error={state?.fieldErrors?.law}>
          <option value="gdpr">GDPR (answer within 30 days)</option>
          <option value="ccpa">CCPA (answer within 45 days)</option>
        </SelectField>
        <Field label="Note (optional)" name="note" maxLength={500} placeholder="e.g. request received by email on 3 May" error={state?.fieldErrors?.note} />
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input ref={confirmRef} type="checkbox" name="confirm" className="mt-1" />
        <span>
          For an erasure: I understand it deletes every call, transcript, recording and message of this number, cannot be undone, and keeps only anonymous counts.
          {hasLiveCall && " A call from this number is live: it will be erased when it ends."}
        </span>
      </label>
      {state?.fieldErrors?.confirm && <p className="text-sm text-red-600">{state.fieldErrors.confirm}</p>}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" name="kind" value="export" disabled={isPending} aria-busy={isPending}>
          Export data (access request)
        </Button>
        <Button type="submit" name="kind" value="erasure" variant="danger" disabled={isPending} aria-busy={isPending}>
          Erase all data
        </Button>
        {isPending && <span className="self-center text-sm text-slate-500">Working…</span>}
      </div>
    </form>
  );
}
