import { randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, agentVersions, knowledgeEntries, phoneNumbers, teams } from "@/db/schema";
import { ZAgentConfig, type TAgentConfig, type TAgentSnapshot, type TDepartment } from "@/lib/agents/config";

// An answer long enough to be talked over: three sentences, each played as its own segment.
export const HOURS_SENTENCES = [
  "We are open Monday to Friday from nine in the morning until five in the afternoon.",
  "On Saturdays we open at ten and close at two.",
  "We are closed on Sundays and public holidays.",
];
export const HOURS_KNOWLEDGE = { title: "What are your opening hours?", content: HOURS_SENTENCES.join(" ") };

export type TSeededAgent = {
  teamId: string;
  agentId: string;
  versionId: string;
  phoneNumberId: string;
  e164: string;
  accountSid: string;
  snapshot: TAgentSnapshot;
  knowledgeIds: string[];
};

// A team with a published agent answering one active number: what a real team has after onboarding.
export async function seedAgent(
  db: Db,
  options: {
    accountSid: string;
    config?: Partial<TAgentConfig>;
    knowledge?: { title: string; content: string }[];
    departments?: Omit<TDepartment, "id">[];
    concurrentCallLimit?: number;
    isPublished?: boolean;
  },
): Promise<TSeededAgent> {
  const slug = `team-${randomBytes(5).toString("hex")}`;
  const [team] = await db
    .insert(teams)
    .values({ name: `Team ${slug}`, slug, concurrentCallLimit: options.concurrentCallLimit ?? 5 })
    .returning();
  if (!team) throw new Error("team insert failed");
  const config = ZAgentConfig.parse({
    greeting: "Thanks for calling Acme Dental.",
    endpointingSilenceMs: 300,
    interruptionMinSpeechMs: 200,
    ...options.config,
  });
  const [agent] = await db.insert(agents).values({ teamId: team.id, name: "Reception", config }).returning();
  if (!agent) throw new Error("agent insert failed");
  const knowledge = [];
  for (const item of options.knowledge ?? []) {
    const [row] = await db
      .insert(knowledgeEntries)
      .values({ teamId: team.id, agentId: agent.id, kind: "qa", title: item.title, content: item.content })
      .returning();
    if (!row) throw new Error("knowledge insert failed");
    knowledge.push({ id: row.id, kind: "qa" as const, title: row.title, content: row.content });
  }
  const snapshot: TAgentSnapshot = {
    agentName: "Ava",
    teamName: "Acme Dental",
    config,
    knowledge,
    departments: (options.departments ?? []).map((d) => ({ ...d, id: randomUUID() })),
  };
  const [version] = await db
    .insert(agentVersions)
    .values({ teamId: team.id, agentId: agent.id, version: 1, snapshot })
    .returning();
  if (!version) throw new Error("version insert failed");
  if (options.isPublished !== false) {
    await db.update(agents).set({ publishedVersionId: version.id }).where(eq(agents.id, agent.id));
  }
  const e164 = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  const [number] = await db
    .insert(phoneNumbers)
    .values({
      teamId: team.id,
      agentId: agent.id,
      e164,
      twilioSid: `PN${randomBytes(16).toString("hex")}`,
      twilioAccountSid: options.accountSid,
      source: "purchased",
    })
    .returning();
  if (!number) throw new Error("number insert failed");
  return {
    teamId: team.id,
    agentId: agent.id,
    versionId: version.id,
    phoneNumberId: number.id,
    e164,
    accountSid: options.accountSid,
    snapshot,
    knowledgeIds: knowledge.map((k) => k.id),
  };
}
