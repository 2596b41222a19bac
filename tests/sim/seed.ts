import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, agentVersions, departments, knowledgeEntries, phoneNumbers, teams } from "@/db/schema";
import { ZAgentConfig, type TAgentConfig, type TAgentSnapshot } from "@/lib/agents/config";
import { SANDBOX_ACCOUNT_SID } from "./twilio-caller";

// A team with one published agent answering one number: what a simulated call (or the benchmark) needs.

export type TSeedSimAgentInput = {
  e164: string;
  accountSid?: string;
  teamName?: string;
  agentName?: string;
  concurrentCallLimit?: number;
  config?: Partial<TAgentConfig>;
  knowledge?: { title: string; content: string }[];
  departments?: { name: string; phoneNumber: string; whenToTransfer?: string }[];
};

export type TSeededSimAgent = { teamId: string; agentId: string; versionId: string; phoneNumberId: string; e164: string };

export async function seedSimAgent(db: Db, input: TSeedSimAgentInput): Promise<TSeededSimAgent> {
  const config = ZAgentConfig.parse({ greeting: "Thanks for calling. How can I help you today?", ...input.config });
  const teamName = input.teamName ?? "Simulated Dental Clinic";
  const agentName = input.agentName ?? "Reception";
  return db.transaction(async (tx) => {
    const [team] = await tx
      .insert(teams)
      .values({
        name: teamName,
        slug: `sim-${randomBytes(5).toString("hex")}`,
        concurrentCallLimit: input.concurrentCallLimit ?? 10,
      })
      .returning({ id: teams.id });
    const [agent] = await tx
      .insert(agents)
      .values({ teamId: team!.id, name: agentName, config })
      .returning({ id: agents.id });
    const knowledge = input.knowledge?.length
      ? await tx
          .insert(knowledgeEntries)
          .values(input.knowledge.map((k) => ({ teamId: team!.id, agentId: agent!.id, kind: "qa" as const, title: k.title, content: k.content })))
          .returning()
      : [];
    const depts = input.departments?.length
      ? await tx
          .insert(departments)
          .values(
            input.departments.map((d) => ({
              teamId: team!.id,
              agentId: agent!.id,
              name: d.name,
              phoneNumber: d.phoneNumber,
              whenToTransfer: d.whenToTransfer ?? "",
            })),
          )
          .returning()
      : [];
    const snapshot: TAgentSnapshot = {
      agentName,
      teamName,
      config,
      knowledge: knowledge.map((k) => ({ id: k.id, kind: k.kind, title: k.title, content: k.content })),
      departments: depts.map((d) => ({ id: d.id, name: d.name, phoneNumber: d.phoneNumber, whenToTransfer: d.whenToTransfer })),
    };
    const [version] = await tx
      .insert(agentVersions)
      .values({ teamId: team!.id, agentId: agent!.id, version: 1, snapshot, note: "seeded for simulation" })
      .returning({ id: agentVersions.id });
    await tx.update(agents).set({ publishedVersionId: version!.id }).where(eq(agents.id, agent!.id));
    const [number] = await tx
      .insert(phoneNumbers)
      .values({
        teamId: team!.id,
        agentId: agent!.id,
        e164: input.e164,
        twilioSid: `PN${randomBytes(16).toString("hex")}`,
        twilioAccountSid: input.accountSid ?? SANDBOX_ACCOUNT_SID,
        friendlyName: "Simulated line",
        source: "imported",
        isVoiceConfigured: true,
      })
      .returning({ id: phoneNumbers.id });
    return { teamId: team!.id, agentId: agent!.id, versionId: version!.id, phoneNumberId: number!.id, e164: input.e164 };
  });
}
