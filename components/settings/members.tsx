"use client";
import { useActionState, useState } from "react";
import {
  changeRoleAction,
  inviteMemberAction,
  removeMemberAction,
  revokeInvitationAction,
} from "@/app/t/[slug]/settings/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";

const ROLE_HELP = {
  owner: "Owner: everything, including roles and removing members",
  admin: "Admin: agents, numbers, settings and invitations",
  member: "Member: handles messages and test calls",
  viewer: "Viewer: read-only",
} as const;

export function InviteForm({ slug, grantableRoles }: { slug: string; grantableRoles: (keyof typeof ROLE_HELP)[] }) {
  const [state, action] = useActionState(inviteMemberAction.bind(null, slug), undefined);
  const [isCopied, setIsCopied] = useState(false);
  const link = typeof state?.data?.link === "string" ? state.data.link : undefined;
  return (
    <form action={action} className="space-y-4" noValidate>
      {state?.error && <Alert tone="error">{state.error}</Alert>}
      {state?.success && <Alert tone="success">{state.success}</Alert>}
      {link && (
        <div className="flex gap-2">
          <input readOnly value={link} aria-label="Invitation link" data-testid="invite-link" className="min-w-0 flex-1 rounded-md bg-slate-50 px-3 py-2 font-mono text-xs ring-1 ring-slate-200" />
          <Button
            type="button"
            variant="secondary"
            onClick={async () => {
              await navigator.clipboard?.writeText(link).catch(() => {});
              setIsCopied(true);
            }}
          >
            {isCopied ? "Copied" : "Copy link"}
          </Button>
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-[1fr_14rem]">
        <Field label="Email" name="email" type="email" defaultValue={state?.success ? "" : state?.values?.email} error={state?.fieldErrors?.email} required />
        <SelectField label="Role" name="role" defaultValue={state?.values?.role ?? "member"} error={state?.fieldErrors?.role}>
          {grantableRoles.map((r) => (
            <option key={r} value={r}>
              {r[0]!.toUpperCase() + r.slice(1)}
            </option>
          ))}
        </SelectField>
      </div>
      <ul className="text-xs text-slate-500">
        {grantableRoles.map((r) => (
          <li key={r}>{ROLE_HELP[r]}</li>
        ))}
      </ul>
      <SubmitButton pendingText="Inviting…">Send invitation</SubmitButton>
    </form>
  );
}

export function MemberRow({
  slug,
  member,
  isSelf,
  canManage,
}: {
  slug: string;
  member: { userId: string; name: string | null; email: string; role: keyof typeof ROLE_HELP };
  isSelf: boolean;
  canManage: boolean;
}) {
  const [roleState, roleAction] = useActionState(changeRoleAction.bind(null, slug), undefined);
  const [removeState, removeAction] = useActionState(removeMemberAction.bind(null, slug), undefined);
  const error = roleState?.error ?? removeState?.error;
  return (
    <li className="py-3" data-testid={`member-${member.email}`}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0">
          <p className="truncate text-sm font-medium text-slate-900">
            {member.name || member.email} {isSelf && <span className="text-slate-400">(you)</span>}
          </p>
          <p className="truncate text-xs text-slate-500">{member.email}</p>
        </div>
        {canManage ? (
          <div className="flex items-center gap-2">
            <form action={roleAction} className="flex items-center gap-2">
              <input type="hidden" name="userId" value={member.userId} />
              <label className="sr-only" htmlFor={`role-${member.userId}`}>Role of {member.email}</label>
              <select id={`role-${member.userId}`} name="role" defaultValue={member.role} className="rounded-md border-0 py-1.5 pl-2 pr-8 text-sm ring-1 ring-slate-300">
                {Object.keys(ROLE_HELP).map((r) => (
                  <option key={r} value={r}>{r}</option>
                ))}
              </select>
              <SubmitButton variant="secondary" pendingText="Saving…">Change role</SubmitButton>
            </form>
            <form
              action={removeAction}
              onSubmit={(e) => {
                if (!confirm(`Remove ${member.email} from the team?`)) e.preventDefault();
              }}
            >
              <input type="hidden" name="userId" value={member.userId} />
              <SubmitButton variant="ghost" className="text-red-600" pendingText="Removing…">Remove</SubmitButton>
            </form>
          </div>
        ) : (
          <span className="text-sm capitalize text-slate-600">{member.role}</span>
        )}
      </div>
      {error && <div className="mt-2"><Alert tone="error">{error}</Alert></div>}
    </li>
  );
}

export function RevokeInvitationButton({ slug, invitationId }: { slug: string; invitationId: string }) {
  const [state, action] = useActionState(revokeInvitationAction.bind(null, slug), undefined);
  return (
    <form action={action}>
      <input type="hidden" name="invitationId" value={invitationId} />
      <SubmitButton variant="ghost" pendingText="Revoking…">Revoke</SubmitButton>
      {state?.error && <span className="text-xs text-red-600">{state.error}</span>}
    </form>
  );
}
