import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Calls" };

export default async function Page({ params }: { params: Promise<{ slug: string }> }) {
  await getTeamPage((await params).slug);
  return (
    <>
      <PageHeader title="Calls" />
      <EmptyState title="Nothing here yet">Every call will be listed here with its transcript, outcome, sentiment and latency. No calls have been recorded for this team yet.</EmptyState>
    </>
  );
}
