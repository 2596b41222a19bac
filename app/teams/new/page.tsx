import type { Metadata } from "next";
import { NewTeamForm } from "@/components/settings/new-team-form";
import { requireUser } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "New team" };

export default async function NewTeamPage() {
  await requireUser();
  return (
    <div className="mx-auto max-w-md px-4 py-16">
      <h1 className="mb-1 text-xl font-semibold">Create a team</h1>
      <p className="mb-6 text-sm text-slate-500">A team is one business: its agents, numbers, calls and members.</p>
      <NewTeamForm />
    </div>
  );
}
