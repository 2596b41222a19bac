import { redirect } from "next/navigation";

// /t/{slug}/agents/{id}/tests: the agent page opened on its Tests tab (membership is checked there).
export default async function AgentTestsPage({ params }: { params: Promise<{ slug: string; agentId: string }> }) {
  const { slug, agentId } = await params;
  redirect(`/t/${encodeURIComponent(slug)}/agents/${encodeURIComponent(agentId)}?tab=tests`);
}
