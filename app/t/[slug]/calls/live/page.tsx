import type { Metadata } from "next";
import Link from "next/link";
import { LiveCalls } from "@/components/calls/live-calls";
import { PageHeader } from "@/components/ui/card";
import { getTeamPage } from "@/lib/auth/entry-points";

export const metadata: Metadata = { title: "Live calls" };

export default async function LiveCallsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { team } = await getTeamPage((await params).slug, "calls.view");
  return (
    <>
      <PageHeader
        title="Live calls"
        description="Calls in progress, with their transcript as it grows."
        actions={<Link href={`/t/${team.slug}/calls`} className="text-sm font-medium text-brand-700 hover:underline">← All calls</Link>}
      />
      <LiveCalls slug={team.slug} />
    </>
  );
}
