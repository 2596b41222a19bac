import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentTabs } from "@/components/agents/agent-tabs";
import { BusinessHoursForm } from "@/components/agents/business-hours-form";
import { CaptureFieldsForm } from "@/components/agents/capture-fields-form";
import { CallerOptionsForm } from "@/components/agents/caller-options-form";
import { DepartmentsPanel } from "@/components/agents/departments-panel";
import { InstructionsPreview } from "@/components/agents/instructions-preview";
import { KnowledgePanel } from "@/components/agents/knowledge-panel";
import { PublishBar } from "@/components/agents/publish-bar";
import { SettingsForm } from "@/components/agents/settings-form";
import { TestCallPanel } from "@/components/agents/test-call-panel";
import { TestsPanel } from "@/components/agents/tests-panel";
import { describeExpectation, formFromScenario } from "@/lib/evals/form";
import { listTestRuns, summarizeRun } from "@/lib/evals/runs";
import { gateProblems, publishGate } from "@/lib/evals/publish-gate";
import { listScenarios } from "@/lib/evals/scenarios";
import { isFictionalNumber } from "@/lib/agents/fictional-numbers";
import { exampleKnowledgeIds } from "@/lib/agents/template-examples";
import { VersionsPanel } from "@/components/agents/versions-panel";
import { Alert } from "@/components/ui/alert";
import { updateCallerOptionsAction } from "../actions";
import { Card, PageHeader } from "@/components/ui/card";
import { assembleInstructions, KNOWLEDGE_BUDGET_CHARS } from "@/lib/agents/assemble-instructions";
import { buildDraftSnapshot, isSameSnapshot } from "@/lib/agents/draft-snapshot";
import { findAgent, getLiveVersion } from "@/lib/agents/get-agent";
import { listKnowledge } from "@/lib/agents/knowledge";
import { listVersions } from "@/lib/agents/list-agents";
import { timeZoneOptions } from "@/lib/agents/options";
import { findTemplate } from "@/lib/agents/templates";
import { getTeamPage } from "@/lib/auth/entry-points";
import { can } from "@/lib/auth/roles";

export const metadata: Metadata = { title: "Agent" };

const TABS = ["settings", "knowledge", "departments", "hours", "test-call", "tests", "versions", "instructions"] as const;

export default async function AgentPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; agentId: string }>;
  searchParams: Promise<{ tab?: string; q?: string; created?: string }>;
}) {
  const { slug, agentId } = await params;
  const query = await searchParams;
  const { db, team, role } = await getTeamPage(slug);
  const agent = await findAgent(db, team.id, agentId);
  if (!agent || agent.archivedAt) notFound();

  const search = typeof query.q === "string" ? query.q.slice(0, 200) : "";
  const [draft, versions, knowledge, live, scenarios, testRuns] = await Promise.all([
    buildDraftSnapshot(db, team, agent),
    listVersions(db, team.id, agent),
    listKnowledge(db, { teamId: team.id, agentId: agent.id }, { search }),
    getLiveVersion(db, team.id, agent),
    listScenarios(db, team.id, agent.id),
    listTestRuns(db, team.id, agent.id),
  ]);
  const hasUnpublishedChanges = !live || !isSameSnapshot(live.snapshot, draft);
  const gate = await publishGate(db, team.id, agent.id, draft);
  const canEdit = can(role, "agents.edit");
  const canPublish = can(role, "agents.publish");
  const canPreview = can(role, "test_calls.start");
  const now = new Date();
  const draftInstructions = assembleInstructions(draft, { now });
  const liveInstructions = live ? assembleInstructions(live.snapshot, { now }) : null;
  const template = agent.templateKey ? findTemplate(agent.templateKey) : undefined;
  // Judged by content, not by "never published": the warnings go once every example is replaced.
  const exampleKnowledgeIdList = exampleKnowledgeIds({ templateKey: agent.templateKey, teamName: team.name }, draft.knowledge);
  const hasLeftovers = exampleKnowledgeIdList.length > 0 || draft.departments.some((d) => isFictionalNumber(d.phoneNumber));
  const knowledgeChars = draft.knowledge.reduce((n, k) => n + k.title.length + k.content.length, 0);
  const config = draft.config;
  const initialTab = TABS.find((t) => t === query.tab) ?? "settings";

  return (
    <>
      <Link href={`/t/${team.slug}/agents`} className="text-sm text-slate-500 hover:text-slate-800">
        ← Agents
      </Link>
      <PageHeader title={agent.name} description={template ? `Started from the ${template.label} template.` : undefined} />
      {/* Only until the first publish: the link that brought the user here keeps ?created=1 after it. */}
      {query.created && hasLeftovers && !live && (
        <div className="mb-4">
          <Alert tone="info">
            Your agent is ready as a draft. Replace the example facts in Knowledge and the example phone numbers in Departments with your own, check Business hours, then Publish.
          </Alert>
        </div>
      )}
      <PublishBar
        slug={team.slug}
        agentId={agent.id}
        live={live ? { id: live.id, version: live.version, publishedAt: live.createdAt.toISOString() } : null}
        hasUnpublishedChanges={hasUnpublishedChanges}
        gate={{
          isRequired: gate.isRequired,
          isPassing: gate.isPassing,
          scenarioCount: gate.scenarioCount,
          summary: gate.summary,
          problems: gateProblems(gate),
          regressionCount: gate.regressions.length,
          openRunIds: testRuns.filter((r) => r.status === "queued" || r.status === "running").map((r) => r.id),
        }}
        canRunTests={can(role, "test_calls.start")}
        draftUpdatedAt={agent.draftUpdatedAt.toISOString()}
        canPublish={canPublish}
      />
      {!canEdit && (
        <div className="mb-4">
          <Alert tone="info">You can view this agent. Only owners and admins can change or publish it.</Alert>
        </div>
      )}
      <AgentTabs
        initial={initialTab}
        tabs={[
          {
            key: "settings",
            label: "Settings",
            content: (
              <div className="space-y-6">
                <Card title="Agent" description="Who the agent is, what it says first, and how it sounds.">
                  <SettingsForm
                    slug={team.slug}
                    agentId={agent.id}
                    canEdit={canEdit}
                    canPreview={canPreview}
                    initial={{
                      name: agent.name,
                      systemPrompt: config.systemPrompt,
                      greeting: config.greeting,
                      disclosure: config.disclosure,
                      recordingMode: config.recordingMode,
                      language: config.language,
                      voice: config.voice,
                      interruptionMinSpeechMs: config.interruptionMinSpeechMs,
                      thinkingInterruptionMinSpeechMs: config.thinkingInterruptionMinSpeechMs,
                      shouldResumeAfterBackchannel: config.shouldResumeAfterBackchannel,
                      // An invalid draft is shown as saved (normalizeConfig), possibly without the list.
                      backchannelPhrases: Array.isArray(config.backchannelPhrases) ? config.backchannelPhrases.join("\n") : "",
                      endpointingSilenceMs: config.endpointingSilenceMs,
                      maxCallDurationMin: Math.max(1, Math.round(config.maxCallDurationSec / 60)),
                      silenceTimeoutSec: config.silenceTimeoutSec,
                    }}
                  />
                </Card>
                <Card title="Details to collect" description="What the agent asks callers for. Collected details are saved with the call and its message.">
                  <CaptureFieldsForm slug={team.slug} agentId={agent.id} canEdit={canEdit} initial={config.captureFields} />
                </Card>
              </div>
            ),
          },
          {
            key: "knowledge",
            label: "Knowledge",
            count: draft.knowledge.length,
            content: (
              <KnowledgePanel
                slug={team.slug}
                agentId={agent.id}
                canEdit={canEdit}
                search={search}
                totalCount={draft.knowledge.length}
                exampleIds={exampleKnowledgeIdList}
                overBudget={knowledgeChars > KNOWLEDGE_BUDGET_CHARS ? { chars: knowledgeChars, budget: KNOWLEDGE_BUDGET_CHARS } : null}
                entries={knowledge.map((k) => ({
                  id: k.id,
                  kind: k.kind,
                  title: k.title,
                  content: k.content,
                  usageCount: k.usageCount,
                  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
                }))}
              />
            ),
          },
          {
            key: "departments",
            label: "Departments",
            count: draft.departments.length,
            content: (
              <div className="space-y-6">
                <DepartmentsPanel
                  slug={team.slug}
                  agentId={agent.id}
                  canEdit={canEdit}
                  departments={draft.departments}
                />
                <Card title="Returning and VIP callers" description="How the agent treats callers it knows.">
                  <CallerOptionsForm
                    action={updateCallerOptionsAction.bind(null, team.slug)}
                    agentId={agent.id}
                    canEdit={canEdit}
                    initial={{ isPersonalizationEnabled: config.isPersonalizationEnabled !== false, vipDepartmentId: config.vipDepartmentId ?? "" }}
                    departments={draft.departments.map((d) => ({ id: d.id, name: d.name }))}
                  />
                </Card>
              </div>
            ),
          },
          {
            key: "hours",
            label: "Business hours",
            content: (
              <Card title="Business hours" description="When the agent transfers calls, and what callers hear when you're closed.">
                <BusinessHoursForm slug={team.slug} agentId={agent.id} canEdit={canEdit} initial={config.businessHours} timeZones={timeZoneOptions()} />
              </Card>
            ),
          },
          {
            key: "test-call",
            label: "Test call",
            content: <TestCallPanel slug={team.slug} agentId={agent.id} canTest={canPreview} />,
          },
          {
            key: "tests",
            label: "Tests",
            count: scenarios.length,
            content: (
              <TestsPanel
                slug={team.slug}
                agentId={agent.id}
                canEdit={canEdit}
                canRun={canPreview}
                hasLive={!!live}
                scenarios={scenarios.map((s) => {
                  const form = formFromScenario(s);
                  return { id: s.id, name: s.name, script: form.script, expectations: s.expectations.map(describeExpectation), form };
                })}
                runs={testRuns.map(summarizeRun)}
              />
            ),
          },
          {
            key: "versions",
            label: "Versions",
            count: versions.length,
            content: (
              <VersionsPanel
                slug={team.slug}
                agentId={agent.id}
                canPublish={canPublish}
                versions={versions.map((v) => ({
                  id: v.id,
                  version: v.version,
                  note: v.note,
                  publishedBy: v.publishedBy,
                  publishedAt: v.createdAt.toISOString(),
                  isLive: v.isLive,
                  callCount: v.callCount,
                }))}
              />
            ),
          },
          {
            key: "instructions",
            label: "Instructions",
            content: (
              <InstructionsPreview
                draft={draftInstructions}
                live={liveInstructions && live ? { text: liveInstructions, version: live.version } : null}
                hasUnpublishedChanges={hasUnpublishedChanges}
              />
            ),
          },
        ]}
      />
    </>
  );
}
