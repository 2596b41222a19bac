"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const ITEMS = [
  ["Overview", ""],
  ["Agents", "/agents"],
  ["Phone numbers", "/numbers"],
  ["Inbox", "/inbox"],
  ["Calls", "/calls"],
  ["Callers", "/callers"],
  ["Analytics", "/analytics"],
  ["Caller data", "/privacy"],
  ["Settings", "/settings"],
] as const;

// `canManagePrivacy`: the caller data page is for owners and admins (lib/auth/roles.ts "privacy.manage").
// `newMessages`: the inbox's count of new items, shown beside "Inbox".
export function TeamNav({ slug, canManagePrivacy = false, newMessages = 0 }: { slug: string; canManagePrivacy?: boolean; newMessages?: number }) {
  const pathname = usePathname();
  const base = `/t/${slug}`;
  return (
    <nav aria-label="Main" className="flex gap-1 overflow-x-auto md:flex-col">
      {ITEMS.filter(([, suffix]) => suffix !== "/privacy" || canManagePrivacy).map(([label, suffix]) => {
        const href = `${base}${suffix}`;
        const isActive = suffix === "" ? pathname === base : pathname.startsWith(href);
        return (
          <Link
            key={label}
            href={href}
            aria-current={isActive ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${
              isActive ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
            }`}
          >
            {label}
            {suffix === "/inbox" && newMessages > 0 && (
              <span className="ml-2 rounded-full bg-brand-600 px-1.5 py-0.5 text-xs font-semibold text-white" aria-label={`${newMessages} new`} data-testid="inbox-new-count">
                {newMessages > 999 ? "999+" : newMessages}
              </span>
            )}
          </Link>
        );
      })}
    </nav>
  );
}
