"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

// The notice as plain text, selectable and copyable, for the business's own privacy notice.
export function PrivacyNoticeText({ text }: { text: string }) {
  const [isCopied, setIsCopied] = useState(false);
  return (
    <div className="space-y-2">
      <textarea readOnly value={text} rows={Math.min(30, text.split("\n").length + 2)} className={`${inputClass} font-mono text-xs`} aria-label="Privacy notice text" />
      <Button
        type="button"
        variant="secondary"
        onClick={async () => {
          await navigator.clipboard?.writeText(text).catch(() => {});
          setIsCopied(true);
        }}
      >
        {isCopied ? "Copied" : "Copy text"}
      </Button>
    </div>
  );
}
