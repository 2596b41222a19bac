import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerMessages, calls, teamDataKeys } from "@/db/schema";
import { analyzeCall } from "@/lib/analysis/analyze-call";
import { syncCaller } from "@/lib/callers/sync-caller";
import { createCall } from "@/lib/calls/create-call";
import { getCall } from "@/lib/calls/get-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { getMessage, listMessages } from "@/lib/inbox/list-messages";
import { eraseCallerData } from "@/lib/privacy/erase-caller-data";
import { findCallerData } from "@/lib/privacy/find-caller-data";
import { parseCallerNumber } from "@/lib/privacy/subject";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { dataKeyById, forgetTeamDataKeys } from "./data-keys";
import { encryptExistingFields } from "./encrypt-existing-fields";
import { masterKeyRing } from "./master-keys";
import { configureFieldEncryption, fieldKeyRing, isSealedField, UNREADABLE_FIELD } from "./team-fields";

// Encryption at rest of what callers dictate (issue 13): messages (name, callback number, text) and captured
// fields are sealed under each team's own data key. The columns hold no plain text, every reader shows them as
// before, two teams never share a key, and destroying a team's key leaves its values unreadable.

const NAME = "Jane Roe";
const NUMBER = "+15557654321";
const TEXT = "Please call me back about the crown on my molar";

const t = setupTwoTeamDb();

async function endedCall(teamId: string, from = NUMBER) {
  const call = await createCall(t.db, { teamId, direction: "inbound", fromNumber: from, twilioCallSid: `CA${randomBytes(16).toString("hex")}` });
  await t.db.update(calls).set({ endedAt: new Date(), status: "completed", outcome: "message_taken" }).where(eq(calls.id, call.id));
  return call;
}

async function rawMessages(teamId: string) {
  return t.db.select().from(callerMessages).where(eq(callerMessages.teamId, teamId));
}

describe("messages and captured fields at rest", () => {
  it("stores no plain text, reads back everywhere as written, and finds the caller by number in its own team only", async () => {
    const callA = await endedCall(t.teamA);
    const callB = await endedCall(t.teamB);
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: callA.id, agentId: null, callerName: NAME, callbackNumber: NUMBER, message: TEXT });
    await takeCallerMessage(t.db, { teamId: t.teamB, callId: callB.id, agentId: null, callerName: NAME, callbackNumber: NUMBER, message: TEXT });
    expect(await analyzeCall(t.db, { teamId: t.teamA, callId: callA.id })).toMatchObject({ status: "done" });

    // The columns: sealed, no trace of the words, in any text form of the rows.
    const [a] = await rawMessages(t.teamA);
    const [b] = await rawMessages(t.teamB);
    for (const row of [a!, b!]) {
      for (const value of [row.callerName, row.callbackNumber, row.message]) expect(isSealedField(value)).toBe(true);
    }
    const dump = (await t.db.execute<{ row: string }>(sql`select t::text as row from caller_messages t union all select captured_fields::text from calls`))
      .map((r) => r.row)
      .join("\n");
    for (const plain of [NAME, "Jane", NUMBER, "5557654321", "crown on my molar"]) expect(dump).not.toContain(plain);
    const [storedCall] = await t.db.select().from(calls).where(eq(calls.id, callA.id));
    expect(Object.keys(storedCall!.capturedFields)).toEqual(expect.arrayContaining(["caller_name", "callback_number", "message"]));
    for (const value of Object.values(storedCall!.capturedFields)) expect(isSealedField(value)).toBe(true);

    // Two teams, two keys: the same number hashes differently, and the data keys differ.
    expect(a!.callbackNumberMac).toBeTruthy();
    expect(a!.callbackNumberMac).not.toBe(b!.callbackNumberMac);
    const ring = fieldKeyRing()!;
    const [keyA] = await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, t.teamA));
    const [keyB] = await t.db.select().from(teamDataKeys).where(eq(teamDataKeys.teamId, t.teamB));
    const plainA = await dataKeyById(t.db, ring, t.teamA, keyA!.id);
    const plainB = await dataKeyById(t.db, ring, t.teamB, keyB!.id);
    expect(plainA.key.equals(plainB.key)).toBe(false);
    expect(a!.message.split(".")[1]).toBe(keyA!.id);

    // Readers: inbox, message, call detail (API and page), privacy lookup and export.
    const inbox = await listMessages(t.db, t.teamA, { status: "all" });
    expect(inbox.items.map((m) => [m.callerName, m.callbackNumber, m.message])).toEqual([[NAME, NUMBER, TEXT]]);
    expect(await getMessage(t.db, t.teamA, a!.id)).toMatchObject({ callerName: NAME, callbackNumber: NUMBER, message: TEXT });
    const detail = await getCall(t.db, t.teamA, callA.id);
    expect(detail.messages.map((m) => m.callerName)).toEqual([NAME]);
    expect(detail.capturedFields).toMatchObject({ caller_name: NAME, callback_number: NUMBER });
    // A message that names the number as the one to call back, from a call by another number, is found by its hash.
    const other = await endedCall(t.teamA, "+15550000001");
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: other.id, agentId: null, callerName: "Front desk", callbackNumber: "(555) 765-4321", message: "For Jane" });
    const found = await findCallerData(t.db, t.teamA, parseCallerNumber(NUMBER));
    expect(found.messages.map((m) => m.message).sort()).toEqual(["For Jane", TEXT]);
    expect(found.calls.map((c) => c.capturedFields.caller_name)).toEqual([NAME]);
    // Team B's copy is never part of team A's answer.
    expect(found.messages.some((m) => m.id === b!.id)).toBe(false);
    // The caller directory still learns the name from the (sealed) message.
    expect((await syncCaller(t.db, { teamId: t.teamA, e164: NUMBER }))?.name).toBe(NAME);
  });

  it("a sealed value moved to another team's row does not open there", async () => {
    const [a] = await rawMessages(t.teamA);
    const [b] = await rawMessages(t.teamB);
    await t.db.update(callerMessages).set({ message: a!.message }).where(and(eq(callerMessages.id, b!.id), eq(callerMessages.teamId, t.teamB)));
    expect((await getMessage(t.db, t.teamB, b!.id)).message).toBe(UNREADABLE_FIELD);
  });

  it("erasure finds the caller's messages by the hashed number and leaves the other team's", async () => {
    await takeCallerMessage(t.db, { teamId: t.teamA, callId: null, agentId: null, callerName: "Someone else", callbackNumber: "+15550000009", message: "Unrelated" });
    const erased = await eraseCallerData(t.db, { stores: { local: null, s3: null }, twilio: null }, { teamId: t.teamA, subject: parseCallerNumber(NUMBER), subjectHash: "test" });
    expect(erased).toMatchObject({ status: "completed", counts: { messages: 2 } });
    // The other caller's message stays.
    expect(await rawMessages(t.teamA)).toHaveLength(1);
    expect(await rawMessages(t.teamB)).toHaveLength(1);
  });

  it("destroying a team's data key (crypto-shredding) leaves its values unreadable, and only its own", async () => {
    const call = await endedCall(t.teamB, "+15550000002");
    const kept = await takeCallerMessage(t.db, { teamId: t.teamA, callId: null, agentId: null, callerName: "Kept", callbackNumber: "+15550000003", message: "Team A keeps this" });
    await takeCallerMessage(t.db, { teamId: t.teamB, callId: call.id, agentId: null, callerName: "Shredded", callbackNumber: "+15550000002", message: "Gone with the key" });
    await t.db.delete(teamDataKeys).where(eq(teamDataKeys.teamId, t.teamB));
    forgetTeamDataKeys(t.teamB);
    const inboxB = await listMessages(t.db, t.teamB, { status: "all" });
    expect(inboxB.items.length).toBeGreaterThan(0);
    for (const m of inboxB.items) expect([m.callerName, m.callbackNumber, m.message]).toEqual([UNREADABLE_FIELD, UNREADABLE_FIELD, UNREADABLE_FIELD]);
    expect((await getMessage(t.db, t.teamA, kept.id)).message).toBe("Team A keeps this");
  });

  it("the data migration seals rows written as plain text, once, and they read the same", async () => {
    const call = await endedCall(t.teamA, "+15550000004");
    // Written by a process without a key (as before encryption existed).
    const ring = fieldKeyRing()!;
    configureFieldEncryption(null);
    try {
      await takeCallerMessage(t.db, { teamId: t.teamA, callId: call.id, agentId: null, callerName: "Old Plain", callbackNumber: "+15550000004", message: "Written before encryption" });
      await t.db.update(calls).set({ capturedFields: { caller_name: "Old Plain", note: "" } }).where(eq(calls.id, call.id));
    } finally {
      configureFieldEncryption(ring);
    }
    const [plain] = await t.db.select().from(callerMessages).where(eq(callerMessages.callId, call.id));
    expect(plain!.message).toBe("Written before encryption");
    // Readable as it is before the migration, and findable by its plain number.
    expect((await findCallerData(t.db, t.teamA, parseCallerNumber("+15550000004"))).messages.map((m) => m.message)).toEqual(["Written before encryption"]);

    const first = await encryptExistingFields(t.db, ring, { batchSize: 1 });
    expect(first.messages).toBeGreaterThanOrEqual(1);
    expect(first.calls).toBeGreaterThanOrEqual(1);
    const [sealed] = await t.db.select().from(callerMessages).where(eq(callerMessages.callId, call.id));
    for (const value of [sealed!.callerName, sealed!.callbackNumber, sealed!.message]) expect(isSealedField(value)).toBe(true);
    expect(sealed!.callbackNumberMac).toBeTruthy();
    const [row] = await t.db.select().from(calls).where(eq(calls.id, call.id));
    expect(isSealedField(row!.capturedFields.caller_name!)).toBe(true);
    expect(row!.capturedFields.note).toBe("");
    expect((await getMessage(t.db, t.teamA, sealed!.id)).message).toBe("Written before encryption");
    expect((await getCall(t.db, t.teamA, call.id)).capturedFields.caller_name).toBe("Old Plain");
    expect((await findCallerData(t.db, t.teamA, parseCallerNumber("+15550000004"))).messages).toHaveLength(1);
    // A second run has nothing left to do (team B's unreadable rows are sealed already and stay as they are).
    expect(await encryptExistingFields(t.db, ring)).toEqual({ messages: 0, calls: 0 });
  });

  it("a different master key cannot open a team's values", async () => {
    const ring = fieldKeyRing()!;
    configureFieldEncryption(masterKeyRing(randomBytes(32)));
    try {
      forgetTeamDataKeys(t.teamA);
      await expect(listMessages(t.db, t.teamA, { status: "all" })).rejects.toThrow();
    } finally {
      configureFieldEncryption(ring);
      forgetTeamDataKeys(t.teamA);
    }
  });
});
