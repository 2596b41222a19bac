import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { calls, callTurns, memberships, users } from "@/db/schema";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { signTestCallTicket, ticketKey } from "@/lib/test-calls/ticket";
import { createTestDb } from "@/tests/helpers/db";
import { seedAgent } from "./helpers/seed";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

const AUTH_SECRET = "web-call-test-secret-0123456789abcdef";
const HOURS_ANSWER = "We are open Monday to Friday from nine in the morning until five in the afternoon.";

let testDb: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
const key = ticketKey(secretKeyFrom({ authSecret: AUTH_SECRET }));

beforeAll(async () => {
  testDb = await createTestDb();
  voice = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers: offlineProviders(), env: { AUTH_SECRET } });
});

afterAll(async () => {
  await voice?.stop();
  await testDb?.drop();
});

type TMessage = { type: string; [key: string]: unknown };

// A browser as the test-call panel drives it: echoes every mark at once (as if played), keeps every message.
class BrowserClient {
  readonly messages: TMessage[] = [];
  audioFrames = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.audioFrames += (data as Buffer).length / 160;
        return;
      }
      const message = JSON.parse(data.toString()) as TMessage;
      // How much audio had arrived before this message: when its words were sent, relative to the sound.
      this.messages.push({ ...message, framesBefore: this.audioFrames });
      if (message.type === "mark") ws.send(JSON.stringify({ type: "mark", name: message.name }));
    });
  }

  static open(ticket: string, serverUrl = voice.serverUrl): Promise<BrowserClient> {
    const ws = new WebSocket(`${serverUrl.replace("http", "ws")}/web/call?ticket=${encodeURIComponent(ticket)}`);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new BrowserClient(ws)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  of(type: string): TMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  async waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

// Tickets are minted for a member, and the voice server checks the membership again when the ticket is used.
async function memberOf(teamId: string, role: "owner" | "member" | "viewer" = "member"): Promise<string> {
  const [user] = await testDb.db.insert(users).values({ email: `${randomUUID()}@example.test` }).returning({ id: users.id });
  await testDb.db.insert(memberships).values({ teamId, userId: user!.id, role });
  return user!.id;
}

describe("browser test call over /web/call", () => {
  it("refuses a valid ticket whose member was removed (or is a viewer) by the time it is used", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
    const userId = await memberOf(agent.teamId);
    const { ticket } = signTestCallTicket({ teamId: agent.teamId, agentId: agent.agentId, userId, mode: "text" }, key);
    await testDb.db.delete(memberships).where(and(eq(memberships.teamId, agent.teamId), eq(memberships.userId, userId)));
    await expect(BrowserClient.open(ticket)).rejects.toThrow("HTTP 404");
    const viewer = await memberOf(agent.teamId, "viewer");
    const viewerTicket = signTestCallTicket({ teamId: agent.teamId, agentId: agent.agentId, userId: viewer, mode: "text" }, key).ticket;
    await expect(BrowserClient.open(viewerTicket)).rejects.toThrow("HTTP 403");
    const rows = await testDb.db.select().from(calls).where(eq(calls.teamId, agent.teamId));
    expect(rows).toEqual([]);
  });

  it("refuses a missing, forged, expired or reused ticket with 403", async () => {
    const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
    const claims = { teamId: agent.teamId, agentId: agent.agentId, userId: await memberOf(agent.teamId), mode: "text" as const };
    const forged = signTestCallTicket(claims, ticketKey(secretKeyFrom({ authSecret: "another-secret-0123456789abcdefghij" }))).ticket;
    const expired = signTestCallTicket(claims, key, Date.now() - 61_000).ticket;
    await expect(BrowserClient.open("")).rejects.toThrow("HTTP 403");
    await expect(BrowserClient.open("not.a-ticket")).rejects.toThrow("HTTP 403");
    await expect(BrowserClient.open(forged)).rejects.toThrow("HTTP 403");
    await expect(BrowserClient.open(expired)).rejects.toThrow("HTTP 403");

    const { ticket } = signTestCallTicket(claims, key);
    const first = await BrowserClient.open(ticket);
    await expect(BrowserClient.open(ticket)).rejects.toThrow("HTTP 403");
    first.ws.send(JSON.stringify({ type: "hangup" }));
    await first.waitFor(() => first.of("ended").length > 0, "ended");
  });

  it("refuses a ticket already used on another voice server instance", async () => {
    const other = await startTestVoiceServer({ db: testDb.db, dbUrl: testDb.url, providers: offlineProviders(), env: { AUTH_SECRET } });
    try {
      const agent = await seedAgent(testDb.db, { accountSid: voice.accountSid });
      const { ticket } = signTestCallTicket({ teamId: agent.teamId, agentId: agent.agentId, userId: await memberOf(agent.teamId), mode: "text" }, key);
      const first = await BrowserClient.open(ticket, other.serverUrl);
      await expect(BrowserClient.open(ticket)).rejects.toThrow("HTTP 403");
      await expect(BrowserClient.open(ticket, other.serverUrl)).rejects.toThrow("HTTP 403");
      first.ws.send(JSON.stringify({ type: "hangup" }));
      await first.waitFor(() => first.of("ended").length > 0, "ended");
    } finally {
      await other.stop();
    }
  });

  it("shows each sentence of the agent when its audio starts, before the turn ends", async () => {
    const sentences = ["We are open Monday to Friday from nine to five.", "On Saturdays we open at ten.", "We are closed on Sundays."];
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      config: { greeting: "Thanks for calling Acme Dental." },
      knowledge: [{ title: "What are your opening hours?", content: sentences.join(" ") }],
    });
    const { ticket } = signTestCallTicket({ teamId: agent.teamId, agentId: agent.agentId, userId: await memberOf(agent.teamId), mode: "text" }, key);
    const client = await BrowserClient.open(ticket);
    await client.waitFor(() => client.of("transcript").length >= 1, "the greeting transcript");
    client.ws.send(JSON.stringify({ type: "text", text: "What are your opening hours?" }));
    await client.waitFor(() => client.of("transcript").length >= 3, "the answer transcript");
    client.ws.send(JSON.stringify({ type: "hangup" }));
    await client.waitFor(() => client.of("ended").length === 1, "ended");

    const speaking = client.of("speaking");
    const [greeting, , answer] = client.of("transcript");
    // The greeting's words came with its first frame, before its turn was complete.
    const greetingGeneration = speaking[0]!.generation;
    expect(speaking[0]).toMatchObject({ segment: 0, text: "Thanks for calling Acme Dental." });
    expect(speaking[0]!.framesBefore).toBeGreaterThanOrEqual(1);
    expect(client.messages.indexOf(speaking[0]!)).toBeLessThan(client.messages.indexOf(greeting!));
    // The answer: one message per sentence, each once its own audio had begun (more audio before each), all before
    // the turn itself, and together what the turn says.
    const said = speaking.filter((m) => m.generation !== greetingGeneration);
    expect(said.map((m) => m.segment)).toEqual(said.map((_, i) => i));
    expect(said.map((m) => m.text).join(" ")).toBe(answer!.text);
    expect(said.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < said.length; i++) {
      expect(said[i]!.framesBefore as number).toBeGreaterThan(said[i - 1]!.framesBefore as number);
      expect(said[i]!.atMs as number).toBeGreaterThan(said[i - 1]!.atMs as number);
    }
    expect(said[0]!.framesBefore as number).toBeGreaterThan(greeting!.framesBefore as number);
    for (const message of said) expect(client.messages.indexOf(message)).toBeLessThan(client.messages.indexOf(answer!));
  });

  it("answers typed caller text from the draft's knowledge with audio and live transcript, recorded as a test call", async () => {
    const agent = await seedAgent(testDb.db, {
      accountSid: voice.accountSid,
      config: { greeting: "Thanks for calling Acme Dental." },
      knowledge: [{ title: "What are your opening hours?", content: HOURS_ANSWER }],
    });
    const { ticket } = signTestCallTicket({ teamId: agent.teamId, agentId: agent.agentId, userId: await memberOf(agent.teamId), mode: "text" }, key);
    const client = await BrowserClient.open(ticket);
    await client.waitFor(() => client.of("started").length === 1, "started");
    const callId = client.of("started")[0]!.callId as string;

    await client.waitFor(() => client.of("transcript").length >= 1, "the greeting transcript");
    expect(client.of("transcript")[0]).toMatchObject({ speaker: "agent", text: "Thanks for calling Acme Dental.", isInterrupted: false });
    const greetingFrames = client.audioFrames;
    expect(greetingFrames).toBeGreaterThan(25);

    client.ws.send(JSON.stringify({ type: "text", text: "What are your opening hours?" }));
    await client.waitFor(() => client.of("transcript").length >= 3, "the answer transcript");
    const [, asked, answer] = client.of("transcript");
    expect(asked).toMatchObject({ speaker: "caller", text: "What are your opening hours?" });
    expect(answer).toMatchObject({ speaker: "agent", isInterrupted: false });
    expect(answer!.text).toContain(HOURS_ANSWER);
    const latency = answer!.latency as Record<string, number | null>;
    expect(latency.llmFirstTokenMs).not.toBeNull();
    expect(latency.ttsFirstByteMs).toBeGreaterThanOrEqual(latency.llmFirstTokenMs!);
    expect(latency.firstAudioMs).toBeGreaterThanOrEqual(latency.ttsFirstByteMs!);
    expect(client.audioFrames).toBeGreaterThan(greetingFrames + 50);

    client.ws.send(JSON.stringify({ type: "hangup" }));
    await client.waitFor(() => client.of("ended").length === 1, "ended");
    expect(client.of("ended")[0]).toMatchObject({ reason: "caller_hangup" });

    let row: typeof calls.$inferSelect | undefined;
    const deadline = Date.now() + 15_000;
    while (!row?.outcome && Date.now() < deadline) {
      [row] = await testDb.db.select().from(calls).where(and(eq(calls.id, callId), eq(calls.teamId, agent.teamId)));
      if (!row?.outcome) await new Promise((r) => setTimeout(r, 50));
    }
    // The seeded draft differs from its published version (names), so the test belongs to no version.
    expect(row).toMatchObject({
      isTest: true,
      direction: "web",
      fromNumber: "browser",
      agentId: agent.agentId,
      agentVersionId: null,
      status: "completed",
      outcome: "resolved",
      endReason: "caller_hangup",
    });
    const turns = await testDb.db.select().from(callTurns).where(eq(callTurns.callId, callId)).orderBy(asc(callTurns.seq));
    expect(turns.map((t) => t.speaker)).toEqual(["agent", "caller", "agent"]);
    expect(turns[2]?.text).toContain(HOURS_ANSWER);
    expect(turns[2]?.knowledgeIds).toEqual(agent.knowledgeIds);
  });
});
