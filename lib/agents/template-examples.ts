import { and, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { departments, knowledgeEntries } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { isFictionalNumber } from "./fictional-numbers";
import { getAgent, touchDraft } from "./get-agent";
import { shorten } from "./knowledge";
import { findTemplate } from "./templates";

// What is still left of a template's examples in an agent's draft, judged by the content itself: a knowledge entry
// whose question and answer are still the template's, a department whose number is still a fictional one. Once
// every example is replaced the warnings go, published or not.

export { isFictionalNumber };

type TEntry = { id: string; kind: string; title: string; content: string };

export function exampleKnowledgeIds(template: { templateKey: string | null; teamName: string }, entries: readonly TEntry[]): string[] {
  const found = template.templateKey ? findTemplate(template.templateKey) : undefined;
  if (!found) return [];
  const examples = new Set(found.build({ teamName: template.teamName, timeZone: "UTC" }).knowledge.map((k) => `${k.kind}\n${k.title.trim()}\n${k.content.trim()}`));
  return entries.filter((e) => examples.has(`${e.kind}\n${e.title.trim()}\n${e.content.trim()}`)).map((e) => e.id);
}

export function exampleDepartmentIds(rows: readonly { id: string; phoneNumber: string }[]): string[] {
  return rows.filter((d) => isFictionalNumber(d.phoneNumber)).map((d) => d.id);
}

export type TTemplateLeftovers = { knowledgeIds: string[]; departmentIds: string[] };

export async function findTemplateLeftovers(db: DbOrTx, scope: { teamId: string; agentId: string; teamName: string; templateKey: string | null }): Promise<TTemplateLeftovers> {
  const where = (table: typeof knowledgeEntries | typeof departments) => and(eq(table.teamId, scope.teamId), eq(table.agentId, scope.agentId));
  const [entries, depts] = await Promise.all([
    scope.templateKey
      ? db.select({ id: knowledgeEntries.id, kind: knowledgeEntries.kind, title: knowledgeEntries.title, content: knowledgeEntries.content }).from(knowledgeEntries).where(where(knowledgeEntries))
      : Promise.resolve([]),
    db.select({ id: departments.id, phoneNumber: departments.phoneNumber }).from(departments).where(where(departments)),
  ]);
  return { knowledgeIds: exampleKnowledgeIds(scope, entries), departmentIds: exampleDepartmentIds(depts) };
}

// Deletes every template example of one kind from the draft at once (one confirmation in the UI instead of one per
// entry). The examples are found again here, so only what is still an example goes, whatever the page showed.
export async function clearTemplateExamples(
  db: Db,
  team: { id: string; name: string },
  agentId: string,
  actor: TAuditActor,
  what: "knowledge" | "departments",
): Promise<number> {
  const agent = await getAgent(db, team.id, agentId);
  const scope = { teamId: team.id, agentId: agent.id };
  return db.transaction(async (tx) => {
    const leftovers = await findTemplateLeftovers(tx, { ...scope, teamName: team.name, templateKey: agent.templateKey });
    const ids = what === "knowledge" ? leftovers.knowledgeIds : leftovers.departmentIds;
    if (ids.length === 0) return 0;
    const deleted =
      what === "knowledge"
        ? await tx
            .delete(knowledgeEntries)
            .where(and(eq(knowledgeEntries.teamId, team.id), eq(knowledgeEntries.agentId, agent.id), inArray(knowledgeEntries.id, ids)))
            .returning({ id: knowledgeEntries.id, label: knowledgeEntries.title })
        : await tx
            .delete(departments)
            .where(and(eq(departments.teamId, team.id), eq(departments.agentId, agent.id), inArray(departments.id, ids)))
            .returning({ id: departments.id, label: departments.name });
    await touchDraft(tx, scope);
    for (const row of deleted) {
      await recordAudit(tx, {
        teamId: team.id,
        actor,
        action: what === "knowledge" ? "knowledge.deleted" : "department.deleted",
        targetType: what === "knowledge" ? "knowledge" : "department",
        targetId: row.id,
        targetLabel: `${agent.name} / ${shorten(row.label)}`,
        metadata: { templateExample: true },
      });
    }
    return deleted.length;
  });
}
