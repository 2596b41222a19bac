import Link from "next/link";
import { signOutAction } from "@/app/(auth)/actions";
import { TeamNav } from "@/components/shell/team-nav";
import { TeamSwitcher } from "@/components/shell/team-switcher";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";
import { listUserTeams } from "@/lib/auth/team-access";
import { countNewMessages } from "@/lib/inbox/list-messages";

export default async function TeamLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, user, team, role } = await getTeamPage(slug);
  const [teams, newMessages] = await Promise.all([listUserTeams(db, user.id), countNewMessages(db, team.id)]);
  return (
    <div className="min-h-screen md:flex">
      <aside className="border-b border-slate-200 bg-white p-4 md:sticky md:top-0 md:flex md:h-screen md:w-60 md:shrink-0 md:flex-col md:overflow-y-auto md:border-b-0 md:border-r">
        <Link href={`/t/${team.slug}`} className="mb-4 flex items-center gap-2 font-semibold">
          <span className="grid size-7 place-items-center rounded-md bg-brand-600 text-sm text-white" aria-hidden>☎</span>
          AI Call Agent
        </Link>
        <div className="mb-4">
          <TeamSwitcher current={team.slug} teams={teams} />
        </div>
        <TeamNav slug={team.slug} canManagePrivacy={can(role, "privacy.manage")} newMessages={newMessages} />
        {/* Who is signed in, below the navigation (in the flow, so a longer menu never covers it). */}
        <section
          aria-label="Signed in"
          className="mt-3 flex items-center justify-between gap-3 border-t border-slate-100 pt-3 text-xs text-slate-500 md:mt-auto md:block md:pt-4"
        >
          <div className="min-w-0">
            <p className="hidden text-slate-400 md:block">Signed in as</p>
            {user.name && <p className="truncate text-sm font-medium text-slate-900">{user.name}</p>}
            <Link href="/account" className="block truncate hover:text-slate-900 hover:underline" title="Your account: password and sessions">{user.email}</Link>
            <p className="hidden capitalize md:mb-2 md:block">{role}</p>
          </div>
          <form action={signOutAction} className="shrink-0">
            <button type="submit" className="font-medium text-slate-700 hover:text-slate-900">Sign out</button>
          </form>
        </section>
      </aside>
      <main className="min-w-0 flex-1 px-4 py-8 md:px-10">{children}</main>
    </div>
  );
}
