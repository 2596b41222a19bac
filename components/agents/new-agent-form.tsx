"use client";
import { useActionState, useEffect, useRef, useState } from "react";
import { createAgentAction } from "@/app/t/[slug]/agents/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { useResyncAfterReset } from "./use-draft-form";

export type TTemplateOption = { key: string; label: string; description: string; defaultName: string; summary: string[] };

export function NewAgentForm({ slug, templates, timeZones }: { slug: string; templates: TTemplateOption[]; timeZones: string[] }) {
  const [state, action] = useActionState(createAgentAction.bind(null, slug), undefined);
  const formRef = useRef<HTMLFormElement>(null);
  useResyncAfterReset(formRef);
  const v = state?.values;
  const e = state?.fieldErrors ?? {};
  const [templateKey, setTemplateKey] = useState(v?.templateKey ?? templates[0]?.key ?? "blank");
  const [timeZone, setTimeZone] = useState(v?.timeZone ?? "UTC");
  // The browser knows the admin's zone; the server-rendered default is UTC.
  useEffect(() => {
    if (v?.timeZone) return;
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (local && timeZones.includes(local)) setTimeZone(local);
  }, [timeZones, v?.timeZone]);
  const selected = templates.find((t) => t.key === templateKey);
  return (
    <form ref={formRef} action={action} className="space-y-6" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Start from</legend>
        <div className="mt-2 grid gap-3 sm:grid-cols-2">
          {templates.map((t) => (
            <label
              key={t.key}
              className="flex cursor-pointer gap-3 rounded-lg p-4 ring-1 ring-slate-200 has-[:checked]:bg-brand-50 has-[:checked]:ring-2 has-[:checked]:ring-brand-600 has-[:focus-visible]:outline has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-600"
            >
              <input
                type="radio"
                name="templateKey"
                value={t.key}
                checked={templateKey === t.key}
                onChange={() => setTemplateKey(t.key)}
                className="mt-1 accent-brand-600"
              />
              <span>
                <span className="block text-sm font-semibold text-slate-900">{t.label}</span>
                <span className="mt-1 block text-sm text-slate-600">{t.description}</span>
                {t.summary.length > 0 && (
                  <span className="mt-2 block text-xs text-slate-500">{t.summary.join(" · ")}</span>
                )}
              </span>
            </label>
          ))}
        </div>
        {e.templateKey && <p className="mt-1 text-sm text-red-600">{e.templateKey}</p>}
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Agent name"
          name="name"
          defaultValue={v?.name}
          placeholder={selected?.defaultName}
          error={e.name}
          hint="Callers don't hear this name unless your instructions use it. Leave empty to use the suggestion."
          maxLength={80}
        />
        <SelectField label="Time zone for business hours" name="timeZone" value={timeZone} onChange={(ev) => setTimeZone(ev.target.value)} error={e.timeZone}>
          {timeZones.map((tz) => (
            <option key={tz} value={tz}>
              {tz}
            </option>
          ))}
        </SelectField>
      </div>
      <p className="text-sm text-slate-500">
        The agent starts as a draft. Nothing answers calls until you review it and press Publish.
      </p>
      <SubmitButton pendingText="Creating…">Create agent</SubmitButton>
    </form>
  );
}
