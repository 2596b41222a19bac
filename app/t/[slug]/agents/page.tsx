import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Agents" };

export default async function Page({ params }: { params: Promise<{ slug: string }> }) {
  await getTeamPage((await params).slug);
  return (
    <>
      <PageHeader title="Agents" />
      <EmptyState title="Nothing here yet">Build the AI agent that answers your calls: its greeting, knowledge, departments to transfer to and business hours. The agent builder arrives in the next release; nothing has been created for this team yet.</EmptyState>
    </>
  );
}
