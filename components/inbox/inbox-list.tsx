"use client";
import Link from "next/link";
import { useActionState, useState } from "react";
import type { TActionState } from "@/lib/auth/entry-points";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { STATUS_LABEL, STATUS_TONE } from "./format";

type TAction = (prev: TActionState | undefined, formData: FormData) => Promise<TActionState>;

export type TInboxRow = {
  id: string;
  kind: string;
  status: string;
  isUrgent: boolean;
  caller: string;
  callerId: string | null;
  callbackNumber: string;
  message: string;
  department: string | null;
  createdAt: string;
  assignee: string | null;
  callbackAt: string | null;
  callId: string | null;
  hasRecording: boolean;
};

// The inbox table with a checkbox per item and one bar of bulk actions for the selection.
export function InboxList({
  slug,
  rows,
  members,
  bulkAction,
  canHandle,
}: {
  slug: string;
  rows: TInboxRow[];
  members: { userId: string; label: string }[];
  bulkAction: TAction;
  canHandle: boolean;
}) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [state, formAction] = useActionState(bulkAction, undefined);
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const isAll = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const base = `/t/${slug}`;
  return (
    <div className="space-y-3">
      {canHandle && (
        <form
          action={(formData) => {
            formAction(formData);
            setSelected(new Set());
          }}
          className="flex flex-wrap items-center gap-2 text-sm"
          aria-label="Bulk actions"
        >
          <input type="hidden" name="messageIds" value={[...selected].join(",")} />
          <span className="text-slate-600" aria-live="polite">{selected.size === 0 ? "Tick messages to act on several at once:" : `${selected.size} selected`}</span>
          <select name="assigneeId" aria-label="Assign to" className={`${inputClass} sm:w-auto`} defaultValue="">
            <option value="">Assign to…</option>
            {members.map((m) => (
              <option key={m.userId} value={m.userId}>{m.label}</option>
            ))}
          </select>
          <SubmitButton variant="secondary" name="operation" value="assign" disabled={selected.size === 0}>Assign</SubmitButton>
          <SubmitButton variant="secondary" name="operation" value="handled" disabled={selected.size === 0}>Mark handled</SubmitButton>
          <SubmitButton variant="secondary" name="operation" value="spam" disabled={selected.size === 0}>Spam</SubmitButton>
          <SubmitButton variant="ghost" name="operation" value="new" disabled={selected.size === 0}>Reopen</SubmitButton>
          {state?.error && <Alert tone="error">{state.error}</Alert>}
          {state?.success && <Alert tone="success">{state.success}</Alert>}
        </form>
      )}
      <div className="overflow-x-auto">
        {/* On a phone each item is a small card (its cells stacked beside the checkbox), so the message itself is on
            the screen rather than a sideways scroll away. */}
        <table className="w-full text-left text-sm max-sm:block" aria-label="Inbox">
          <thead className="text-xs uppercase text-slate-500 max-sm:block">
            <tr className="max-sm:flex">
              {canHandle && (
                <th className="py-2 pr-2 max-sm:flex max-sm:items-center max-sm:gap-2 max-sm:font-medium">
                  <input
                    type="checkbox"
                    aria-label="Select all"
                    checked={isAll}
                    onChange={() => setSelected(isAll ? new Set() : new Set(rows.map((r) => r.id)))}
                  />
                  <span aria-hidden className="sm:hidden">All</span>
                </th>
              )}
              <th className="py-2 pr-4 font-medium max-sm:hidden">Received</th>
              <th className="py-2 pr-4 font-medium max-sm:hidden">Caller</th>
              <th className="py-2 pr-4 font-medium max-sm:hidden">Message</th>
              <th className="py-2 pr-4 font-medium max-sm:hidden">Status</th>
              <th className="py-2 pr-4 font-medium max-sm:hidden">Assignee</th>
              <th className="py-2 pr-4 font-medium max-sm:hidden">Call</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 max-sm:block">
            {rows.map((r) => (
              <tr
                key={r.id}
                data-testid="inbox-row"
                className={`max-sm:grid max-sm:grid-cols-[auto_1fr] max-sm:gap-x-2 max-sm:py-2 ${r.isUrgent ? "bg-red-50/40" : "hover:bg-slate-50"}`}
              >
                {canHandle && (
                  <td className="py-2 pr-2 align-top max-sm:row-span-6 max-sm:py-0">
                    <input type="checkbox" aria-label={`Select message from ${r.caller}`} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                  </td>
                )}
                <td className="whitespace-nowrap py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5">
                  <Link href={`${base}/inbox/${r.id}`} className="font-medium text-brand-700 hover:underline">{r.createdAt}</Link>
                  {r.callbackAt && <div className="text-xs text-slate-500">Call back {r.callbackAt}</div>}
                </td>
                <td className="py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5">
                  {r.callerId ? (
                    <Link href={`${base}/callers/${r.callerId}`} className="hover:underline">{r.caller}</Link>
                  ) : (
                    r.caller
                  )}
                  <div className="font-mono text-xs text-slate-500">{r.callbackNumber}</div>
                </td>
                <td className="max-w-md py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5">
                  <div className="mb-1 flex flex-wrap gap-1">
                    {r.isUrgent && <Badge tone="red">Urgent</Badge>}
                    {r.kind === "voicemail" && <Badge>Voicemail</Badge>}
                    {r.department && <Badge tone="brand">{r.department}</Badge>}
                  </div>
                  <p className="line-clamp-2 whitespace-pre-line">{r.message}</p>
                </td>
                <td className="py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5"><Badge tone={STATUS_TONE[r.status] ?? "slate"}>{STATUS_LABEL[r.status] ?? r.status}</Badge></td>
                <td className="py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5">
                  <span className="text-slate-500 sm:hidden">Assignee: </span>
                  {r.assignee ?? <span className="text-slate-400">—</span>}
                </td>
                <td className="whitespace-nowrap py-2 pr-4 align-top max-sm:col-start-2 max-sm:py-0.5">
                  {r.callId ? (
                    <Link href={`${base}/calls/${r.callId}${r.hasRecording ? "#recording" : ""}`} className="text-brand-700 hover:underline">
                      {r.hasRecording ? "Call ▶ recording" : "Call"}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
