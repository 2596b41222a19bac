"use client";
import { useActionState, useState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { STATUS_LABEL } from "./format";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

// A datetime-local value in the browser's own time zone.
function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function MessageForm({
  action,
  message,
  members,
  canHandle,
}: {
  action: TAction;
  message: { id: string; status: string; assigneeId: string | null; callbackAt: string | null; notes: string };
  members: { userId: string; label: string }[];
  canHandle: boolean;
}) {
  const [state, formAction] = useActionState(action, undefined);
  const [callbackLocal, setCallbackLocal] = useState(toLocalInput(message.callbackAt));
  const callbackIso = callbackLocal ? new Date(callbackLocal).toISOString() : "";
  return (
    <form action={formAction} className="space-y-4" aria-label="Triage">
      <input type="hidden" name="messageId" value={message.id} />
      <input type="hidden" name="callbackAtIso" value={callbackIso} />
      <fieldset disabled={!canHandle} className="grid gap-4 sm:grid-cols-3">
        <div className="space-y-1">
          <label htmlFor="message-status" className="block text-sm font-medium text-slate-700">Status</label>
          <select id="message-status" name="status" defaultValue={message.status} className={inputClass}>
            {Object.entries(STATUS_LABEL).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="message-assignee" className="block text-sm font-medium text-slate-700">Assignee</label>
          <select id="message-assignee" name="assigneeId" defaultValue={message.assigneeId ?? ""} className={inputClass}>
            <option value="">Nobody</option>
            {members.map((m) => (
              <option key={m.userId} value={m.userId}>{m.label}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="message-callback" className="block text-sm font-medium text-slate-700">Call back at</label>
          <input id="message-callback" type="datetime-local" value={callbackLocal} onChange={(e) => setCallbackLocal(e.target.value)} className={inputClass} />
          {state?.fieldErrors?.callbackAt && <p className="text-sm text-red-600">{state.fieldErrors.callbackAt}</p>}
        </div>
        <div className="space-y-1 sm:col-span-3">
          <label htmlFor="message-notes" className="block text-sm font-medium text-slate-700">Notes</label>
          <textarea id="message-notes" name="notes" rows={3} maxLength={10_000} defaultValue={message.notes} className={inputClass} />
        </div>
      </fieldset>
      {canHandle && <SubmitButton pendingText="Saving…">Save</SubmitButton>}
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
    </form>
  );
}
