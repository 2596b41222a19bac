import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Analytics" };

export default async function Page({ params }: { params: Promise<{ slug: string }> }) {
  await getTeamPage((await params).slug);
  return (
    <>
      <PageHeader title="Analytics" />
      <EmptyState title="Nothing here yet">Call volume, resolution rate, transfers, sentiment and latency trends will be charted here once calls come in. There is no call data for this team yet.</EmptyState>
    </>
  );
}
