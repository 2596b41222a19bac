import { z } from "zod";
import { defineEndpoint, ZId, page } from "./define";

// /members: who is in the team, invitations, removal.

export const ZMemberOut = z
  .object({
    user_id: z.string(),
    name: z.string().nullable(),
    email: z.string(),
    role: z.enum(["owner", "admin", "member", "viewer"]),
    joined_at: z.string(),
  })
  .meta({ id: "Member" });

export const listMembersEndpoint = defineEndpoint({
  method: "GET",
  path: "/members",
  operationId: "listMembers",
  summary: "List members",
  description: "The whole list comes in one page (`next_cursor` is null).",
  tag: "Members",
  permission: "team.view",
  response: page(ZMemberOut, "MemberPage"),
});

export const ZInviteBody = z
  .object({
    email: z.email().trim().toLowerCase(),
    role: z.enum(["admin", "member", "viewer"]).describe("API keys act at most as admins, so they cannot invite owners."),
  })
  .strict()
  .meta({ id: "InviteRequest" });

export const inviteMemberEndpoint = defineEndpoint({
  method: "POST",
  path: "/members",
  operationId: "inviteMember",
  summary: "Invite a member",
  description: "Returns the single-use invitation link to send to them (valid for 7 days). No email is sent.",
  tag: "Members",
  permission: "members.invite",
  body: ZInviteBody,
  status: 201,
  response: z
    .object({ invitation_id: ZId, email: z.string(), role: z.string(), invite_url: z.string() })
    .meta({ id: "Invitation" }),
});

export const removeMemberEndpoint = defineEndpoint({
  method: "DELETE",
  path: "/members/{user_id}",
  operationId: "removeMember",
  summary: "Remove a member",
  description:
    "Needs the same permission as in the web app, where only owners may remove members. API keys act with their creator's role capped at admin, so a key always gets 403 here: remove members in the web app.",
  tag: "Members",
  permission: "members.remove",
  params: z.object({ user_id: z.string().min(1).max(200) }),
  status: 204,
  response: z.null(),
});
