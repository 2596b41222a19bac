"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const ITEMS = [
  ["Overview", ""],
  ["Agents", "/agents"],
  ["Phone numbers", "/numbers"],
  ["Calls", "/calls"],
  ["Analytics", "/analytics"],
  ["Caller data", "/privacy"],
  ["Settings", "/settings"],
] as const;

// `canManagePrivacy`: the caller data page is for owners and admins (lib/auth/roles.ts "privacy.manage").
export function TeamNav({ slug, canManagePrivacy = false }: { slug: string; canManagePrivacy?: boolean }) {
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
          </Link>
        );
      })}
    </nav>
  );
}
