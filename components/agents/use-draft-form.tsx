"use client";
import { useEffect, useId, useReducer, useState, type RefObject } from "react";
import { Alert } from "@/components/ui/alert";
import { useUnsavedChangesWarning } from "@/components/ui/use-unsaved-changes";

// The unsaved-changes guard plus a visible "Unsaved changes" flag for the form's footer. Editors that change
// the form through buttons (add a row) call markDirty, which also arms the guard.
export function useDraftForm(state: { success?: string } | undefined) {
  const formRef = useUnsavedChangesWarning(state);
  useResyncAfterReset(formRef);
  const [isDirty, setIsDirty] = useState(false);
  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    const onInput = () => setIsDirty(true);
    form.addEventListener("input", onInput);
    return () => form.removeEventListener("input", onInput);
  }, [formRef]);
  useEffect(() => {
    if (state?.success) setIsDirty(false);
  }, [state]);
  const markDirty = () => formRef.current?.dispatchEvent(new Event("input", { bubbles: true }));
  return { formRef, isDirty, markDirty };
}

// React resets a form after its action runs, and the browser's reset also rewinds controlled selects, radios
// and checkboxes in the DOM while their React state stays put, so the next submit would send the stale value.
// Re-rendering once the reset is done makes React write the state back.
export function useResyncAfterReset(formRef: RefObject<HTMLFormElement | null>) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    // The reset event fires before the fields are reset.
    const onReset = () => setTimeout(rerender, 0);
    form.addEventListener("reset", onReset);
    return () => form.removeEventListener("reset", onReset);
  }, [formRef]);
}

export function FormFooter({ isDirty, children }: { isDirty: boolean; children?: React.ReactNode }) {
  return (
    <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
      {children}
      {isDirty && <span className="text-sm font-medium text-amber-700">Unsaved changes</span>}
    </div>
  );
}

export function FormMessages({ state }: { state: { error?: string; success?: string } | undefined }) {
  return (
    <>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
    </>
  );
}

// A labelled textarea in the style of components/ui/field.tsx.
export function TextAreaField({
  label,
  error,
  hint,
  id,
  className = "",
  ...props
}: React.TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string; hint?: React.ReactNode }) {
  const autoId = useId();
  const fieldId = id ?? autoId;
  return (
    <div className="space-y-1">
      <label htmlFor={fieldId} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${fieldId}-error` : hint ? `${fieldId}-hint` : undefined}
        className={`block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-600 aria-[invalid=true]:ring-red-500 disabled:bg-slate-100 disabled:text-slate-500 ${className}`}
        {...props}
      />
      {error ? (
        <p id={`${fieldId}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={`${fieldId}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
