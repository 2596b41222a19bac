import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Phone numbers" };

export default async function Page({ params }: { params: Promise<{ slug: string }> }) {
  await getTeamPage((await params).slug);
  return (
    <>
      <PageHeader title="Phone numbers" />
      <EmptyState title="Nothing here yet">Numbers you buy or import will be listed here with the agent that answers them. Number management arrives with the agent builder; this team has no numbers yet.</EmptyState>
    </>
  );
}
