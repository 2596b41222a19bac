import { afterAll, describe, expect, it } from "vitest";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { createAgent } from "./create-agent";
import { addDepartment, normalizeE164, ZDepartmentInput } from "./departments";
import { addKnowledge, listKnowledge, updateKnowledge, ZKnowledgeInput } from "./knowledge";
import { MAX_DOCUMENT_BYTES } from "./options";

describe("knowledge and departments", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const owner = await signUp(t.db, { name: "K", email: "k@example.test", password: "password-kkkk", companyName: "Knowledge Co" });
  const actor = { userId: owner.user.id, label: owner.user.email };
  const agent = await createAgent(t.db, owner.team, actor, { templateKey: "blank" });
  const scope = { teamId: owner.team.id, agentId: agent.id };

  it("search matches every word in questions, answers and documents, case-insensitively", async () => {
    await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Is there PARKING nearby?", content: "Free garage on Oak Street." });
    await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Do you take cards?", content: "Visa and Mastercard, no Amex." });
    await addKnowledge(t.db, scope, actor, { kind: "document", title: "Price list", content: "Cleaning: 80 dollars.\nWhitening 100% guaranteed: 250 dollars." });
    const titles = async (search: string) => (await listKnowledge(t.db, scope, { search })).map((k) => k.title);
    expect(await titles("parking")).toEqual(["Is there PARKING nearby?"]);
    expect(await titles("oak street")).toEqual(["Is there PARKING nearby?"]);
    expect(await titles("dollars")).toEqual(["Price list"]);
    expect(await titles("cards amex")).toEqual(["Do you take cards?"]);
    expect(await titles("cards parking")).toEqual([]);
    // LIKE wildcards in the search are literal characters.
    expect(await titles("100%")).toEqual(["Price list"]);
    expect(await titles("%")).toEqual(["Price list"]);
    expect(await titles("_")).toEqual([]);
    expect(await titles("  ")).toHaveLength(3);
  });

  it("validates entries with messages that say what to do", () => {
    const errors = (input: Record<string, string>) =>
      ZKnowledgeInput.safeParse(input).error?.issues.map((i) => [i.path.join("."), i.message]) ?? [];
    expect(errors({ kind: "qa", title: " ", content: "" })).toEqual([
      ["title", "Enter the question callers ask"],
      ["content", "Enter the answer the agent should give"],
    ]);
    expect(errors({ kind: "document", title: "Big", content: "x".repeat(MAX_DOCUMENT_BYTES + 1) })).toEqual([
      ["content", "Documents can be at most 512 KB. Split it into smaller documents"],
    ]);
    expect(errors({ kind: "document", title: "Bin", content: "PK\u0003\u0004\u0000\u0000" })[0]?.[1]).toMatch(/binary file/);
    expect(ZKnowledgeInput.parse({ kind: "document", title: " Notes ", content: "a\r\nb\r\n" })).toEqual({ kind: "document", title: "Notes", content: "a\nb" });
  });

  it("editing an entry keeps its id and usage count", async () => {
    const entry = await addKnowledge(t.db, scope, actor, { kind: "qa", title: "Hours on Sunday?", content: "Closed." });
    const updated = await updateKnowledge(t.db, { ...scope, entryId: entry.id }, actor, { kind: "qa", title: "Open on Sunday?", content: "No, closed." });
    expect(updated).toMatchObject({ id: entry.id, title: "Open on Sunday?", usageCount: 0 });
  });

  it("department numbers are normalised to E.164 and bad ones explained", async () => {
    expect(normalizeE164("+1 (415) 555-0123")).toBe("+14155550123");
    expect(normalizeE164("0044 20 7946 0958")).toBe("+442079460958");
    expect(normalizeE164("415-555-0123")).toBeNull();
    expect(normalizeE164("+0123456789")).toBeNull();
    const bad = ZDepartmentInput.safeParse({ name: "Sales", phoneNumber: "555-0123", whenToTransfer: "" });
    expect(bad.error?.issues[0]).toMatchObject({
      path: ["phoneNumber"],
      message: "Not a valid phone number. Use international format with country code, e.g. +14155550123",
    });
    const dept = await addDepartment(t.db, scope, actor, ZDepartmentInput.parse({ name: "Sales", phoneNumber: "+1 415 555 0123" }));
    expect(dept.phoneNumber).toBe("+14155550123");
    await expect(addDepartment(t.db, scope, actor, { name: "Sales", phoneNumber: "+14155550199", whenToTransfer: "" })).rejects.toMatchObject({
      code: "conflict",
      message: 'This agent already has a department named "Sales".',
    });
  });
});
