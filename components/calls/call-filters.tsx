import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";
import { CollapsibleFilters } from "@/components/ui/collapsible-filters";
import { inputClass } from "@/components/ui/field";
import { OUTCOME_LABEL } from "./format";

export type TFilterValues = Partial<Record<"from" | "to" | "agentId" | "phoneNumberId" | "outcome" | "sentiment" | "topicClusterId" | "q" | "testCalls", string>>;

// A plain GET form: filters live in the URL, so a filtered list can be bookmarked and shared.
export function CallFilters({
  basePath,
  values,
  agents,
  numbers,
  topics,
}: {
  basePath: string;
  values: TFilterValues;
  agents: { id: string; name: string }[];
  numbers: { id: string; e164: string }[];
  topics: { id: string; label: string }[];
}) {
  const label = "block text-xs font-medium text-slate-600";
  const activeCount = Object.entries(values).filter(([key, value]) => value && !(key === "testCalls" && value === "exclude")).length;
  return (
    <CollapsibleFilters label="Filters" activeCount={activeCount}>
      <form method="get" action={basePath} role="search" aria-label="Filter calls" className="grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-4">
        <label className={`${label} sm:col-span-2`}>
          Search transcripts
          <input name="q" type="search" defaultValue={values.q ?? ""} placeholder='e.g. refund, "opening hours"' className={`${inputClass} mt-1`} />
        </label>
        <label className={label}>
          From
          <input name="from" type="date" defaultValue={values.from ?? ""} className={`${inputClass} mt-1`} />
        </label>
        <label className={label}>
          To
          <input name="to" type="date" defaultValue={values.to ?? ""} className={`${inputClass} mt-1`} />
        </label>
        <label className={label}>
          Agent
          <select name="agentId" defaultValue={values.agentId ?? ""} className={`${inputClass} mt-1`}>
            <option value="">Any agent</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>{a.name}</option>
            ))}
          </select>
        </label>
        <label className={label}>
          Number
          <select name="phoneNumberId" defaultValue={values.phoneNumberId ?? ""} className={`${inputClass} mt-1`}>
            <option value="">Any number</option>
            {numbers.map((n) => (
              <option key={n.id} value={n.id}>{n.e164}</option>
            ))}
          </select>
        </label>
        <label className={label}>
          Outcome
          <select name="outcome" defaultValue={values.outcome ?? ""} className={`${inputClass} mt-1`}>
            <option value="">Any outcome</option>
            {Object.entries(OUTCOME_LABEL).map(([value, text]) => (
              <option key={value} value={value}>{text}</option>
            ))}
          </select>
        </label>
        <label className={label}>
          Sentiment
          <select name="sentiment" defaultValue={values.sentiment ?? ""} className={`${inputClass} mt-1`}>
            <option value="">Any sentiment</option>
            <option value="positive">Positive</option>
            <option value="neutral">Neutral</option>
            <option value="negative">Negative</option>
          </select>
        </label>
        <label className={label}>
          Topic
          <select name="topicClusterId" defaultValue={values.topicClusterId ?? ""} className={`${inputClass} mt-1`}>
            <option value="">Any topic</option>
            {topics.map((t) => (
              <option key={t.id} value={t.id}>{t.label}</option>
            ))}
          </select>
        </label>
        <label className={label}>
          Test calls
          <select name="testCalls" defaultValue={values.testCalls ?? "exclude"} className={`${inputClass} mt-1`}>
            <option value="exclude">Hide test calls</option>
            <option value="include">Include test calls</option>
            <option value="only">Only test calls</option>
          </select>
        </label>
        <div className="flex items-end gap-2 lg:col-span-2 lg:justify-end">
          <Link href={basePath} className={buttonClass("ghost")}>Clear</Link>
          <button type="submit" className={buttonClass("primary")}>Apply filters</button>
        </div>
      </form>
    </CollapsibleFilters>
  );
}
