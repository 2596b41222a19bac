"use client";
import { useId, useState } from "react";
import { buttonClass } from "./button-class";

// On a phone a full filter form fills the first screen: there it folds behind a button that says how many filters
// are on; from the sm breakpoint up it is always open.
export function CollapsibleFilters({ label, activeCount, children }: { label: string; activeCount: number; children: React.ReactNode }) {
  const [isOpen, setIsOpen] = useState(false);
  const id = useId();
  return (
    <div className="mb-6">
      <button
        type="button"
        className={`${buttonClass("secondary")} mb-3 sm:hidden`}
        aria-expanded={isOpen}
        aria-controls={id}
        onClick={() => setIsOpen(!isOpen)}
      >
        {isOpen ? `Hide ${label.toLowerCase()}` : label}
        {activeCount > 0 && ` (${activeCount} on)`}
      </button>
      <div id={id} className={isOpen ? "block" : "hidden sm:block"}>
        {children}
      </div>
    </div>
  );
}
