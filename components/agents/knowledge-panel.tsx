"use client";
import { usePathname, useRouter } from "next/navigation";
import { useActionState, useEffect, useId, useRef, useState, useTransition } from "react";
import { addKnowledgeAction, deleteKnowledgeAction, updateKnowledgeAction } from "@/app/t/[slug]/agents/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Field, inputClass } from "@/components/ui/field";
import { DOCUMENT_EXTENSIONS, MAX_DOCUMENT_BYTES } from "@/lib/agents/options";
import { FormFooter, FormMessages, TextAreaField, useDraftForm } from "./use-draft-form";
import { ClearExamplesButton } from "./clear-examples-button";
import { When } from "./when";

export type TKnowledgeView = {
  id: string;
  kind: "qa" | "document";
  title: string;
  content: string;
  usageCount: number;
  lastUsedAt: string | null;
};

export function KnowledgePanel({
  slug,
  agentId,
  canEdit,
  search,
  totalCount,
  exampleIds,
  overBudget,
  entries,
}: {
  slug: string;
  agentId: string;
  canEdit: boolean;
  search: string;
  totalCount: number;
  // Entries still exactly as the template wrote them (lib/agents/template-examples.ts).
  exampleIds: string[];
  overBudget: { chars: number; budget: number } | null;
  entries: TKnowledgeView[];
}) {
  return (
    <div className="space-y-6">
      {exampleIds.length > 0 && (
        <Alert tone="info">
          {exampleIds.length === 1 ? "1 entry is" : `${exampleIds.length} entries are`} still the template&apos;s example
          {exampleIds.length === 1 ? "" : "s"} (marked Example below). Replace {exampleIds.length === 1 ? "it" : "them"} with your business&apos;s real
          answers, or delete {exampleIds.length === 1 ? "it" : "them"}, before you publish.
          {canEdit && <ClearExamplesButton slug={slug} agentId={agentId} what="knowledge" count={exampleIds.length} />}
        </Alert>
      )}
      {overBudget && (
        <Alert tone="info">
          Your knowledge has {overBudget.chars.toLocaleString("en-US")} characters; calls include about {overBudget.budget.toLocaleString("en-US")}. Q&amp;A
          entries are always kept whole and long documents are shortened: see Instructions for what the agent receives.
        </Alert>
      )}
      {canEdit && (
        <Card title="Add knowledge" description="Questions callers ask, with the answer to give, or whole documents the agent can answer from.">
          <AddKnowledgeForm slug={slug} agentId={agentId} />
        </Card>
      )}
      <Card title="Knowledge" description="The agent answers only from these entries. Changes go live when you publish.">
        <SearchBox initial={search} />
        <div className="mt-4">
          {totalCount === 0 ? (
            <EmptyState title="No knowledge yet">
              {canEdit
                ? "Add the questions callers ask most (prices, location, parking, policies) and paste or upload documents such as a price list or FAQ."
                : "No knowledge has been added to this agent yet."}
            </EmptyState>
          ) : entries.length === 0 ? (
            <p className="text-sm text-slate-500">No entries match “{search}”. Try fewer or different words.</p>
          ) : (
            <>
              {search && (
                <p className="mb-2 text-sm text-slate-500" aria-live="polite">
                  {entries.length} of {totalCount} entries match “{search}”.
                </p>
              )}
              <ul className="divide-y divide-slate-100" aria-label="Knowledge entries">
                {entries.map((entry) => (
                  <KnowledgeItem key={entry.id} slug={slug} agentId={agentId} entry={entry} canEdit={canEdit} isExample={exampleIds.includes(entry.id)} />
                ))}
              </ul>
            </>
          )}
        </div>
      </Card>
    </div>
  );
}

function SearchBox({ initial }: { initial: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const [value, setValue] = useState(initial);
  const [isPending, startTransition] = useTransition();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const id = useId();

  function apply(q: string) {
    const params = new URLSearchParams(window.location.search);
    params.set("tab", "knowledge");
    if (q.trim()) params.set("q", q.trim());
    else params.delete("q");
    startTransition(() => router.replace(`${pathname}?${params.toString()}`, { scroll: false }));
  }

  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        clearTimeout(timer.current);
        apply(value);
      }}
      className="flex items-center gap-2"
    >
      <label htmlFor={id} className="sr-only">
        Search knowledge
      </label>
      <input
        id={id}
        type="search"
        value={value}
        placeholder="Search questions, answers and documents"
        onChange={(e) => {
          setValue(e.target.value);
          clearTimeout(timer.current);
          const q = e.target.value;
          timer.current = setTimeout(() => apply(q), 300);
        }}
        className={`${inputClass} max-w-md`}
      />
      {isPending && <span className="size-4 animate-spin rounded-full border-2 border-slate-400 border-r-transparent" aria-label="Searching" />}
    </form>
  );
}

// Shared by the add and edit forms.
function KnowledgeFields({
  kind,
  values,
  errors,
  onLoaded,
}: {
  kind: "qa" | "document";
  values: { title?: string; content?: string };
  errors: Record<string, string>;
  onLoaded: () => void;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [fileNote, setFileNote] = useState<string | null>(null);
  const fileId = useId();

  async function onFile(file: File | undefined) {
    setFileError(null);
    setFileNote(null);
    if (!file) return;
    const lower = file.name.toLowerCase();
    if (!DOCUMENT_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
      return setFileError(`“${file.name}” is not a .txt or .md file. Save it as plain text or Markdown first.`);
    }
    if (file.size > MAX_DOCUMENT_BYTES) {
      return setFileError(`“${file.name}” is ${Math.ceil(file.size / 1024)} KB; the limit is ${MAX_DOCUMENT_BYTES / 1024} KB. Split it into smaller documents.`);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      return setFileError(`“${file.name}” is not UTF-8 text. Save it as UTF-8 plain text and try again.`);
    }
    if (text.includes("\u0000")) return setFileError(`“${file.name}” looks like a binary file, not text.`);
    if (!text.trim()) return setFileError(`“${file.name}” is empty.`);
    const title = boxRef.current?.querySelector<HTMLInputElement>('input[name="title"]');
    const content = boxRef.current?.querySelector<HTMLTextAreaElement>('textarea[name="content"]');
    if (content) content.value = text.replace(/^\uFEFF/, "");
    if (title && !title.value.trim()) title.value = file.name.replace(/\.(txt|md|markdown)$/i, "");
    setFileNote(`Loaded ${file.name} (${text.length.toLocaleString("en-US")} characters). Review it below, then save.`);
    onLoaded();
  }

  return (
    <div ref={boxRef} className="space-y-4">
      <Field
        label={kind === "qa" ? "Question callers ask" : "Document name"}
        name="title"
        defaultValue={values.title}
        error={errors.title}
        maxLength={kind === "qa" ? 300 : 200}
        placeholder={kind === "qa" ? "Do you have parking?" : "Price list"}
      />
      {kind === "document" && (
        <div className="space-y-1">
          <label htmlFor={fileId} className="block text-sm font-medium text-slate-700">
            Upload a file (optional)
          </label>
          <input
            id={fileId}
            type="file"
            accept=".txt,.md,.markdown,text/plain,text/markdown"
            onChange={(e) => void onFile(e.target.files?.[0])}
            aria-describedby={`${fileId}-hint`}
            className="block text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium hover:file:bg-slate-200"
          />
          <p id={`${fileId}-hint`} className="text-xs text-slate-500">
            .txt or .md, up to {MAX_DOCUMENT_BYTES / 1024} KB. The text is loaded into the box below.
          </p>
          {fileError && (
            <p className="text-sm text-red-600" role="alert">
              {fileError}
            </p>
          )}
          {fileNote && <p className="text-sm text-emerald-700">{fileNote}</p>}
        </div>
      )}
      <TextAreaField
        label={kind === "qa" ? "Answer" : "Text"}
        name="content"
        rows={kind === "qa" ? 3 : 10}
        defaultValue={values.content}
        error={errors.content}
        hint={kind === "qa" ? "Write it the way it should be said on the phone." : "Paste the document, or upload a file above."}
      />
    </div>
  );
}

function AddKnowledgeForm({ slug, agentId }: { slug: string; agentId: string }) {
  const [state, action] = useActionState(addKnowledgeAction.bind(null, slug), undefined);
  const { formRef, isDirty, markDirty } = useDraftForm(state);
  const [kind, setKind] = useState<"qa" | "document">(state?.values?.kind === "document" ? "document" : "qa");
  return (
    <form ref={formRef} action={action} className="space-y-4" noValidate>
      <input type="hidden" name="agentId" value={agentId} />
      <FormMessages state={state} />
      <fieldset className="flex flex-wrap gap-2">
        <legend className="sr-only">Kind of entry</legend>
        {(
          [
            ["qa", "Question & answer"],
            ["document", "Document"],
          ] as const
        ).map(([value, label]) => (
          <label
            key={value}
            className="cursor-pointer rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 has-[:checked]:bg-brand-50 has-[:checked]:text-brand-700 has-[:checked]:ring-brand-600 has-[:focus-visible]:outline has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-600"
          >
            <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} className="sr-only" />
            {label}
          </label>
        ))}
      </fieldset>
      <KnowledgeFields key={kind} kind={kind} values={state?.success ? {} : (state?.values ?? {})} errors={state?.fieldErrors ?? {}} onLoaded={markDirty} />
      <FormFooter isDirty={isDirty}>
        <SubmitButton pendingText="Adding…">{kind === "qa" ? "Add question" : "Add document"}</SubmitButton>
      </FormFooter>
    </form>
  );
}

function KnowledgeItem({
  slug,
  agentId,
  entry,
  canEdit,
  isExample,
}: {
  slug: string;
  agentId: string;
  entry: TKnowledgeView;
  canEdit: boolean;
  isExample: boolean;
}) {
  const [isEditing, setIsEditing] = useState(false);
  const [deleteState, deleteAction] = useActionState(deleteKnowledgeAction.bind(null, slug), undefined);
  const preview = entry.content.length > 280 ? `${entry.content.slice(0, 280).trimEnd()}…` : entry.content;
  return (
    <li className="py-4" data-testid="knowledge-entry">
      {isEditing ? (
        <EditKnowledgeForm slug={slug} agentId={agentId} entry={entry} onDone={() => setIsEditing(false)} />
      ) : (
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 flex-1 space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone={entry.kind === "qa" ? "brand" : "slate"}>{entry.kind === "qa" ? "Q&A" : "Document"}</Badge>
              <h3 className="text-sm font-medium text-slate-900">{entry.title}</h3>
              {isExample && <Badge tone="amber">Example</Badge>}
            </div>
            <p className="whitespace-pre-line break-words text-sm text-slate-600">{preview}</p>
            <p className="text-xs text-slate-500">
              {entry.kind === "document" && `${entry.content.length.toLocaleString("en-US")} characters · `}
              Used {entry.usageCount} {entry.usageCount === 1 ? "time" : "times"} in calls
              {entry.lastUsedAt && (
                <>
                  , last <When iso={entry.lastUsedAt} />
                </>
              )}
            </p>
          </div>
          {canEdit && (
            <div className="flex gap-1">
              <Button type="button" variant="ghost" onClick={() => setIsEditing(true)} aria-label={`Edit “${entry.title}”`}>
                Edit
              </Button>
              <form
                action={deleteAction}
                onSubmit={(e) => {
                  if (!confirm(`Delete “${entry.title}” from the draft?`)) e.preventDefault();
                }}
              >
                <input type="hidden" name="agentId" value={agentId} />
                <input type="hidden" name="entryId" value={entry.id} />
                <SubmitButton variant="ghost" className="text-red-600" pendingText="Deleting…" aria-label={`Delete “${entry.title}”`}>
                  Delete
                </SubmitButton>
              </form>
            </div>
          )}
        </div>
      )}
      {deleteState?.error && (
        <div className="mt-2">
          <Alert tone="error">{deleteState.error}</Alert>
        </div>
      )}
    </li>
  );
}

function EditKnowledgeForm({ slug, agentId, entry, onDone }: { slug: string; agentId: string; entry: TKnowledgeView; onDone: () => void }) {
  const [state, action] = useActionState(updateKnowledgeAction.bind(null, slug), undefined);
  const { formRef, isDirty, markDirty } = useDraftForm(state);
  useEffect(() => {
    if (state?.success) onDone();
  }, [state, onDone]);
  return (
    <form ref={formRef} action={action} className="space-y-4 rounded-md bg-slate-50 p-4" noValidate aria-label={`Edit “${entry.title}”`}>
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="entryId" value={entry.id} />
      <input type="hidden" name="kind" value={entry.kind} />
      <FormMessages state={state?.success ? undefined : state} />
      <KnowledgeFields
        kind={entry.kind}
        values={{ title: state?.values?.title ?? entry.title, content: state?.values?.content ?? entry.content }}
        errors={state?.fieldErrors ?? {}}
        onLoaded={markDirty}
      />
      <FormFooter isDirty={isDirty}>
        <SubmitButton pendingText="Saving…">Save entry</SubmitButton>
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </FormFooter>
    </form>
  );
}
