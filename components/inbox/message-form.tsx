"use client";
import { useActionState, useState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { toLocalInputValue } from "@/lib/time/zone";
import { STATUS_LABEL } from "./format";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

export function MessageForm({
  action,
  message,
  members,
  canHandle,
  timeZone,
}: {
  action: TAction;
  message: { id: string; status: string; assigneeId: string | null; callbackAt: string | null; notes: string };
  members: { userId: string; label: string }[];
  canHandle: boolean;
  // The team's: the callback time is typed and shown on its clocks, as every time in the dashboard is.
  timeZone: string;
}) {
  const [state, formAction] = useActionState(action, undefined);
  const [status, setStatus] = useState(message.status);
  // Picking someone for a new item makes it assigned, and clearing the assignee of an assigned one makes it new
  // again, as the inbox's bulk Assign does; the status stays the member's to change.
  const onAssigneeChange = (assigneeId: string) => {
    if (assigneeId && status === "new") setStatus("assigned");
    if (!assigneeId && status === "assigned") setStatus("new");
  };
  return (
    <form action={formAction} className="space-y-4" aria-label="Triage">
      <input type="hidden" name="messageId" value={message.id} />
      {/* Narrow beside the message on a wide screen: one field a row there, three a row on a tablet. */}
      <fieldset disabled={!canHandle} className="grid gap-4 sm:grid-cols-3 lg:grid-cols-1">
        <div className="space-y-1">
          <label htmlFor="message-status" className="block text-sm font-medium text-slate-700">Status</label>
          <select id="message-status" name="status" value={status} onChange={(e) => setStatus(e.target.value)} className={inputClass}>
            {Object.entries(STATUS_LABEL).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="message-assignee" className="block text-sm font-medium text-slate-700">Assignee</label>
          <select
            id="message-assignee"
            name="assigneeId"
            defaultValue={message.assigneeId ?? ""}
            onChange={(e) => onAssigneeChange(e.target.value)}
            className={inputClass}
          >
            <option value="">Nobody</option>
            {members.map((m) => (
              <option key={m.userId} value={m.userId}>{m.label}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="message-callback" className="block text-sm font-medium text-slate-700">Call back at</label>
          <input
            id="message-callback"
            name="callbackAt"
            type="datetime-local"
            defaultValue={message.callbackAt ? toLocalInputValue(timeZone, new Date(message.callbackAt)) : ""}
            aria-describedby="message-callback-zone"
            className={inputClass}
          />
          <p id="message-callback-zone" className="text-xs text-slate-500">{timeZone} time</p>
          {state?.fieldErrors?.callbackAt && <p className="text-sm text-red-600">{state.fieldErrors.callbackAt}</p>}
        </div>
        <div className="space-y-1 sm:col-span-3 lg:col-span-1">
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
