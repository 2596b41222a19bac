import { and, eq, max } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { agents, agentVersions, type AgentVersion } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { enforcePublishGate } from "@/lib/evals/publish-gate";
import { checkTransferDestination, loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import { isValidTimeZone } from "./business-hours";
import { ZAgentConfig, type TAgentSnapshot } from "./config";
import { normalizeE164 } from "./departments";
import { buildDraftSnapshot, isSameSnapshot } from "./draft-snapshot";
import { lockAgent } from "./get-agent";

export const ZPublishInput = z.object({
  note: z.string().trim().max(200, "Keep the note under 200 characters").default(""),
});

// What would make a published version misbehave on a live call. Empty when the draft can go live.
// transferCountries: the team's allow-list; without it only the number's format is checked.
export function validateForPublish(snapshot: TAgentSnapshot, transferCountries?: readonly string[]): string[] {
  const problems: string[] = [];
  const parsed = ZAgentConfig.safeParse(snapshot.config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".") || "settings"}: ${issue.message}.`);
    return problems;
  }
  const config = parsed.data;
  if (!snapshot.agentName.trim()) problems.push("Give the agent a name.");
  if (!config.greeting.trim()) problems.push("Add a greeting: it is the first thing callers hear.");
  if (config.recordingMode !== "do_not_record" && !config.disclosure.trim()) {
    problems.push(
      config.recordingMode === "ask_consent"
        ? 'Recording is set to "Ask for consent", so callers must first be told the call may be recorded: add a disclosure line (for example "This call may be recorded; say yes or press 1 to allow it."), or set Recording to "Do not record".'
        : 'Recording is on, so callers must be told: add a disclosure line (for example "This call is answered by an AI assistant and recorded."), or set Recording to "Do not record".',
    );
  }
  const hours = config.businessHours;
  if (!isValidTimeZone(hours.timeZone)) problems.push(`Business hours: "${hours.timeZone}" is not a time zone.`);
  if (hours.isEnabled && hours.weekly.length === 0) {
    problems.push("Business hours are on but no day has opening hours, so every caller would hear the after-hours message.");
  }
  for (const d of snapshot.departments) {
    if (!d.name.trim()) problems.push("A department has no name.");
    if (normalizeE164(d.phoneNumber) !== d.phoneNumber) {
      problems.push(`Department "${d.name}": ${d.phoneNumber || "(empty)"} is not a phone number in international format.`);
    } else if (transferCountries) {
      const check = checkTransferDestination(d.phoneNumber, transferCountries);
      if (!check.ok) problems.push(`Department "${d.name}": ${check.message}`);
    }
  }
  return problems;
}

export type TPublishResult = { version: AgentVersion };

// Freezes the draft (settings, knowledge, departments, names) into the next numbered, immutable version and makes
// it live. New calls pick it up immediately; calls in progress keep the version they started with.
export async function publishAgent(
  db: Db,
  team: { id: string; name: string },
  actor: TAuditActor & { userId?: string },
  input: { agentId: string; note?: string },
): Promise<TPublishResult> {
  return db.transaction(async (tx) => {
    const agent = await lockAgent(tx, team.id, input.agentId);
    const snapshot = await buildDraftSnapshot(tx, team, agent);
    const problems = validateForPublish(snapshot, (await loadTransferPolicy(tx, team.id)).countries);
    if (problems.length > 0) {
      throw new AppError("bad_request", `Fix these before publishing: ${problems.join(" ")}`, { problems });
    }
    if (agent.publishedVersionId) {
      const [live] = await tx
        .select()
        .from(agentVersions)
        .where(and(eq(agentVersions.id, agent.publishedVersionId), eq(agentVersions.teamId, team.id)))
        .limit(1);
      if (live && isSameSnapshot(live.snapshot, snapshot)) {
        throw new AppError("conflict", `Nothing has changed since version ${live.version}, which is already live.`);
      }
    }
    // The team's test-suite gate, when it made it mandatory (lib/evals/publish-gate.ts).
    await enforcePublishGate(tx, team.id, agent.id, snapshot);
    const [latest] = await tx
      .select({ n: max(agentVersions.version) })
      .from(agentVersions)
      .where(and(eq(agentVersions.teamId, team.id), eq(agentVersions.agentId, agent.id)));
    const [version] = await tx
      .insert(agentVersions)
      .values({
        teamId: team.id,
        agentId: agent.id,
        version: (latest?.n ?? 0) + 1,
        snapshot,
        note: input.note?.trim() || null,
        publishedById: actor.userId ?? null,
      })
      .returning();
    if (!version) throw new Error("insert returned nothing");
    await tx
      .update(agents)
      .set({ publishedVersionId: version.id })
      .where(and(eq(agents.id, agent.id), eq(agents.teamId, team.id)));
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "agent.published",
      targetType: "agent",
      targetId: agent.id,
      targetLabel: agent.name,
      metadata: { version: version.version, ...(version.note ? { note: version.note } : {}) },
    });
    return { version };
  });
}
