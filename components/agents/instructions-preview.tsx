import { Card } from "@/components/ui/card";

// Exactly what the LLM receives at the start of a call (assembleInstructions), for the draft and the live version.
export function InstructionsPreview({
  draft,
  live,
  hasUnpublishedChanges,
}: {
  draft: string;
  live: { text: string; version: number } | null;
  hasUnpublishedChanges: boolean;
}) {
  return (
    <div className="space-y-6">
      <Card
        title="Instructions the agent receives"
        description="Assembled from the draft: your instructions plus phone etiquette, business hours, departments, details to collect, tools and knowledge. The time and “open right now” lines are filled in when each call starts."
      >
        <pre
          className="max-h-[70vh] overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-900 p-4 font-mono text-xs leading-relaxed text-slate-100"
          data-testid="instructions-draft"
          tabIndex={0}
          aria-label="Assembled instructions for the draft"
        >
          {draft}
        </pre>
      </Card>
      {live && hasUnpublishedChanges && (
        <Card title={`Live: version ${live.version}`} description="What calls receive right now, until you publish the draft.">
          <details>
            <summary className="cursor-pointer text-sm font-medium text-brand-700">Show the live instructions</summary>
            <pre
              className="mt-3 max-h-[70vh] overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-100 p-4 font-mono text-xs leading-relaxed text-slate-800"
              data-testid="instructions-live"
              tabIndex={0}
            >
              {live.text}
            </pre>
          </details>
        </Card>
      )}
    </div>
  );
}
