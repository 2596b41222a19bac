import { and, asc, count, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { agentTestScenarios, type AgentTestScenario } from "@/db/schema";
import { findAgent } from "@/lib/agents/get-agent";
import { AppError } from "@/lib/errors";
import { MAX_SCENARIOS_PER_AGENT, ZScenarioInput, type TScenarioInput } from "./types";

// An agent's test suite: its scenarios. Every function is scoped by team; an agent (or scenario) of another team
// is "not found", never "forbidden".

export async function requireAgent(db: DbOrTx, teamId: string, agentId: string) {
  const agent = await findAgent(db, teamId, agentId);
  if (!agent || agent.archivedAt) throw new AppError("not_found", "That agent does not exist.");
  return agent;
}

export function parseScenarioInput(input: unknown): TScenarioInput {
  const parsed = ZScenarioInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AppError("bad_request", `${where}${issue?.message ?? "Invalid scenario."}`);
  }
  return parsed.data;
}

export async function listScenarios(db: DbOrTx, teamId: string, agentId: string): Promise<AgentTestScenario[]> {
  await requireAgent(db, teamId, agentId);
  return db
    .select()
    .from(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId)))
    .orderBy(asc(agentTestScenarios.createdAt), asc(agentTestScenarios.id));
}

export async function createScenarios(db: DbOrTx, teamId: string, agentId: string, inputs: unknown[]): Promise<AgentTestScenario[]> {
  await requireAgent(db, teamId, agentId);
  const parsed = inputs.map(parseScenarioInput);
  if (parsed.length === 0) return [];
  const [existing] = await db
    .select({ n: count() })
    .from(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId)));
  if ((existing?.n ?? 0) + parsed.length > MAX_SCENARIOS_PER_AGENT) {
    throw new AppError("bad_request", `An agent's suite holds at most ${MAX_SCENARIOS_PER_AGENT} scenarios.`);
  }
  // One statement gives every row the same now(): the suite's order (by created_at) is the order given.
  const base = Date.now();
  return db
    .insert(agentTestScenarios)
    .values(parsed.map((s, i) => ({ teamId, agentId, name: s.name, steps: s.steps, expectations: s.expectations, createdAt: new Date(base + i) })))
    .returning();
}

export async function updateScenario(db: DbOrTx, teamId: string, agentId: string, scenarioId: string, input: unknown): Promise<AgentTestScenario> {
  await requireAgent(db, teamId, agentId);
  const s = parseScenarioInput(input);
  const [row] = await db
    .update(agentTestScenarios)
    .set({ name: s.name, steps: s.steps, expectations: s.expectations })
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId), eq(agentTestScenarios.id, scenarioId)))
    .returning();
  if (!row) throw new AppError("not_found", "That scenario does not exist.");
  return row;
}

export async function deleteScenario(db: DbOrTx, teamId: string, agentId: string, scenarioId: string): Promise<void> {
  await requireAgent(db, teamId, agentId);
  const deleted = await db
    .delete(agentTestScenarios)
    .where(and(eq(agentTestScenarios.teamId, teamId), eq(agentTestScenarios.agentId, agentId), eq(agentTestScenarios.id, scenarioId)))
    .returning({ id: agentTestScenarios.id });
  if (deleted.length === 0) throw new AppError("not_found", "That scenario does not exist.");
}
