import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { agents, agentVersions, auditLogs, calls, knowledgeEntries } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { ZAgentSnapshot } from "./config";
import { createAgent } from "./create-agent";
import { addDepartment, updateDepartment } from "./departments";
import { buildDraftSnapshot } from "./draft-snapshot";
import { getAgent, getLiveVersion } from "./get-agent";
import { addKnowledge, deleteKnowledge, listKnowledge } from "./knowledge";
import { listAgents, listVersions } from "./list-agents";
import { publishAgent } from "./publish-agent";
import { rollbackAgent } from "./rollback-agent";
import { updateAgentDraft } from "./update-agent-draft";

describe("draft, publish and rollback", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const owner = await signUp(t.db, { name: "O", email: "pub@example.test", password: "password-oooo", companyName: "Harbor Dental" });
  const team = owner.team;
  const actor = { userId: owner.user.id, label: owner.user.email };

  async function newAgent(templateKey: "receptionist" | "blank" = "receptionist") {
    const agent = await createAgent(t.db, team, actor, { templateKey, timeZone: "America/New_York" });
    return { agent, scope: { teamId: team.id, agentId: agent.id } };
  }

  it("refuses to publish an agent that may record without a disclosure, and says how to fix it", async () => {
    const { agent, scope } = await newAgent("blank");
    await updateAgentDraft(t.db, scope, actor, { config: { disclosure: "  " } });
    const refused = await publishAgent(t.db, team, actor, { agentId: agent.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "bad_request" });
    expect((refused as Error).message).toContain('Recording is on, so callers must be told: add a disclosure line');
    expect((refused as Error).message).toContain('or set Recording to "Do not record"');
    await updateAgentDraft(t.db, scope, actor, { config: { recordingMode: "ask_consent" } });
    await expect(publishAgent(t.db, team, actor, { agentId: agent.id })).rejects.toThrow(/Recording is set to "Ask for consent"/);
    expect(await listVersions(t.db, team.id, agent)).toEqual([]);

    // Not recording needs no disclosure; recording with one is fine.
    await updateAgentDraft(t.db, scope, actor, { config: { recordingMode: "do_not_record" } });
    const v1 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;
    expect(v1.snapshot.config.recordingMode).toBe("do_not_record");
    await updateAgentDraft(t.db, scope, actor, { config: { recordingMode: "record", disclosure: "This call is recorded." } });
    expect((await publishAgent(t.db, team, actor, { agentId: agent.id })).version.snapshot.config).toMatchObject({ recordingMode: "record" });
  });

  it("publishing freezes the draft into numbered versions that later edits never change", async () => {
    const { agent, scope } = await newAgent();
    const v1 = (await publishAgent(t.db, team, actor, { agentId: agent.id, note: "first" })).version;
    expect(v1.version).toBe(1);
    expect(v1.note).toBe("first");
    expect(v1.publishedById).toBe(owner.user.id);
    const snapshot1 = ZAgentSnapshot.parse(v1.snapshot);
    expect(snapshot1.agentName).toBe("Front desk");
    expect(snapshot1.teamName).toBe("Harbor Dental");
    expect(snapshot1.departments.map((d) => d.name)).toEqual(["Sales", "Accounts"]);
    const entries = await listKnowledge(t.db, scope);
    // Snapshot knowledge carries the entry ids, so calls can count which entries they used.
    expect(snapshot1.knowledge.map((k) => k.id)).toEqual(entries.map((e) => e.id));

    await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Do you open on holidays?", content: "We are closed on public holidays." });
    await updateAgentDraft(t.db, scope, actor, { config: { greeting: "Harbor Dental, good morning!" } });
    // The draft changed; the live version did not.
    const live = await getLiveVersion(t.db, team.id, await getAgent(t.db, team.id, agent.id));
    expect(live?.id).toBe(v1.id);
    expect(live?.snapshot.config.greeting).toBe(snapshot1.config.greeting);
    expect(live?.snapshot.knowledge.some((k) => k.title === "Do you open on holidays?")).toBe(false);

    const v2 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;
    expect(v2.version).toBe(2);
    expect(v2.snapshot.config.greeting).toBe("Harbor Dental, good morning!");
    expect(v2.snapshot.knowledge.at(-1)?.title).toBe("Do you open on holidays?");
    const [row1] = await t.db.select().from(agentVersions).where(eq(agentVersions.id, v1.id));
    expect(row1?.snapshot).toEqual(v1.snapshot);
    const [stored] = await t.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(stored?.publishedVersionId).toBe(v2.id);

    const audit = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, team.id), eq(auditLogs.targetId, agent.id)));
    expect(audit.filter((a) => a.action === "agent.published").map((a) => a.metadata.version)).toEqual(expect.arrayContaining([1, 2]));
  });

  it("publishing with nothing changed is refused instead of making a duplicate version", async () => {
    const { agent } = await newAgent();
    await publishAgent(t.db, team, actor, { agentId: agent.id });
    await expect(publishAgent(t.db, team, actor, { agentId: agent.id })).rejects.toMatchObject({
      code: "conflict",
      message: "Nothing has changed since version 1, which is already live.",
    });
    // Saving the same value again is not a change either.
    const draft = await getAgent(t.db, team.id, agent.id);
    const { changedFields } = await updateAgentDraft(t.db, { teamId: team.id, agentId: agent.id }, actor, { config: { greeting: draft.config.greeting } });
    expect(changedFields).toEqual([]);
    await expect(publishAgent(t.db, team, actor, { agentId: agent.id })).rejects.toMatchObject({ code: "conflict" });
    expect(await t.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id))).toHaveLength(1);
  });

  it("a draft that would misbehave on calls cannot be published", async () => {
    const { agent, scope } = await newAgent("blank");
    // Business hours on without any opening window: every caller would hear the after-hours message.
    await updateAgentDraft(t.db, scope, actor, {
      config: { businessHours: { isEnabled: true, timeZone: "Europe/Paris", weekly: [], afterHours: "take_message", afterHoursMessage: "Closed." } },
    });
    const error = await publishAgent(t.db, team, actor, { agentId: agent.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bad_request" });
    expect((error as { details: { problems: string[] } }).details.problems).toEqual([
      "Business hours are on but no day has opening hours, so every caller would hear the after-hours message.",
    ]);
    expect(await t.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id))).toHaveLength(0);
  });

  it("rollback makes an old version live again, optionally resetting the draft to it", async () => {
    const { agent, scope } = await newAgent();
    const v1 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;
    const [firstEntry, secondEntry] = await listKnowledge(t.db, scope);
    await t.db.update(knowledgeEntries).set({ usageCount: 7 }).where(eq(knowledgeEntries.id, secondEntry!.id));
    await deleteKnowledge(t.db, { ...scope, entryId: firstEntry!.id }, actor);
    const added = await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Is there wifi?", content: "Yes, ask at the desk." });
    const [sales] = (await buildDraftSnapshot(t.db, team, await getAgent(t.db, team.id, agent.id))).departments;
    await updateDepartment(t.db, { ...scope, departmentId: sales!.id }, actor, { name: "Sales", phoneNumber: "+13125550188", whenToTransfer: "Quotes" });
    await addDepartment(t.db, scope, actor, { name: "Careers", phoneNumber: "+14155550100", whenToTransfer: "" });
    const v2 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;

    // Pointer only: v1 answers calls, the draft still holds the v2 edits.
    const first = await rollbackAgent(t.db, team, actor, { agentId: agent.id, versionId: v1.id, restoreDraft: false });
    expect(first).toMatchObject({ previousVersion: 2, version: { id: v1.id } });
    let stored = await getAgent(t.db, team.id, agent.id);
    expect(stored.publishedVersionId).toBe(v1.id);
    expect((await listKnowledge(t.db, scope)).some((k) => k.id === added.id)).toBe(true);
    let [item] = await listAgents(t.db, team).then((list) => list.filter((a) => a.id === agent.id));
    expect(item).toMatchObject({ liveVersion: 1, hasUnpublishedChanges: true });

    // Back to v2, then to v1 with the draft reset: the deleted entry returns under its id, kept entries keep
    // their usage counts, and the draft is exactly v1 again.
    await rollbackAgent(t.db, team, actor, { agentId: agent.id, versionId: v2.id, restoreDraft: false });
    await rollbackAgent(t.db, team, actor, { agentId: agent.id, versionId: v1.id, restoreDraft: true });
    stored = await getAgent(t.db, team.id, agent.id);
    expect(stored.publishedVersionId).toBe(v1.id);
    const draft = await buildDraftSnapshot(t.db, team, stored);
    expect(draft).toEqual(ZAgentSnapshot.parse(v1.snapshot));
    const restored = await listKnowledge(t.db, scope);
    expect(restored.map((k) => k.id)).toContain(firstEntry!.id);
    expect(restored.find((k) => k.id === secondEntry!.id)?.usageCount).toBe(7);
    expect(restored.some((k) => k.id === added.id)).toBe(false);
    [item] = await listAgents(t.db, team).then((list) => list.filter((a) => a.id === agent.id));
    expect(item).toMatchObject({ liveVersion: 1, hasUnpublishedChanges: false });

    // Versions are never renumbered or rewritten by a rollback.
    const versions = await listVersions(t.db, team.id, stored);
    expect(versions.map((v) => [v.version, v.isLive])).toEqual([
      [2, false],
      [1, true],
    ]);
    const [v2row] = await t.db.select().from(agentVersions).where(eq(agentVersions.id, v2.id));
    expect(v2row?.snapshot).toEqual(v2.snapshot);
    await expect(rollbackAgent(t.db, team, actor, { agentId: agent.id, versionId: v1.id, restoreDraft: false })).rejects.toMatchObject({
      code: "conflict",
    });
    const audit = await t.db.select().from(auditLogs).where(and(eq(auditLogs.targetId, agent.id), eq(auditLogs.action, "agent.rolled_back")));
    expect(audit).toHaveLength(3);
  });

  it("discarding draft changes resets the draft to the live version without touching versions", async () => {
    const { agent, scope } = await newAgent();
    const v1 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;
    await updateAgentDraft(t.db, scope, actor, { name: "Renamed", config: { greeting: "Changed my mind" } });
    await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Temporary?", content: "Yes." });
    const result = await rollbackAgent(t.db, team, actor, { agentId: agent.id, versionId: v1.id, restoreDraft: true });
    expect(result).toMatchObject({ previousVersion: 1, version: { version: 1 } });
    const stored = await getAgent(t.db, team.id, agent.id);
    expect(stored.name).toBe("Front desk");
    expect(await buildDraftSnapshot(t.db, team, stored)).toEqual(ZAgentSnapshot.parse(v1.snapshot));
    expect(await t.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id))).toHaveLength(1);
    const [entry] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.targetId, agent.id), eq(auditLogs.action, "agent.draft_discarded")));
    expect(entry?.metadata).toMatchObject({ draftRestored: true });
  });

  it("calls record the version that answered them and the version list counts them", async () => {
    const { agent } = await newAgent();
    const v1 = (await publishAgent(t.db, team, actor, { agentId: agent.id })).version;
    await t.db.insert(calls).values({ teamId: team.id, agentId: agent.id, agentVersionId: v1.id, direction: "inbound" });
    const [listed] = await listVersions(t.db, team.id, await getAgent(t.db, team.id, agent.id));
    expect(listed).toMatchObject({ version: 1, callCount: 1, publishedBy: "pub@example.test", isLive: true });
  });

  it("another team's agent id is not found for anything", async () => {
    const { agent, scope } = await newAgent();
    const other = await signUp(t.db, { name: "X", email: "other@example.test", password: "password-xxxx", companyName: "Other Co" });
    const otherActor = { userId: other.user.id, label: other.user.email };
    const foreign = { teamId: other.team.id, agentId: agent.id };
    await expect(getAgent(t.db, other.team.id, agent.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(publishAgent(t.db, other.team, otherActor, { agentId: agent.id })).rejects.toMatchObject({ code: "not_found" });
    await expect(updateAgentDraft(t.db, foreign, otherActor, { config: { greeting: "Hijacked" } })).rejects.toMatchObject({ code: "not_found" });
    await expect(addKnowledge(t.db, foreign, otherActor, { kind: "qa", title: "x", content: "y" })).rejects.toMatchObject({ code: "not_found" });
    const [entry] = await listKnowledge(t.db, scope);
    await expect(deleteKnowledge(t.db, { ...foreign, entryId: entry!.id }, otherActor)).rejects.toMatchObject({ code: "not_found" });
    expect(await listKnowledge(t.db, foreign)).toEqual([]);
    expect(await listAgents(t.db, other.team)).toEqual([]);
    expect((await getAgent(t.db, team.id, agent.id)).config.greeting).not.toBe("Hijacked");
    await expect(getAgent(t.db, team.id, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
  });
});
