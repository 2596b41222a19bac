"use client";
import { useEffect, useRef } from "react";

// Warns before leaving the page while a form has edits that were not saved. A new action state (a save
// attempt that returned) resets the dirty flag only when it succeeded.
export function useUnsavedChangesWarning(state: { success?: string } | undefined) {
  const formRef = useRef<HTMLFormElement>(null);
  const isDirty = useRef(false);
  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    const markDirty = () => (isDirty.current = true);
    const warn = (event: BeforeUnloadEvent) => {
      if (isDirty.current) event.preventDefault();
    };
    form.addEventListener("input", markDirty);
    window.addEventListener("beforeunload", warn);
    return () => {
      form.removeEventListener("input", markDirty);
      window.removeEventListener("beforeunload", warn);
    };
  }, []);
  useEffect(() => {
    if (state?.success) isDirty.current = false;
  }, [state]);
  return formRef;
}
