import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/entry-points";
import { listUserTeams } from "@/lib/auth/team-access";

// Sends a signed-in user to their first team, or to create one.
export default async function DashboardRedirect() {
  const user = await requireUser();
  const teams = await listUserTeams(getDb(), user.id);
  redirect(teams[0] ? `/t/${teams[0].slug}` : "/teams/new");
}
