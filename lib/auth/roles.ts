import type { TeamRole } from "@/db/schema";

export const ROLES = ["owner", "admin", "member", "viewer"] as const satisfies readonly TeamRole[];
const RANK: Record<TeamRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

// What each action needs. Server code checks these; the UI only uses them to hide what a role cannot do.
export const PERMISSIONS = {
  "team.view": "viewer",
  "team.update_settings": "admin",
  "team.delete": "owner",
  "members.invite": "admin",
  "members.change_role": "owner",
  "members.remove": "owner",
  "audit.view": "admin",
  "agents.edit": "admin",
  "agents.publish": "admin",
  "numbers.manage": "admin",
  "calls.view": "viewer",
  "calls.reanalyze": "admin",
  "messages.handle": "member",
  "callers.edit": "member",
  "test_calls.start": "member",
  "api_keys.manage": "admin",
  "webhooks.manage": "admin",
  // Caller data requests: looking a caller up shows every call and message of theirs, exporting or erasing acts
  // for the whole team, so the roles that already see the audit log and manage the team's data.
  "privacy.manage": "admin",
} as const satisfies Record<string, TeamRole>;
export type TPermission = keyof typeof PERMISSIONS;

export function hasRole(role: TeamRole, atLeast: TeamRole): boolean {
  return RANK[role] >= RANK[atLeast];
}

export function can(role: TeamRole, permission: TPermission): boolean {
  return hasRole(role, PERMISSIONS[permission]);
}

// Admins may invite up to their own rank (an admin cannot mint owners).
export function canGrantRole(actor: TeamRole, granted: TeamRole): boolean {
  return actor === "owner" || (actor === "admin" && RANK[granted] <= RANK.admin);
}

// API keys act with the role of the member who created them, capped at admin: owner-only actions (removing members,
// changing roles) stay in the web app. A key only works while its creator could still create it, so removing or
// demoting that member below admin disables their keys at once. Null: the key must be refused.
export const API_KEY_MAX_ROLE = "admin" satisfies TeamRole;

export function apiKeyRole(creatorRole: TeamRole | null | undefined): TeamRole | null {
  if (!creatorRole || !can(creatorRole, "api_keys.manage")) return null;
  return hasRole(creatorRole, API_KEY_MAX_ROLE) ? API_KEY_MAX_ROLE : creatorRole;
}
