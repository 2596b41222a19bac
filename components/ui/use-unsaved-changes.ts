"use client";
import { useEffect, useRef } from "react";

// Warns before leaving the page while a form has edits that were not saved: on reload or closing the tab
// (beforeunload), and on in-app links, which navigate without unloading the page. A new action state (a save
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
    // Capture phase on the document runs before React's handlers, so a cancelled click never reaches <Link>.
    const confirmLink = (event: MouseEvent) => {
      if (!isDirty.current || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.("a[href]");
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank" || link.hasAttribute("download")) return;
      const to = new URL(link.href, window.location.href);
      if (to.origin !== window.location.origin || (to.pathname === window.location.pathname && to.search === window.location.search)) return;
      if (!window.confirm("You have unsaved changes. Leave this page and lose them?")) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    // Typed before the page was interactive (no input event was heard then): what differs from the page's own
    // values already counts as an edit.
    if (differsFromDefaults(form)) markDirty();
    form.addEventListener("input", markDirty);
    window.addEventListener("beforeunload", warn);
    document.addEventListener("click", confirmLink, true);
    return () => {
      form.removeEventListener("input", markDirty);
      window.removeEventListener("beforeunload", warn);
      document.removeEventListener("click", confirmLink, true);
    };
  }, []);
  useEffect(() => {
    if (state?.success) isDirty.current = false;
  }, [state]);
  return formRef;
}

// Text fields only: React keeps an input's default (its value attribute) equal to what it rendered, while a select
// or checkbox rendered on the client carries no default to compare with.
function differsFromDefaults(form: HTMLFormElement): boolean {
  return Array.from(form.elements).some(
    (el) => el instanceof HTMLInputElement && TEXT_TYPES.has(el.type) && el.value !== el.defaultValue,
  );
}

const TEXT_TYPES = new Set(["text", "email", "tel", "url", "number", "search", "password"]);
