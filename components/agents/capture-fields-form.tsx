"use client";
import { useActionState, useRef, useState } from "react";
import { updateCaptureFieldsAction } from "@/app/t/[slug]/agents/actions";
import { Button, SubmitButton } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";
import { FormFooter, FormMessages, useDraftForm } from "./use-draft-form";

type TRow = { rowId: number; key: string; label: string; description: string; isKeyEdited: boolean };

function keyFromLabel(label: string): string {
  const key = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "")
    .slice(0, 40);
  return key;
}

export function CaptureFieldsForm({
  slug,
  agentId,
  initial,
  canEdit,
}: {
  slug: string;
  agentId: string;
  initial: { key: string; label: string; description: string }[];
  canEdit: boolean;
}) {
  const [state, action] = useActionState(updateCaptureFieldsAction.bind(null, slug), undefined);
  const { formRef, isDirty, markDirty } = useDraftForm(state);
  // Row ids are stable across server and browser renders, so labels stay tied to their inputs after hydration.
  const [rows, setRows] = useState<TRow[]>(() => initial.map((f, i) => ({ ...f, rowId: i, isKeyEdited: true })));
  const nextRowId = useRef(initial.length);
  const e = state?.fieldErrors ?? {};

  function update(rowId: number, patch: Partial<TRow>) {
    setRows((rs) =>
      rs.map((r) => {
        if (r.rowId !== rowId) return r;
        const next = { ...r, ...patch };
        if (patch.label !== undefined && !r.isKeyEdited) next.key = keyFromLabel(patch.label);
        return next;
      }),
    );
  }

  const payload = JSON.stringify(rows.map(({ key, label, description }) => ({ key, label, description })));
  return (
    <form ref={formRef} action={action} className="space-y-4" noValidate>
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="captureFields" value={payload} />
      <FormMessages state={state} />
      {e.captureFields && <p className="text-sm text-red-600">{e.captureFields}</p>}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">
          The agent collects nothing beyond the message itself. Add details such as the caller&apos;s name or the reason for calling.
        </p>
      ) : (
        <ul className="space-y-3">
          {rows.map((row, i) => {
            const err = (f: string) => e[`captureFields.${i}.${f}`];
            return (
              <li key={row.rowId} className="grid gap-3 rounded-md bg-slate-50 p-3 md:grid-cols-[1fr_12rem_2fr_auto]" data-testid="capture-field">
                <div>
                  <label htmlFor={`cf-label-${row.rowId}`} className="block text-xs font-medium text-slate-600">
                    Label
                  </label>
                  <input
                    id={`cf-label-${row.rowId}`}
                    value={row.label}
                    onChange={(ev) => update(row.rowId, { label: ev.target.value })}
                    disabled={!canEdit}
                    aria-invalid={err("label") ? true : undefined}
                    className={inputClass}
                    placeholder="Reason for calling"
                  />
                  {err("label") && <p className="text-sm text-red-600">{err("label")}</p>}
                </div>
                <div>
                  <label htmlFor={`cf-key-${row.rowId}`} className="block text-xs font-medium text-slate-600">
                    Key
                  </label>
                  <input
                    id={`cf-key-${row.rowId}`}
                    value={row.key}
                    onChange={(ev) => update(row.rowId, { key: ev.target.value, isKeyEdited: true })}
                    disabled={!canEdit}
                    aria-invalid={err("key") ? true : undefined}
                    className={`${inputClass} font-mono`}
                    placeholder="reason"
                  />
                  {err("key") && <p className="text-sm text-red-600">{err("key")}</p>}
                </div>
                <div>
                  <label htmlFor={`cf-desc-${row.rowId}`} className="block text-xs font-medium text-slate-600">
                    What to ask for (optional)
                  </label>
                  <input
                    id={`cf-desc-${row.rowId}`}
                    value={row.description}
                    onChange={(ev) => update(row.rowId, { description: ev.target.value })}
                    disabled={!canEdit}
                    aria-invalid={err("description") ? true : undefined}
                    className={inputClass}
                    maxLength={300}
                  />
                  {err("description") && <p className="text-sm text-red-600">{err("description")}</p>}
                </div>
                {canEdit && (
                  <div className="flex items-end">
                    <Button
                      type="button"
                      variant="ghost"
                      aria-label={`Remove ${row.label || "this field"}`}
                      onClick={() => {
                        setRows((rs) => rs.filter((r) => r.rowId !== row.rowId));
                        markDirty();
                      }}
                    >
                      Remove
                    </Button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {canEdit && (
        <FormFooter isDirty={isDirty}>
          <Button
            type="button"
            variant="secondary"
            disabled={rows.length >= 20}
            onClick={() => {
              const rowId = nextRowId.current++;
              setRows((rs) => [...rs, { rowId, key: "", label: "", description: "", isKeyEdited: false }]);
              markDirty();
            }}
          >
            Add detail
          </Button>
          <SubmitButton pendingText="Saving…">Save details</SubmitButton>
        </FormFooter>
      )}
    </form>
  );
}
