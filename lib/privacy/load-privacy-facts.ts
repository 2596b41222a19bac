import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, agentVersions, type Team } from "@/db/schema";
import { ZAgentConfig, type TRecordingMode } from "@/lib/agents/config";
import { loadRedactionSettings } from "@/lib/redaction/redaction-settings";
import type { TPrivacyFacts } from "./privacy-notice";
import { configuredProcessors, describeProcessors, processorsUsedByCalls, type TProcessorEnv } from "./processors";
import { loadRetentionPolicy } from "@/lib/retention/policy";

const PROCESSORS_SEEN_DAYS = 90;

// The facts behind the Data & privacy page, all from the team's own settings and this deployment's configuration.
export async function loadPrivacyFacts(
  db: Db,
  team: Team,
  deployment: TProcessorEnv & { RECORDINGS_ENABLED: boolean },
  now = new Date(),
): Promise<TPrivacyFacts> {
  const [live, redaction, used, retention] = await Promise.all([
    db
      .select({ snapshot: agentVersions.snapshot })
      .from(agents)
      .innerJoin(agentVersions, and(eq(agentVersions.id, agents.publishedVersionId), eq(agentVersions.teamId, agents.teamId)))
      .where(and(eq(agents.teamId, team.id), isNotNull(agents.publishedVersionId))),
    loadRedactionSettings(db, team.id),
    processorsUsedByCalls(db, team.id, new Date(now.getTime() - PROCESSORS_SEEN_DAYS * 86_400_000)),
    loadRetentionPolicy(db, team.id),
  ]);
  const modes = new Set<TRecordingMode>();
  const labels = new Set<string>();
  for (const { snapshot } of live) {
    const config = ZAgentConfig.safeParse(snapshot.config);
    if (!config.success) continue;
    modes.add(config.data.recordingMode);
    for (const field of config.data.captureFields) labels.add(field.label);
  }
  return {
    teamName: team.name,
    recordingModes: [...modes],
    captureLabels: [...labels],
    redaction,
    retention,
    processors: describeProcessors(new Set([...configuredProcessors(deployment), ...used]), deployment),
    recordingStore: !deployment.RECORDINGS_ENABLED ? "off" : deployment.S3_BUCKET ? "s3" : "local",
  };
}
