import Link from "next/link";

export function SettingsNav({
  slug,
  current,
  canViewAudit,
  canManageIntegrations = canViewAudit,
}: {
  slug: string;
  current: "general" | "members" | "data-privacy" | "retention" | "notifications" | "audit" | "api-keys" | "webhooks";
  canViewAudit: boolean;
  // API keys and webhooks need admin, like the audit log, unless a page says otherwise.
  canManageIntegrations?: boolean;
}) {
  const items = [
    ["general", "General", `/t/${slug}/settings`],
    ["members", "Members", `/t/${slug}/settings/members`],
    ["retention", "Data retention", `/t/${slug}/settings/retention`],
    ["data-privacy", "Data & privacy", `/t/${slug}/settings/data-privacy`],
    ["notifications", "Notifications", `/t/${slug}/settings/notifications`],
    ...(canViewAudit ? [["audit", "Audit log", `/t/${slug}/settings/audit`]] : []),
    ...(canManageIntegrations
      ? [
          ["api-keys", "API keys", `/t/${slug}/settings/api-keys`],
          ["webhooks", "Webhooks", `/t/${slug}/settings/webhooks`],
        ]
      : []),
  ] as const;
  // On a phone the tabs scroll sideways, as the agent's do, instead of widening the whole page.
  return (
    <nav aria-label="Settings" className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200">
      {items.map(([key, label, href]) => (
        <Link
          key={key}
          href={href}
          aria-current={current === key ? "page" : undefined}
          className={`-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${
            current === key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-500 hover:text-slate-800"
          }`}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
