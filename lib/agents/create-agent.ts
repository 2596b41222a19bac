import { z } from "zod";
import type { Db } from "@/db/client";
import { agents, agentTestScenarios, departments, knowledgeEntries, type Agent } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { starterSuite } from "@/lib/evals/starter-suite";
import { ZScenarioInput } from "@/lib/evals/types";
import { isValidTimeZone } from "./business-hours";
import { findTemplate, TEMPLATE_KEYS } from "./templates";

export const ZCreateAgent = z.object({
  name: z.string().trim().max(80, "Use at most 80 characters").default(""),
  templateKey: z.enum(TEMPLATE_KEYS, { error: "Pick a template or a blank agent" }),
  timeZone: z
    .string()
    .trim()
    .default("UTC")
    .refine((tz) => isValidTimeZone(tz), "Pick a time zone from the list"),
});
export type TCreateAgent = z.input<typeof ZCreateAgent>;

// A new agent is a draft: nothing answers calls until it is published.
export async function createAgent(
  db: Db,
  team: { id: string; name: string },
  actor: TAuditActor,
  input: TCreateAgent,
): Promise<Agent> {
  const parsed = ZCreateAgent.parse(input);
  const template = findTemplate(parsed.templateKey);
  if (!template) throw new AppError("bad_request", "Unknown template.");
  const content = template.build({ teamName: team.name, timeZone: parsed.timeZone });
  const name = parsed.name || content.name;
  return db.transaction(async (tx) => {
    const [agent] = await tx
      .insert(agents)
      .values({ teamId: team.id, name, config: content.config, templateKey: template.key === "blank" ? null : template.key })
      .returning();
    if (!agent) throw new Error("insert returned nothing");
    const scope = { teamId: team.id, agentId: agent.id };
    // now() is fixed for the whole transaction, so explicit, increasing created_at values keep the template's
    // order (the order of the list and of the snapshot).
    const base = Date.now();
    const at = (i: number) => new Date(base + i);
    if (content.knowledge.length > 0) {
      await tx.insert(knowledgeEntries).values(content.knowledge.map((entry, i) => ({ ...scope, ...entry, createdAt: at(i) })));
    }
    if (content.departments.length > 0) {
      await tx.insert(departments).values(content.departments.map((dept, i) => ({ ...scope, ...dept, createdAt: at(i) })));
    }
    // Every template ships with a starter test suite from its own knowledge and departments.
    const suite = starterSuite(content).map((s) => ZScenarioInput.parse(s));
    if (suite.length > 0) await tx.insert(agentTestScenarios).values(suite.map((s, i) => ({ ...scope, ...s, createdAt: at(i) })));
    await recordAudit(tx, {
      teamId: team.id,
      actor,
      action: "agent.created",
      targetType: "agent",
      targetId: agent.id,
      targetLabel: agent.name,
      metadata: { template: template.label },
    });
    return agent;
  });
}
