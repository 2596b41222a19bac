import { createHash } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { departments, knowledgeEntries, type Agent } from "@/db/schema";
import { ZAgentConfig, type TAgentConfig, type TAgentSnapshot } from "./config";

// The draft as a snapshot: exactly what publishing would freeze now.
export async function buildDraftSnapshot(
  db: DbOrTx,
  team: { id: string; name: string },
  agent: Pick<Agent, "id" | "name" | "config">,
): Promise<TAgentSnapshot> {
  const [knowledge, depts] = await Promise.all([
    db
      .select({ id: knowledgeEntries.id, kind: knowledgeEntries.kind, title: knowledgeEntries.title, content: knowledgeEntries.content })
      .from(knowledgeEntries)
      .where(and(eq(knowledgeEntries.teamId, team.id), eq(knowledgeEntries.agentId, agent.id)))
      .orderBy(asc(knowledgeEntries.createdAt), asc(knowledgeEntries.id)),
    db
      .select({ id: departments.id, name: departments.name, phoneNumber: departments.phoneNumber, whenToTransfer: departments.whenToTransfer })
      .from(departments)
      .where(and(eq(departments.teamId, team.id), eq(departments.agentId, agent.id)))
      .orderBy(asc(departments.createdAt), asc(departments.id)),
  ]);
  return { agentName: agent.name, teamName: team.name, config: normalizeConfig(agent.config), knowledge, departments: depts };
}

// Fills defaults added to the config schema after the row was written; an invalid draft is kept as it is so that
// publishing can report what is wrong with it.
export function normalizeConfig(config: unknown): TAgentConfig {
  const parsed = ZAgentConfig.safeParse(config);
  return parsed.success ? parsed.data : (config as TAgentConfig);
}

export function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

// Two snapshots with the same fingerprint make the same calls. Knowledge content enters as its md5, so the list
// page can compare drafts using md5(content) computed by Postgres instead of loading every document.
export function snapshotFingerprint(
  snapshot: Omit<TAgentSnapshot, "knowledge"> & { knowledge: { id: string; kind: string; title: string; content?: string; contentMd5?: string }[] },
): string {
  return canonicalJson({
    agentName: snapshot.agentName,
    teamName: snapshot.teamName,
    config: normalizeConfig(snapshot.config),
    knowledge: snapshot.knowledge.map((k) => [k.id, k.kind, k.title, k.contentMd5 ?? md5(k.content ?? "")]),
    departments: snapshot.departments.map((d) => [d.id, d.name, d.phoneNumber, d.whenToTransfer]),
  });
}

export function isSameSnapshot(a: TAgentSnapshot, b: TAgentSnapshot): boolean {
  return snapshotFingerprint(a) === snapshotFingerprint(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
