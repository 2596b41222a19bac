import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, callerMessages, memberships, users } from "@/db/schema";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { countNewMessages, getMessage, listMessages } from "./list-messages";
import { updateMessages } from "./update-messages";

const t = setupTwoTeamDb();
let alice: string;
let bob: string;
let outsider: string;

beforeAll(async () => {
  const people = await t.db
    .insert(users)
    .values([{ email: "alice@example.test" }, { email: "bob@example.test" }, { email: "eve@example.test" }])
    .returning();
  [alice, bob, outsider] = people.map((p) => p.id) as [string, string, string];
  await t.db.insert(memberships).values([
    { teamId: t.teamA, userId: alice, role: "owner" },
    { teamId: t.teamA, userId: bob, role: "member" },
    { teamId: t.teamB, userId: outsider, role: "owner" },
  ]);
});

const take = (teamId: string, message: string, extra: Partial<Parameters<typeof takeCallerMessage>[1]> = {}) =>
  takeCallerMessage(t.db, { teamId, callId: null, agentId: null, callerName: "Pat", callbackNumber: "+15550100", message, ...extra });

describe("inbox", () => {
  it("puts urgent items first, then the newest, and counts the new ones", async () => {
    const older = await take(t.teamA, "Question about parking");
    const urgent = await take(t.teamA, "My tooth is bleeding, please call back right away");
    const flagged = await take(t.teamA, "Call me", { details: { _urgent: "true", _department: "Billing" } });
    const newer = await take(t.teamA, "Book a cleaning");
    await take(t.teamB, "Team B's message");
    expect(urgent.isUrgent).toBe(true);
    expect(flagged).toMatchObject({ isUrgent: true, department: "Billing", message: "Call me" });
    const page = await listMessages(t.db, t.teamA, {});
    expect(page.items.map((m) => m.id)).toEqual([flagged.id, urgent.id, newer.id, older.id]);
    expect(await countNewMessages(t.db, t.teamA)).toBe(4);
    expect((await listMessages(t.db, t.teamA, { department: "Billing" })).items.map((m) => m.id)).toEqual([flagged.id]);
    expect((await listMessages(t.db, t.teamA, { isUrgent: false })).total).toBe(2);
  });

  it("assigns, marks handled with who and when, audits it, and filters by status and assignee", async () => {
    const items = (await listMessages(t.db, t.teamA, {})).items;
    const [first, second] = items;
    await updateMessages(t.db, { teamId: t.teamA, messageIds: [first!.id, second!.id], actor: { userId: alice, label: "alice@example.test" }, change: { assigneeId: bob } });
    expect((await listMessages(t.db, t.teamA, { status: "assigned", assignee: bob })).total).toBe(2);
    expect(await countNewMessages(t.db, t.teamA)).toBe(2);
    const [handled] = await updateMessages(t.db, {
      teamId: t.teamA,
      messageIds: [first!.id],
      actor: { userId: bob, label: "bob@example.test" },
      change: { status: "handled", notes: "Called back, booked Tuesday", callbackAt: "2026-12-08T15:00:00Z" },
    });
    expect(handled).toMatchObject({ status: "handled", handledById: bob, notes: "Called back, booked Tuesday" });
    expect(handled!.handledAt).toBeInstanceOf(Date);
    const shown = await getMessage(t.db, t.teamA, first!.id);
    expect(shown.handledByEmail).toBe("bob@example.test");
    const audit = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, t.teamA), eq(auditLogs.action, "message.handled")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: bob, targetId: first!.id });
    expect(audit[0]!.metadata).toMatchObject({ changes: { status: { from: "assigned", to: "handled" } } });
    // Reopened: no longer handled by anyone.
    const [reopened] = await updateMessages(t.db, { teamId: t.teamA, messageIds: [first!.id], actor: { userId: alice, label: "a" }, change: { status: "new" } });
    expect(reopened).toMatchObject({ status: "new", handledById: null, handledAt: null });
  });

  it("refuses an assignee from outside the team and any other team's message, changing nothing", async () => {
    const [mine] = (await listMessages(t.db, t.teamA, {})).items;
    await expect(
      updateMessages(t.db, { teamId: t.teamA, messageIds: [mine!.id], actor: { userId: alice, label: "a" }, change: { assigneeId: outsider } }),
    ).rejects.toMatchObject({ code: "bad_request" });
    const [theirs] = (await listMessages(t.db, t.teamB, {})).items;
    // Team B acting on team A's message, alone or hidden in a bulk selection: not found, and nothing changes.
    await expect(
      updateMessages(t.db, { teamId: t.teamB, messageIds: [theirs!.id, mine!.id], actor: { userId: outsider, label: "e" }, change: { status: "spam" } }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(getMessage(t.db, t.teamB, mine!.id)).rejects.toMatchObject({ code: "not_found" });
    const [after] = await t.db.select().from(callerMessages).where(eq(callerMessages.id, theirs!.id));
    expect(after!.status).toBe("new");
    expect((await listMessages(t.db, t.teamB, { status: "all" })).items.map((m) => m.message)).toEqual(["Team B's message"]);
  });

  it("refuses bad filters with a clear error", async () => {
    await expect(listMessages(t.db, t.teamA, { from: "yesterday" })).rejects.toMatchObject({ code: "bad_request" });
    await expect(listMessages(t.db, t.teamA, { status: "deleted" as never })).rejects.toMatchObject({ code: "bad_request" });
  });
});
