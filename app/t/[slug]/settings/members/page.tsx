import type { Metadata } from "next";
import { InviteForm, MemberRow, RevokeInvitationButton } from "@/components/settings/members";
import { SettingsNav } from "@/components/settings/settings-nav";
import { Card, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can, canGrantRole, ROLES } from "@/lib/auth/roles";
import { listPendingInvitations } from "@/lib/members/invitations";
import { listMembers } from "@/lib/members/members";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { db, team, role, user } = await getTeamPage(slug);
  const canInvite = can(role, "members.invite");
  const [members, invitations] = await Promise.all([
    listMembers(db, team.id),
    canInvite ? listPendingInvitations(db, team.id) : Promise.resolve([]),
  ]);
  return (
    <>
      <PageHeader title="Settings" />
      <SettingsNav slug={team.slug} current="members" canViewAudit={can(role, "audit.view")} />
      <div className="space-y-6">
        {canInvite && (
          <Card title="Invite a member" description="They get a link to join this team with the role you pick.">
            <InviteForm slug={team.slug} grantableRoles={ROLES.filter((r) => canGrantRole(role, r))} />
          </Card>
        )}
        <Card title={`Members (${members.length})`}>
          <ul className="divide-y divide-slate-100">
            {members.map((m) => (
              <MemberRow key={m.userId} slug={team.slug} member={m} isSelf={m.userId === user.id} canManage={can(role, "members.change_role")} />
            ))}
          </ul>
        </Card>
        {canInvite && (
          <Card title="Pending invitations">
            {invitations.length === 0 ? (
              <p className="text-sm text-slate-500">No pending invitations.</p>
            ) : (
              <ul className="divide-y divide-slate-100">
                {invitations.map((i) => (
                  <li key={i.id} className="flex items-center justify-between py-3 text-sm">
                    <span>
                      {i.email} <span className="text-slate-500">as {i.role}, expires {i.expiresAt.toLocaleDateString("en-US")}</span>
                    </span>
                    <RevokeInvitationButton slug={team.slug} invitationId={i.id} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
      </div>
    </>
  );
}
