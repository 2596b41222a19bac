// The inbox's query shapes made for a big team (bench:analytics): the page's rows are picked first and joined after,
// every status at once walks its own index, and the department options come from a loose index scan. What a member
// sees must not change: the order, the page boundaries, the totals, and nothing from another team.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { callerMessages, teams, users } from "@/db/schema";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { listMessageDepartments, listMessages } from "./list-messages";

const t = setupTwoTeamDb();
let alice: string;

beforeAll(async () => {
  const [user] = await t.db.insert(users).values({ email: `alice-${randomBytes(3).toString("hex")}@example.test`, name: "Alice" }).returning();
  alice = user!.id;
});

describe("inbox at scale", () => {
  it("pages every status urgent first, then newest, with the joined details, totals and no other team's items", async () => {
    const statuses = ["new", "assigned", "handled", "spam"] as const;
    const base = Date.parse("2026-10-01T12:00:00Z");
    await t.db.insert(callerMessages).values(
      Array.from({ length: 30 }, (_, i) => ({
        teamId: t.teamA,
        message: `item ${i}`,
        status: statuses[i % 4],
        isUrgent: i % 7 === 0,
        assigneeId: i % 4 === 1 || i % 4 === 2 ? alice : null,
        department: i % 3 === 0 ? "Billing" : i % 3 === 1 ? "Sales" : null,
        createdAt: new Date(base + i * 60_000),
      })),
    );
    await t.db.insert(callerMessages).values([
      { teamId: t.teamB, message: "other team, urgent", status: "new", isUrgent: true, department: "Secret desk", createdAt: new Date(base + 3_600_000) },
    ]);
    const pages = [await listMessages(t.db, t.teamA, { status: "all" }, 1, 12), await listMessages(t.db, t.teamA, { status: "all" }, 2, 12), await listMessages(t.db, t.teamA, { status: "all" }, 3, 12)];
    const seen = pages.flatMap((p) => p.items);
    expect(pages.map((p) => p.total)).toEqual([30, 30, 30]);
    expect(seen.map((m) => m.message)).toEqual([
      // Urgent (every seventh), newest first, then the rest newest first.
      ...[28, 21, 14, 7, 0].map((i) => `item ${i}`),
      ...[29, 27, 26, 25, 24, 23, 22, 20, 19, 18, 17, 16, 15, 13, 12, 11, 10, 9, 8, 6, 5, 4, 3, 2, 1].map((i) => `item ${i}`),
    ]);
    expect(seen.every((m) => m.teamId === t.teamA)).toBe(true);
    expect(seen.find((m) => m.message === "item 1")?.assigneeName).toBe("Alice");
    const mine = await listMessages(t.db, t.teamA, { status: "all", assignee: alice, department: "Billing" });
    expect(mine.items.map((m) => m.message)).toEqual(["item 21", "item 18", "item 9", "item 6"]);
    expect(mine.total).toBe(4);
    expect((await listMessages(t.db, t.teamB, { status: "all" })).items.map((m) => m.message)).toEqual(["other team, urgent"]);
  });

  it("offers each team only the departments its own messages were left for", async () => {
    expect(await listMessageDepartments(t.db, t.teamA)).toEqual(["Billing", "Sales"]);
    expect(await listMessageDepartments(t.db, t.teamB)).toEqual(["Secret desk"]);
    const empty = (await t.db.insert(teams).values({ name: "C", slug: `c-${randomBytes(4).toString("hex")}` }).returning())[0]!.id;
    expect(await listMessageDepartments(t.db, empty)).toEqual([]);
  });
});
