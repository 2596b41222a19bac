import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agents, agentVersions, callerMessages, calls, callTurns, teams, topicClusters } from "@/db/schema";
import { isSealedField, openCallFields } from "@/lib/crypto/team-fields";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { FakeGemini } from "@/tests/fakes/gemini";
import { createTestDb } from "@/tests/helpers/db";
import { analyzeCall } from "./analyze-call";
import { extractCaptureFields } from "./capture-fields";
import { analyzeLocally, callSentiment, localTopic } from "./local-analyzer";
import { assignTopicCluster } from "./topic-clusters";
import { topTopics } from "./top-topics";

let t: Awaited<ReturnType<typeof createTestDb>>;
let teamId: string;
let agentId: string;
let versionId: string;
let gemini: FakeGemini | undefined;

const snapshot: TAgentSnapshot = {
  agentName: "Front desk",
  teamName: "Clinic",
  config: {
    systemPrompt: "",
    greeting: "Hello",
    disclosure: "",
    recordingMode: "record",
    language: "en-US",
    voice: "default",
    businessHours: { isEnabled: false, timeZone: "UTC", weekly: [], afterHours: "take_message", afterHoursMessage: "" },
    interruptionMinSpeechMs: 200,
    thinkingInterruptionMinSpeechMs: 60,
    shouldResumeAfterBackchannel: true,
    backchannelPhrases: [],
    endpointingSilenceMs: 500,
    maxCallDurationSec: 1800,
    silenceTimeoutSec: 30,
    captureFields: [
      { key: "caller_name", label: "Name", description: "" },
      { key: "callback_number", label: "Callback number", description: "" },
      { key: "email", label: "Email", description: "" },
      { key: "preferred_date", label: "Preferred date", description: "When they want to come in" },
      { key: "order_number", label: "Order number", description: "" },
    ],
  },
  knowledge: [{ id: "k1", kind: "qa", title: "Do you accept walk-in patients?", content: "Yes" }],
  departments: [],
};

beforeAll(async () => {
  t = await createTestDb();
  const [team] = await t.db.insert(teams).values({ name: "Clinic", slug: `c-${randomBytes(4).toString("hex")}` }).returning();
  teamId = team!.id;
  const [agent] = await t.db.insert(agents).values({ teamId, name: "Front desk", config: snapshot.config }).returning();
  agentId = agent!.id;
  const [version] = await t.db.insert(agentVersions).values({ teamId, agentId, version: 1, snapshot }).returning();
  versionId = version!.id;
});

afterEach(async () => {
  await gemini?.close();
  gemini = undefined;
});

afterAll(async () => {
  await t?.drop();
});

async function seedCall(turns: [speaker: "caller" | "agent", text: string][], values: Partial<typeof calls.$inferInsert> = {}) {
  const [call] = await t.db
    .insert(calls)
    .values({ teamId, agentId, agentVersionId: versionId, direction: "inbound", status: "completed", endedAt: new Date(), endReason: "caller_hangup", outcome: "resolved", ...values })
    .returning();
  if (turns.length > 0) {
    await t.db.insert(callTurns).values(
      turns.map(([speaker, text], i) => ({ teamId, callId: call!.id, seq: i + 1, speaker, text, startMs: i * 3000, endMs: i * 3000 + 2500 })),
    );
  }
  return call!;
}

// The call as the app reads it: captured fields are stored sealed (lib/crypto/team-fields.ts), every value.
async function reload(callId: string) {
  const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
  for (const value of Object.values(row!.capturedFields)) expect(isSealedField(value)).toBe(true);
  const turns = await t.db.select().from(callTurns).where(and(eq(callTurns.callId, callId))).orderBy(callTurns.seq);
  return { call: await openCallFields(t.db, row!), turns };
}

describe("local analyzer", () => {
  it("reads clearly negative and clearly positive callers, with negation", () => {
    expect(callSentiment(["This is ridiculous, I am really frustrated and the service was terrible."]).sentiment).toBe("negative");
    expect(callSentiment(["Thank you so much, that was really helpful, perfect!"]).sentiment).toBe("positive");
    expect(callSentiment(["I'm not happy at all, this is not good."]).sentiment).toBe("negative");
    expect(callSentiment(["It was not bad, thanks."]).sentiment).toBe("positive");
    expect(callSentiment(["What time do you open on Saturday?"]).sentiment).toBe("neutral");
    // How the call ends weighs more than how it started.
    expect(callSentiment(["I'm upset, my bill is wrong.", "Oh great, thank you, that's perfect, I appreciate it."]).sentiment).toBe("positive");
  });

  it("extracts names, phone numbers, emails, dates and labelled values", () => {
    const fields = extractCaptureFields(
      [
        "Hi, my name is Maria Lopez and I'm calling about my order.",
        "My order number is A-4471 and you can reach me on 555 010 4477.",
        "Email is maria.lopez@example.com, and I'd like to come in next Tuesday.",
      ],
      snapshot.config.captureFields,
    );
    expect(fields).toEqual({
      caller_name: "Maria Lopez",
      callback_number: "5550104477",
      email: "maria.lopez@example.com",
      preferred_date: "next Tuesday",
      order_number: "A-4471",
    });
    expect(extractCaptureFields(["I'm calling about my bill"], [{ key: "caller_name", label: "Name", description: "" }])).toEqual({});
  });

  it("summarises the caller's request and the outcome", () => {
    const result = analyzeLocally({
      turns: [
        { seq: 1, speaker: "agent", text: "Thanks for calling, how can I help?", isInterrupted: false },
        { seq: 2, speaker: "caller", text: "Hi. I need to reschedule my dental appointment to Friday.", isInterrupted: false },
        { seq: 3, speaker: "agent", text: "Done, you're booked for Friday at 10.", isInterrupted: false },
        { seq: 4, speaker: "caller", text: "Great, thanks!", isInterrupted: false },
      ],
      outcome: "resolved",
      endReason: "agent_end_call",
      transferredTo: null,
      hasMessage: false,
      captureFields: [],
      knowledgeTitles: [],
      toolNames: [],
    });
    expect(result.summary).toBe("Caller asked about an appointment; told they're booked for Friday at 10.");
    expect(result.topic).toBe("Appointment booking");
    expect(result.outcome).toBe("resolved");
    expect(result.turnSentiments).toEqual([
      { seq: 2, sentiment: "neutral" },
      { seq: 4, sentiment: "positive" },
    ]);
  });
});

describe("analyzeCall", () => {
  it("writes the local analysis to the call and its turns", async () => {
    const call = await seedCall([
      ["agent", "Hello, Sunny Clinic."],
      ["caller", "This is ridiculous, I was charged twice on my bill and I'm really angry."],
      ["agent", "I'm sorry about that. Let me take your details."],
      ["caller", "My name is John Carter, call me back on 415 555 0199. This is terrible service."],
    ]);
    await t.db.insert(callerMessages).values({ teamId, callId: call.id, message: "Charged twice" });
    const outcome = await analyzeCall(t.db, { teamId, callId: call.id });
    expect(outcome).toMatchObject({ status: "done", analyzer: "local" });
    const { call: row, turns } = await reload(call.id);
    expect(row).toMatchObject({ analysisStatus: "done", sentiment: "negative", topic: "Billing and payments", outcome: "message_taken" });
    expect(row.sentimentScore).toBeLessThan(-0.2);
    expect(row.summary).toContain("charged twice");
    // The message stored no name or number, only its text: that shows as captured too.
    expect(row.capturedFields).toEqual({ caller_name: "John Carter", callback_number: "4155550199", message: "Charged twice" });
    expect(row.topicClusterId).not.toBeNull();
    expect(turns.map((x) => x.sentiment)).toEqual([null, "negative", null, "negative"]);
    expect(row.analyzedAt).not.toBeNull();
  });

  it("keeps the outcome the voice server recorded as a fact, and decides resolved vs abandoned otherwise", async () => {
    const transferred = await seedCall([["caller", "Sales please"]], { outcome: "transferred", transferredTo: "Sales" });
    const silent = await seedCall([["agent", "Hello?"]], { outcome: "resolved", endReason: "silence_timeout" });
    await analyzeCall(t.db, { teamId, callId: transferred.id });
    await analyzeCall(t.db, { teamId, callId: silent.id });
    expect((await reload(transferred.id)).call.outcome).toBe("transferred");
    expect((await reload(silent.id)).call.outcome).toBe("abandoned");
  });

  it("refuses a call still in progress and ignores another team's call", async () => {
    const open = await seedCall([["caller", "hi"]], { endedAt: null, status: "in_progress", outcome: null });
    await expect(analyzeCall(t.db, { teamId, callId: open.id })).rejects.toThrow(/in progress/);
    const [other] = await t.db.insert(teams).values({ name: "O", slug: `o-${randomBytes(4).toString("hex")}` }).returning();
    const done = await seedCall([["caller", "hi there friend"]]);
    expect(await analyzeCall(t.db, { teamId: other!.id, callId: done.id })).toEqual({ status: "not_found" });
    expect((await reload(done.id)).call.analysisStatus).toBe("pending");
  });

  it("uses Gemini structured output when configured", async () => {
    gemini = await FakeGemini.start({
      firstTokenLatencyMs: 5,
      respond: () => ({
        json: {
          summary: "Caller wanted to book a cleaning on Friday; booked.",
          sentiment: "positive",
          sentimentScore: 0.7,
          topic: "Dental cleaning booking",
          outcome: "resolved",
          turnSentiments: [{ seq: 2, sentiment: "positive" }, { seq: 99, sentiment: "negative" }],
          capturedFields: [{ key: "caller_name", value: "Ana" }, { key: "not_a_field", value: "x" }],
        },
      }),
    });
    const call = await seedCall([
      ["agent", "Hello"],
      ["caller", "Hi, Ana here, can I book a cleaning Friday?"],
    ]);
    const outcome = await analyzeCall(t.db, { teamId, callId: call.id }, { gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url } });
    expect(outcome).toMatchObject({ status: "done", analyzer: "gemini" });
    const request = gemini.requests[0]!;
    expect(request.apiVersion).toBe("v1beta");
    expect(request.method).toBe("generateContent");
    expect(request.body.generationConfig).toMatchObject({ responseMimeType: "application/json" });
    expect(JSON.stringify(request.body.generationConfig?.responseSchema)).toContain("capturedFields");
    expect(JSON.stringify(request.body.contents)).toContain("can I book a cleaning Friday");
    const { call: row, turns } = await reload(call.id);
    expect(row).toMatchObject({ analysisStatus: "done", summary: "Caller wanted to book a cleaning on Friday; booked.", sentiment: "positive", sentimentScore: 0.7, topic: "Dental cleaning booking", capturedFields: { caller_name: "Ana" } });
    expect(turns.map((x) => x.sentiment)).toEqual([null, "positive"]);
  });

  it("asks Gemini again after a reply that is not valid JSON, and records failure when it never is", async () => {
    let replies = 0;
    gemini = await FakeGemini.start({
      firstTokenLatencyMs: 5,
      respond: () => {
        replies++;
        return replies === 1
          ? { chunks: ["{\"summary\": \"cut off"] }
          : { json: { summary: "Fine.", sentiment: "neutral", sentimentScore: 0, topic: "Hours", outcome: "resolved", turnSentiments: [], capturedFields: [] } };
      },
    });
    const call = await seedCall([["caller", "When are you open?"]]);
    await analyzeCall(t.db, { teamId, callId: call.id }, { gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url } });
    expect(replies).toBe(2);
    expect((await reload(call.id)).call).toMatchObject({ analysisStatus: "done", summary: "Fine." });

    gemini.respond = () => ({ chunks: ["not json at all"] });
    const broken = await seedCall([["caller", "Hello, is anyone there?"]]);
    await expect(
      analyzeCall(t.db, { teamId, callId: broken.id }, { gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url, attempts: 2 } }),
    ).rejects.toThrow(/no valid analysis after 2 attempts/);
    expect((await reload(broken.id)).call).toMatchObject({ analysisStatus: "failed", summary: null });
  });
});

describe("local outcome", () => {
  const input = (turns: [speaker: "agent" | "caller", text: string][]) => ({
    turns: turns.map(([speaker, text], i) => ({ seq: i + 1, speaker, text, isInterrupted: false })),
    outcome: "resolved" as const,
    endReason: "caller_hangup",
    transferredTo: null,
    hasMessage: false,
    captureFields: [],
    knowledgeTitles: [],
    toolNames: [],
  });

  it("a caller who hangs up on the agent's offer did not get what they called for", () => {
    const offer = input([
      ["agent", "Thanks for calling. How can I help?"],
      ["caller", "can i talk to a person"],
      ["agent", "We're closed right now, so I can't put you through to anyone. I can take a message and have someone call you back. Would you like that?"],
    ]);
    expect(analyzeLocally(offer).outcome).toBe("abandoned");
  });

  it("hanging up after an answer and the agent's wrap-up question is resolved", () => {
    const answered = input([
      ["agent", "Thanks for calling. How can I help?"],
      ["caller", "what are your opening hours"],
      ["agent", "We're open Monday to Friday, nine to five. Is there anything else I can help you with?"],
    ]);
    expect(analyzeLocally(answered).outcome).toBe("resolved");
  });
});

describe("local topics", () => {
  it("names what the caller asked for, not the words they used", () => {
    expect(localTopic(["can i talk to a person"], [])).toBe("Asked for a person");
    expect(localTopic(["i want to speak to a human please"], [])).toBe("Asked for a person");
    expect(localTopic(["hi", "can you take a message for doctor lee"], [])).toBe("Message or callback");
    expect(localTopic(["what are your opening hours"], [])).toBe("Opening hours");
    expect(localTopic(["do you validate parking tickets"], ["Do you validate parking tickets?"])).toBe("Location and directions");
  });
});

describe("topic clusters", () => {
  it("groups similar topics and counts calls per cluster, moving the count on re-analysis", async () => {
    const at = new Date("2026-07-01T10:00:00Z");
    const assign = (topic: string | null, previousClusterId: string | null = null) =>
      t.db.transaction((tx) => assignTopicCluster(tx, { teamId, topic, previousClusterId, at }));
    const a = await assign("Booking an appointment");
    const b = await assign("appointment bookings");
    const c = await assign("Book appointment");
    const d = await assign("Refund for a broken kettle");
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(d).not.toBe(a);
    const moved = await assign("Refund request for broken kettle", a);
    expect(moved).toBe(d);
    const rows = await t.db.select().from(topicClusters).where(eq(topicClusters.teamId, teamId));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(a!)).toMatchObject({ label: "Booking an appointment", callCount: 2 });
    expect(byId.get(d!)?.callCount).toBe(2);
  });

  it("reports the top topics of a date range from analyzed calls", async () => {
    const [team] = await t.db.insert(teams).values({ name: "Top", slug: `top-${randomBytes(4).toString("hex")}` }).returning();
    const inRange = new Date("2026-08-02T10:00:00Z");
    const insert = (topic: string, startedAt: Date, isTest = false) =>
      t.db
        .insert(calls)
        .values({ teamId: team!.id, direction: "inbound", status: "completed", startedAt, endedAt: startedAt, isTest })
        .returning()
        .then(async ([call]) => {
          await t.db.insert(callTurns).values({ teamId: team!.id, callId: call!.id, seq: 1, speaker: "caller", text: topic, startMs: 0, endMs: 1 });
          await analyzeCall(t.db, { teamId: team!.id, callId: call!.id });
        });
    await insert("I want to book an appointment", inRange);
    await insert("Can I schedule an appointment for Monday", inRange);
    await insert("Booking please, an appointment", inRange);
    await insert("I need a refund", inRange);
    await insert("Refund my money", new Date("2026-09-01T00:00:00Z"));
    await insert("book appointment test", inRange, true);
    const top = await topTopics(t.db, team!.id, { from: new Date("2026-08-01T00:00:00Z"), to: new Date("2026-08-31T00:00:00Z") });
    expect(top.map((x) => [x.label, x.calls])).toEqual([
      ["Appointment booking", 3],
      ["Refund request", 1],
    ]);
    expect(top[0]!.share).toBeCloseTo(0.75);
  });
});
