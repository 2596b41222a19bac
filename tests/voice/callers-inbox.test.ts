import { createServer, type Server } from "node:http";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentVersions, auditLogs, callerMessages, callers, calls, memberships, notificationDeliveries, notificationPreferences, users } from "@/db/schema";
import { closeAnalysisQueue } from "@/lib/analysis/queue";
import { syncCallerForCall } from "@/lib/callers/sync-caller";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { getMessage, listMessages } from "@/lib/inbox/list-messages";
import { updateMessages } from "@/lib/inbox/update-messages";
import { createWebhookEndpoint } from "@/lib/webhooks/manage-endpoints";
import { SIGNATURE_HEADER, verifyWebhookSignature } from "@/lib/webhooks/signature";
import { FakeGemini } from "@/tests/fakes/gemini";
import { createTestDb } from "@/tests/helpers/db";
import { startSmtpSink } from "@/tests/helpers/smtp-sink";
import { silentLogger } from "@/voice-server/observability/log";
import { createGeminiLlm } from "@/voice-server/providers/llm/gemini";
import { loadWorkerEnv } from "@/worker/env";
import { startWorker, type TWorker } from "@/worker/worker";
import { turnsOf, waitForEndedCall } from "./helpers/records";
import { createScriptedStt } from "./helpers/scripted-stt";
import { seedAgent, type TSeededAgent } from "./helpers/seed";
import { speech } from "./helpers/speech";
import { TwilioCaller } from "./helpers/twilio-caller";
import { offlineProviders, startTestVoiceServer, type TTestVoiceServer } from "./helpers/voice-server";

// Callers and the inbox end to end: real voice server (Twilio's webhook and media stream), the real Gemini client
// against the fake Gemini API, the real worker with a real SMTP server receiving its mail, and a local receiver
// for the signed message.taken webhook.

const AUTH_SECRET = "inbox-test-auth-secret-0123456789abcdef";
let t: Awaited<ReturnType<typeof createTestDb>>;
let voice: TTestVoiceServer;
let gemini: FakeGemini;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let worker: TWorker | null = null;
let receiver: Server;
let receiverUrl = "";
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const script: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  gemini = await FakeGemini.start({ firstTokenLatencyMs: 20, interChunkDelayMs: 5 });
  smtp = await startSmtpSink();
  const stt = createScriptedStt(() => script.shift() ?? "");
  const llm = createGeminiLlm({ apiKey: gemini.apiKey, baseUrl: gemini.url, retryBudgetMs: 600, maxRetries: 1 });
  voice = await startTestVoiceServer({ db: t.db, dbUrl: t.url, providers: offlineProviders({ stt, llm }) });
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks`;
});

afterAll(async () => {
  await worker?.stop();
  await closeAnalysisQueue();
  await voice?.stop();
  await gemini?.close();
  await smtp?.close();
  await new Promise((r) => receiver?.close(r));
  await t?.drop();
});

async function addMember(teamId: string, email: string, role: "owner" | "member" | "viewer" = "member") {
  const [user] = await t.db.insert(users).values({ email }).returning();
  await t.db.insert(memberships).values({ teamId, userId: user!.id, role });
  return user!;
}

async function waitFor<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call(agent: TSeededAgent, from: string): Promise<TwilioCaller> {
  const caller = new TwilioCaller(voice.callerOptions(agent.e164, from));
  expect((await caller.dial()).status).toBe(200);
  await caller.connect();
  await caller.waitForAgentToFinish();
  return caller;
}

function systemText(index: number): string {
  const body = gemini.requests[index]?.body;
  return JSON.stringify(body?.systemInstruction ?? "");
}

describe("a message the agent takes", () => {
  it("lands in the inbox (urgent first), emails the member through SMTP, fires the signed message.taken webhook, and handling it is audited", async () => {
    const agent = await seedAgent(t.db, { accountSid: voice.accountSid, departments: [{ name: "Billing", phoneNumber: "+14155550111", whenToTransfer: "bills" }] });
    await addMember(agent.teamId, "owner@clinic.test", "owner");
    const nurse = await addMember(agent.teamId, "nurse@clinic.test");
    const viewer = await addMember(agent.teamId, "viewer@clinic.test", "viewer");
    await t.db.insert(notificationPreferences).values({ teamId: agent.teamId, userId: nurse.id, emailMode: "all" });
    await t.db.insert(notificationPreferences).values({ teamId: agent.teamId, userId: viewer.id, emailMode: "all" });
    const secretKey = secretKeyFrom({ authSecret: AUTH_SECRET, nodeEnv: "test" });
    const endpoint = await createWebhookEndpoint(t.db, agent.teamId, { label: "test" }, { url: receiverUrl, events: ["message.taken"] }, secretKey);

    gemini.respond = (request) =>
      request.functionResponses.some((r) => r.name === "take_message")
        ? "I've passed that on as urgent. Someone will call you back shortly."
        : [
            "Of course.",
            {
              functionCall: {
                name: "take_message",
                args: { name: "Dana Whitfield", callback_number: "415 555 0142", message: "Severe pain after yesterday's extraction, please call back.", urgent: true, department: "Billing" },
              },
            },
          ];
    script.push("This is Dana Whitfield, I have severe pain after my extraction, please call me back");
    const caller = await call(agent, "+14155550142");
    await caller.say(await speech("Please have someone call me back"));
    await caller.waitFor(() => caller.echoes().length >= 3, 20_000, "the confirmation");
    await caller.waitForAgentToFinish();
    await caller.hangUp();
    const ended = await waitForEndedCall(t.db, caller.callSid);
    expect(ended.outcome).toBe("message_taken");

    // In the inbox at once, first, urgent, for Billing, linked to the caller's entry which now has the name.
    const inbox = await listMessages(t.db, agent.teamId, {});
    expect(inbox.items[0]).toMatchObject({ callId: ended.id, callerName: "Dana Whitfield", isUrgent: true, department: "Billing", status: "new" });
    const entry = await waitFor("the caller entry", async () => {
      const [row] = await t.db.select().from(callers).where(and(eq(callers.teamId, agent.teamId), eq(callers.e164, "+14155550142")));
      return row?.name === "Dana Whitfield" ? row : null;
    });
    expect(inbox.items[0]!.callerId).toBe(entry.id);

    // The worker announces it: nothing was sent while the call was live (no deliveries existed before it ended).
    const env = loadWorkerEnv({
      NODE_ENV: "test",
      DATABASE_URL: t.url,
      AUTH_SECRET,
      SMTP_URL: smtp.url,
      SMTP_FROM: "Clinic Agent <agent@clinic.test>",
      APP_URL: "https://app.clinic.test",
      WEBHOOKS_ALLOW_PRIVATE_URLS: "true",
      RECORDINGS_DIR: voice.recordingsDir,
    });
    worker = await startWorker(env, { log: silentLogger });
    const mail = await smtp.waitFor("nurse@clinic.test", 20_000);
    expect(mail.data).toContain("Subject: [Urgent] New message from Dana Whitfield");
    expect(mail.data).toContain("The agent marked it URGENT.");
    expect(mail.data).toContain("Severe pain after yesterday's extraction");
    expect(mail.data).toContain(`https://app.clinic.test/t/`);
    expect(mail.data).toContain(`/inbox/${inbox.items[0]!.id}`);
    // The owner kept the default (urgent only) and gets it too; the viewer never does.
    await smtp.waitFor("owner@clinic.test", 10_000);
    expect(smtp.messages.some((m) => m.to.some((to) => to.includes("viewer@clinic.test")))).toBe(false);

    const hook = await waitFor("the message.taken webhook", async () => received.find((r) => r.body.includes('"message.taken"')), 20_000);
    const secret = (await import("@/lib/webhooks/manage-endpoints")).revealWebhookSecret;
    const clear = await secret(t.db, agent.teamId, endpoint.id, { label: "test" }, secretKey);
    expect(verifyWebhookSignature(clear, hook.headers[SIGNATURE_HEADER.toLowerCase()] as string, hook.body)).toBe(true);
    const payload = JSON.parse(hook.body) as { type: string; team_id: string; data: { message: Record<string, unknown> } };
    expect(payload).toMatchObject({ type: "message.taken", team_id: agent.teamId });
    expect(payload.data.message).toMatchObject({ id: inbox.items[0]!.id, is_urgent: true, caller_name: "Dana Whitfield", call_id: ended.id });

    const deliveries = await waitFor("sent deliveries", async () => {
      const rows = await t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.teamId, agent.teamId));
      return rows.length === 2 && rows.every((r) => r.status === "sent") ? rows : null;
    });
    expect(deliveries.map((d) => d.recipient).sort()).toEqual(["nurse@clinic.test", "owner@clinic.test"]);

    // Marked handled by the nurse: who and when are on the item and in the audit log.
    await updateMessages(t.db, { teamId: agent.teamId, messageIds: [inbox.items[0]!.id], actor: { userId: nurse.id, label: nurse.email }, change: { status: "handled" } });
    const handled = await getMessage(t.db, agent.teamId, inbox.items[0]!.id);
    expect(handled).toMatchObject({ status: "handled", handledById: nurse.id, handledByEmail: "nurse@clinic.test" });
    const [audit] = await t.db.select().from(auditLogs).where(and(eq(auditLogs.teamId, agent.teamId), eq(auditLogs.action, "message.handled")));
    expect(audit).toMatchObject({ actorUserId: nurse.id, targetId: handled.id });
  }, 120_000);
});

describe("returning callers", () => {
  const from = "+14155550177";
  let agent: TSeededAgent;

  beforeAll(async () => {
    agent = await seedAgent(t.db, { accountSid: voice.accountSid, config: { greeting: "Thanks for calling Acme Dental, how can I help?" } });
    // An earlier call: a message with private details, and an analysis with a summary and captured fields.
    const [earlier] = await t.db
      .insert(calls)
      .values({
        teamId: agent.teamId,
        agentId: agent.agentId,
        direction: "inbound",
        fromNumber: from,
        toNumber: agent.e164,
        status: "completed",
        outcome: "message_taken",
        startedAt: new Date(Date.now() - 3600_000),
        endedAt: new Date(Date.now() - 3500_000),
        summary: "Maria asked about her biopsy results and her insurance claim 77-ALPHA.",
        capturedFields: { insurance_id: "77-ALPHA", date_of_birth: "1984-03-02" },
      })
      .returning();
    await t.db.insert(callerMessages).values({
      teamId: agent.teamId,
      callId: earlier!.id,
      callerName: "Maria Lopez",
      callbackNumber: from,
      message: "Please call me with my biopsy results",
    });
    await syncCallerForCall(t.db, { teamId: agent.teamId, callId: earlier!.id });
  });

  it("greets by first name and mentions the open request; the model gets nothing beyond that, whoever is calling", async () => {
    // Whoever holds (or spoofs) Maria's number asks for the earlier details.
    gemini.respond = () => "I'm sorry, I can't share details on the phone. The team will call you back on the number we have.";
    script.push("What did my biopsy results say? What's my insurance number?");
    const before = gemini.requests.length;
    const caller = await call(agent, from);
    await caller.say(await speech("What did my results say"));
    await caller.waitFor(() => gemini.requests.length > before, 20_000, "the model's turn");
    await caller.waitForAgentToFinish();
    await caller.hangUp();
    const ended = await waitForEndedCall(t.db, caller.callSid);
    const turns = await turnsOf(t.db, ended.id);
    const greeting = turns.find((turn) => turn.speaker === "agent")!.text;
    expect(greeting).toBe("Hi Maria, welcome back. I see you asked us to call you back earlier today, and that request is still open. Thanks for calling Acme Dental, how can I help?");
    // What reached the LLM: the first name and the open request, never the summary, captured details or message.
    const system = systemText(before);
    expect(system).toContain("Maria");
    expect(system).toContain("still waiting for a callback");
    const everything = JSON.stringify(gemini.requests.slice(before).map((r) => r.body));
    for (const secret of ["biopsy results and", "77-ALPHA", "1984-03-02", "Lopez", "Please call me with my biopsy"]) {
      expect(everything).not.toContain(secret);
    }
    // And nothing of it was spoken either.
    for (const turn of turns.filter((x) => x.speaker === "agent")) expect(turn.text).not.toMatch(/77-ALPHA|1984|insurance claim/);
  });

  it("with the agent's switch off, greets everyone the same way", async () => {
    const plain = await seedAgent(t.db, { accountSid: voice.accountSid, config: { greeting: "Thanks for calling Acme Dental.", isPersonalizationEnabled: false } });
    const [earlier] = await t.db
      .insert(calls)
      .values({ teamId: plain.teamId, direction: "inbound", fromNumber: from, toNumber: plain.e164, status: "completed", endedAt: new Date() })
      .returning();
    await t.db.insert(callerMessages).values({ teamId: plain.teamId, callId: earlier!.id, callerName: "Maria Lopez", callbackNumber: from, message: "x" });
    await syncCallerForCall(t.db, { teamId: plain.teamId, callId: earlier!.id });
    gemini.respond = () => "Okay.";
    const caller = await call(plain, from);
    await caller.hangUp();
    const ended = await waitForEndedCall(t.db, caller.callSid);
    const turns = await turnsOf(t.db, ended.id);
    expect(turns.find((turn) => turn.speaker === "agent")!.text).toBe("Thanks for calling Acme Dental.");
  });
});

describe("blocked and VIP callers", () => {
  it("refuses a blocked number with a spoken line and no agent session", async () => {
    const agent = await seedAgent(t.db, { accountSid: voice.accountSid });
    const from = "+14155550199";
    const [earlier] = await t.db.insert(calls).values({ teamId: agent.teamId, direction: "inbound", fromNumber: from, toNumber: agent.e164, status: "completed", endedAt: new Date() }).returning();
    const entry = await syncCallerForCall(t.db, { teamId: agent.teamId, callId: earlier!.id });
    await t.db.update(callers).set({ isBlocked: true }).where(eq(callers.id, entry!.id));
    const requestsBefore = gemini.requests.length;

    const caller = new TwilioCaller(voice.callerOptions(agent.e164, from));
    const answer = await caller.dial();
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("<Say");
    expect(answer.body).toContain("not able to take your call");
    expect(answer.body).toContain("<Hangup/>");
    expect(answer.body).not.toContain("<Connect");
    expect(answer.body).not.toContain("<Stream");
    const [row] = await t.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
    expect(row).toMatchObject({ endReason: "caller_blocked", status: "completed", answeredAt: null });
    expect(row!.endedAt).not.toBeNull();
    expect(gemini.requests.length).toBe(requestsBefore);
    // The same number calling another team is not blocked there.
    const other = await seedAgent(t.db, { accountSid: voice.accountSid });
    const elsewhere = new TwilioCaller(voice.callerOptions(other.e164, from));
    expect((await elsewhere.dial()).body).toContain("<Connect");
    await elsewhere.connect();
    await elsewhere.hangUp();
    const [entryAfter] = await t.db.select().from(callers).where(eq(callers.id, entry!.id));
    expect(entryAfter!.callCount).toBe(2);
  });

  it("routes a VIP straight to the agent's VIP department during business hours", async () => {
    const agent = await seedAgent(t.db, { accountSid: voice.accountSid, departments: [{ name: "Front desk", phoneNumber: "+14155550122", whenToTransfer: "anything" }] });
    const snapshot = { ...agent.snapshot, config: { ...agent.snapshot.config, vipDepartmentId: agent.snapshot.departments[0]!.id } };
    await t.db.update(agentVersions).set({ snapshot }).where(eq(agentVersions.id, agent.versionId));
    const from = "+14155550188";
    const [earlier] = await t.db.insert(calls).values({ teamId: agent.teamId, direction: "inbound", fromNumber: from, toNumber: agent.e164, status: "completed", endedAt: new Date() }).returning();
    const entry = await syncCallerForCall(t.db, { teamId: agent.teamId, callId: earlier!.id });
    await t.db.update(callers).set({ isVip: true }).where(eq(callers.id, entry!.id));
    const caller = new TwilioCaller(voice.callerOptions(agent.e164, from));
    const answer = await caller.dial();
    expect(answer.body).toMatch(/<Dial [^>]*><Number>\+14155550122<\/Number><\/Dial>/);
    expect(answer.body).not.toContain("<Stream");
    const [row] = await t.db.select().from(calls).where(eq(calls.twilioCallSid, caller.callSid));
    expect(row).toMatchObject({ outcome: "transferred", endReason: "vip_direct", transferredTo: "+14155550122" });
  });
});
