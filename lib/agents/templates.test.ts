import { afterAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { createOfflineLlm } from "@/voice-server/providers/llm/offline";
import type { TLlmEvent } from "@/voice-server/providers/types";
import { assembleInstructions } from "./assemble-instructions";
import { ZAgentConfig, ZAgentSnapshot } from "./config";
import { createAgent } from "./create-agent";
import { normalizeE164 } from "./departments";
import { publishAgent, validateForPublish } from "./publish-agent";
import { AGENT_TEMPLATES } from "./templates";

// Tuesday 15:00 UTC = 11:00 in New York: inside every template's hours.
const OPEN_NOW = new Date("2024-03-12T15:00:00Z");

describe("templates", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const owner = await signUp(t.db, { name: "T", email: "tpl@example.test", password: "password-tttt", companyName: "Maple Clinic" });
  const actor = { userId: owner.user.id, label: owner.user.email };

  it.each(AGENT_TEMPLATES.map((tpl) => [tpl.key, tpl] as const))("%s is a complete agent that can be published as is", (_key, tpl) => {
    const content = tpl.build({ teamName: "Maple Clinic", timeZone: "America/New_York" });
    expect(ZAgentConfig.parse(content.config)).toEqual(content.config);
    expect(content.config.greeting).toContain("Maple Clinic");
    for (const d of content.departments) expect(normalizeE164(d.phoneNumber)).toBe(d.phoneNumber);
    const snapshot = ZAgentSnapshot.parse({
      agentName: content.name,
      teamName: "Maple Clinic",
      config: content.config,
      knowledge: content.knowledge.map((k, i) => ({ ...k, id: String(i) })),
      departments: content.departments.map((d, i) => ({ ...d, id: String(i) })),
    });
    expect(validateForPublish(snapshot)).toEqual([]);
    if (tpl.key !== "blank") {
      expect(content.knowledge.filter((k) => k.kind === "qa").length).toBeGreaterThanOrEqual(4);
      expect(content.knowledge.filter((k) => k.kind === "document")).toHaveLength(1);
      expect(content.departments.length).toBeGreaterThan(0);
      expect(content.config.businessHours.isEnabled).toBe(true);
      expect(content.config.captureFields.length).toBeGreaterThan(0);
      expect(content.config.disclosure).not.toBe("");
    }
  });

  it.each([
    ["receptionist", "do you have parking?", "Is there parking?", "free visitor parking"],
    ["appointments", "how much is a consultation", "Services and prices", "80 dollars"],
    ["support_triage", "I forgot my password", "How do I reset my password?", "reset link"],
  ] as const)(
    "the offline engine answers %s's question %j from the published snapshot and reports the entry it used",
    async (templateKey, question, entryTitle, expected) => {
      const agent = await createAgent(t.db, owner.team, actor, { templateKey, timeZone: "America/New_York" });
      const { version } = await publishAgent(t.db, owner.team, actor, { agentId: agent.id });
      const snapshot = ZAgentSnapshot.parse(version.snapshot);
      const entry = snapshot.knowledge.find((k) => k.title === entryTitle);
      expect(entry).toBeDefined();
      const events: TLlmEvent[] = [];
      for await (const event of createOfflineLlm({ now: () => OPEN_NOW }).stream({
        system: assembleInstructions(snapshot, { now: OPEN_NOW }),
        agent: snapshot,
        messages: [{ role: "caller", text: question }],
        tools: [],
        signal: new AbortController().signal,
      })) {
        events.push(event);
      }
      const text = events.map((e) => (e.type === "text" ? e.text : "")).join("");
      expect(text).toContain(expected);
      expect(events.at(-1)).toMatchObject({ type: "done", knowledgeIds: [entry!.id] });
    },
  );

  it("the assembled instructions of a template contain its knowledge, departments and hours", async () => {
    const agent = await createAgent(t.db, owner.team, actor, { templateKey: "support_triage", timeZone: "Europe/London" });
    const { version } = await publishAgent(t.db, owner.team, actor, { agentId: agent.id });
    const text = assembleInstructions(version.snapshot, { now: OPEN_NOW });
    expect(text).toContain("Q: How do I reset my password?");
    expect(text).toContain("Document: Basic troubleshooting guide");
    expect(text).toContain("- Technical support:");
    expect(text).toContain("Hours are in the Europe/London time zone.");
    expect(text).toContain("- Account email (account_email)");
  });
});
