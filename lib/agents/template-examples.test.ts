import { afterAll, describe, expect, it } from "vitest";
import { listAuditLogs } from "@/lib/audit/list-audit";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { createAgent } from "./create-agent";
import { listDepartments, updateDepartment } from "./departments";
import { listKnowledge, updateKnowledge } from "./knowledge";
import { publishAgent } from "./publish-agent";
import { clearTemplateExamples, findTemplateLeftovers, isFictionalNumber } from "./template-examples";

describe("template examples", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const owner = await signUp(t.db, { name: "T", email: "tpl@example.test", password: "password-tttt", companyName: "Template Co" });
  const other = await signUp(t.db, { name: "O", email: "other@example.test", password: "password-oooo", companyName: "Other Co" });
  const actor = { userId: owner.user.id, label: owner.user.email };

  it("555-01xx numbers are the fictional ones", () => {
    expect(isFictionalNumber("+12025550142")).toBe(true);
    expect(isFictionalNumber("+12025550199")).toBe(true);
    expect(isFictionalNumber("+12025550200")).toBe(false);
    expect(isFictionalNumber("+442025550142")).toBe(false);
  });

  it("are judged by content: replacing every example clears the warning without publishing", async () => {
    const agent = await createAgent(t.db, owner.team, actor, { templateKey: "receptionist" });
    const scope = { teamId: owner.team.id, agentId: agent.id };
    const leftovers = () => findTemplateLeftovers(t.db, { ...scope, teamName: owner.team.name, templateKey: agent.templateKey });
    const knowledge = await listKnowledge(t.db, scope);
    const depts = await listDepartments(t.db, scope);
    expect((await leftovers()).knowledgeIds).toHaveLength(knowledge.length);
    expect((await leftovers()).departmentIds).toHaveLength(depts.length);

    // Publishing alone changes nothing: the examples are still there.
    await publishAgent(t.db, owner.team, actor, { agentId: agent.id });
    expect((await leftovers()).knowledgeIds).toHaveLength(knowledge.length);

    for (const entry of knowledge) {
      await updateKnowledge(t.db, { ...scope, entryId: entry.id }, actor, { kind: entry.kind, title: entry.title, content: `${entry.content} (checked by us)` });
    }
    for (const d of depts) {
      await updateDepartment(t.db, { ...scope, departmentId: d.id }, actor, { name: d.name, phoneNumber: "+14155552671", whenToTransfer: d.whenToTransfer });
    }
    expect(await leftovers()).toEqual({ knowledgeIds: [], departmentIds: [] });
  });

  it("clears every example at once, keeps the owner's own entries, audits each, and never touches another team", async () => {
    const agent = await createAgent(t.db, owner.team, actor, { templateKey: "receptionist" });
    const scope = { teamId: owner.team.id, agentId: agent.id };
    const [first] = await listKnowledge(t.db, scope);
    await updateKnowledge(t.db, { ...scope, entryId: first!.id }, actor, { kind: first!.kind, title: first!.title, content: "Our real answer." });
    const before = await listKnowledge(t.db, scope);

    // Another team cannot reach this agent.
    await expect(clearTemplateExamples(t.db, other.team, agent.id, { label: other.user.email }, "knowledge")).rejects.toMatchObject({ code: "not_found" });
    expect(await listKnowledge(t.db, scope)).toHaveLength(before.length);

    const removed = await clearTemplateExamples(t.db, owner.team, agent.id, actor, "knowledge");
    expect(removed).toBe(before.length - 1);
    expect((await listKnowledge(t.db, scope)).map((k) => k.content)).toEqual(["Our real answer."]);
    const departmentsRemoved = await clearTemplateExamples(t.db, owner.team, agent.id, actor, "departments");
    expect(departmentsRemoved).toBeGreaterThan(0);
    expect(await listDepartments(t.db, scope)).toEqual([]);
    const audit = await listAuditLogs(t.db, owner.team.id, { limit: 50 });
    expect(audit.entries.filter((e) => e.metadata.templateExample === true)).toHaveLength(removed + departmentsRemoved);
  });
});
