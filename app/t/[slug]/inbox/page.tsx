import type { Metadata } from "next";
import Link from "next/link";
import { formatInZone } from "@/components/calls/format";
import { readableMessage } from "@/components/inbox/format";
import { InboxList } from "@/components/inbox/inbox-list";
import { Alert } from "@/components/ui/alert";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { CollapsibleFilters } from "@/components/ui/collapsible-filters";
import { inputClass } from "@/components/ui/field";
import { buttonClass } from "@/components/ui/button-class";
import { getTeamPage } from "@/lib/auth/entry-points";
import { teamTimeZone } from "@/lib/teams/time-zone";
import { can } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import { listMessageDepartments, listMessages, type TInboxPage, type TMessageFilters } from "@/lib/inbox/list-messages";
import { listMembers } from "@/lib/members/members";
import { callbackDisplay } from "@/lib/callers/phone";
import { bulkMessagesAction } from "./actions";

export const metadata: Metadata = { title: "Inbox" };

const TABS = [
  ["open", "Open"],
  ["new", "New"],
  ["assigned", "Assigned"],
  ["handled", "Handled"],
  ["spam", "Spam"],
  ["all", "All"],
] as const;

export default async function InboxPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { slug } = await params;
  const { db, team, role, user } = await getTeamPage(slug, "calls.view");
  const tz = await teamTimeZone(db, team);
  const raw = await searchParams;
  const str = (key: string) => (typeof raw[key] === "string" && raw[key].trim() !== "" ? raw[key].trim() : undefined);
  const status = (TABS.find(([v]) => v === str("status"))?.[0] ?? "open") as TMessageFilters["status"];
  const assigneeParam = str("assignee");
  const filters: TMessageFilters = {
    status,
    assignee: assigneeParam === "me" ? user.id : assigneeParam,
    department: str("department"),
    from: str("from"),
    to: str("to"),
    isUrgent: str("urgent") === "1" ? true : undefined,
  };
  const pageNumber = Number(str("page") ?? 1);
  let page: TInboxPage = { items: [], total: 0, page: 1, pageSize: 50 };
  let error: string | null = null;
  try {
    page = await listMessages(db, team.id, filters, pageNumber, 50);
  } catch (e) {
    if (!isAppError(e)) throw e;
    error = e.message;
  }
  const [members, departments] = await Promise.all([listMembers(db, team.id), listMessageDepartments(db, team.id)]);
  const memberOptions = members.filter((m) => m.role !== "viewer").map((m) => ({ userId: m.userId, label: m.name ? `${m.name} (${m.email})` : m.email }));
  const base = `/t/${team.slug}/inbox`;
  const query = (override: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    const merged = { status, assignee: assigneeParam, department: filters.department, from: filters.from, to: filters.to, urgent: str("urgent"), ...override };
    for (const [k, v] of Object.entries(merged)) if (v) params.set(k, v);
    return `${base}?${params.toString()}`;
  };
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const activeFilters = [assigneeParam, filters.department, filters.from, filters.to, filters.isUrgent].filter(Boolean).length;
  return (
    <>
      <PageHeader title="Inbox" description="Every message and voicemail the agent took. Urgent ones first; mark each handled once someone called back." />
      <nav aria-label="Status" className="mb-4 flex flex-wrap gap-1">
        {TABS.map(([value, label]) => (
          <Link
            key={value}
            href={query({ status: value, page: undefined })}
            aria-current={status === value ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 text-sm font-medium ${status === value ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      <CollapsibleFilters label="Filters" activeCount={activeFilters}>
        <form className="grid gap-2 sm:flex sm:flex-wrap sm:items-end" action={base} aria-label="Filters">
          <input type="hidden" name="status" value={status} />
          <label className="grid gap-1 text-xs font-medium text-slate-600">
            <span>Assignee</span>
            <select name="assignee" defaultValue={assigneeParam ?? ""} className={`${inputClass} sm:w-auto`}>
              <option value="">Anyone</option>
              <option value="me">Me</option>
              <option value="none">Unassigned</option>
              {memberOptions.map((m) => (
                <option key={m.userId} value={m.userId}>{m.label}</option>
              ))}
            </select>
          </label>
          <label className="grid gap-1 text-xs font-medium text-slate-600">
            <span>Department</span>
            <select name="department" defaultValue={filters.department ?? ""} className={`${inputClass} sm:w-auto`}>
              <option value="">Any department</option>
              {departments.map((d) => (
                <option key={d} value={d}>{d}</option>
              ))}
            </select>
          </label>
          {/* Visible names: two bare date boxes do not say which one starts the range. */}
          <label className="grid gap-1 text-xs font-medium text-slate-600">
            <span>Received from</span>
            <input type="date" name="from" defaultValue={filters.from ?? ""} className={`${inputClass} sm:w-auto`} />
          </label>
          <label className="grid gap-1 text-xs font-medium text-slate-600">
            <span>Received to</span>
            <input type="date" name="to" defaultValue={filters.to ?? ""} className={`${inputClass} sm:w-auto`} />
          </label>
          <label className="flex items-center gap-2 py-2 text-sm">
            <input type="checkbox" name="urgent" value="1" defaultChecked={filters.isUrgent === true} /> Urgent only
          </label>
          <button type="submit" className={buttonClass("secondary")}>Filter</button>
        </form>
      </CollapsibleFilters>
      {error && <div className="mb-4"><Alert tone="error">{error}</Alert></div>}
      {page.items.length === 0 ? (
        <EmptyState title={status === "open" ? "Nothing waiting" : "No messages match"}>
          {status === "open" ? "Messages the agent takes show up here, urgent ones first." : "Try another status or fewer filters."}
        </EmptyState>
      ) : (
        <Card>
          <InboxList
            slug={team.slug}
            canHandle={can(role, "messages.handle")}
            members={memberOptions}
            bulkAction={bulkMessagesAction.bind(null, team.slug)}
            rows={page.items.map((m) => ({
              id: m.id,
              kind: m.kind,
              status: m.status,
              isUrgent: m.isUrgent,
              caller: m.callerName || m.callerEntryName || "Unknown caller",
              callerId: m.callerId,
              callbackNumber: callbackDisplay(m.callbackNumber || m.callFromNumber || "", m.callFromNumber).text,
              message: readableMessage(m.message, { callerName: m.callerName, callbackNumber: m.callbackNumber }),
              department: m.department,
              createdAt: formatInZone(m.createdAt, tz),
              assignee: m.assigneeName ?? m.assigneeEmail,
              callbackAt: m.callbackAt ? formatInZone(m.callbackAt, tz) : null,
              callId: m.callId,
              hasRecording: m.hasRecording,
            }))}
          />
          <div className="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>
              {page.total} message{page.total === 1 ? "" : "s"} · page {page.page} of {pages}
            </span>
            <span className="flex gap-4">
              {page.page > 1 && <Link href={query({ page: String(page.page - 1) })} className="text-brand-700 hover:underline">← Newer</Link>}
              {page.page < pages && <Link href={query({ page: String(page.page + 1) })} className="text-brand-700 hover:underline">Older →</Link>}
            </span>
          </div>
        </Card>
      )}
    </>
  );
}
