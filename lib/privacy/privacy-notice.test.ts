import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents, agentVersions, callEvents, calls, retentionPolicies, teamRedactionSettings, teams, type Team } from "@/db/schema";
import { ZAgentConfig, type TAgentConfig } from "@/lib/agents/config";
import { createTestDb } from "@/tests/helpers/db";
import { loadPrivacyFacts } from "./load-privacy-facts";
import { buildPrivacyNotice } from "./privacy-notice";

let t: Awaited<ReturnType<typeof createTestDb>>;
let a: Team;
let b: Team;

beforeAll(async () => {
  t = await createTestDb();
  [a, b] = (await t.db
    .insert(teams)
    .values([
      { name: "Harbor Dental", slug: `a-${randomBytes(4).toString("hex")}` },
      { name: "Other Co", slug: `b-${randomBytes(4).toString("hex")}` },
    ])
    .returning()) as [Team, Team];
  // Each team's own policy: recordings kept a year by one, transcripts 30 days by the other.
  await t.db.insert(retentionPolicies).values([
    { teamId: a.id, recordingsDays: 365, transcriptsDays: 365, callsDays: 365 },
    { teamId: b.id, recordingsDays: 30, transcriptsDays: 30, callsDays: 30, messagesDays: 30, webhookPayloadsDays: 30, testCallsDays: 30 },
  ]);
});

afterAll(async () => {
  await t?.drop();
});

async function liveAgent(team: Team, config: Partial<TAgentConfig>) {
  const full = ZAgentConfig.parse({ greeting: "Hi", disclosure: "This call is recorded.", ...config });
  const [agent] = await t.db.insert(agents).values({ teamId: team.id, name: "Front desk", config: full }).returning();
  const [version] = await t.db
    .insert(agentVersions)
    .values({ teamId: team.id, agentId: agent!.id, version: 1, snapshot: { agentName: "Front desk", teamName: team.name, config: full, knowledge: [], departments: [] } })
    .returning();
  await t.db.update(agents).set({ publishedVersionId: version!.id }).where(eq(agents.id, agent!.id));
}

async function callUsing(team: Team, providers: Record<string, string>) {
  const [call] = await t.db.insert(calls).values({ teamId: team.id, direction: "inbound", status: "completed" }).returning();
  await t.db.insert(callEvents).values({ teamId: team.id, callId: call!.id, atMs: 0, kind: "status", name: "stream_started", data: { providers } });
}

const deployment = {
  TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
  GEMINI_API_KEY: "g",
  S3_BUCKET: "recs",
  S3_REGION: "eu-west-1",
  RECORDINGS_ENABLED: true,
};

describe("the Data & privacy page's facts and notice", () => {
  it("derives what is collected, kept and shared from the team's agents, settings, calls and the deployment", async () => {
    await liveAgent(a, { recordingMode: "record", captureFields: [{ key: "caller_name", label: "Name", description: "" }, { key: "dob", label: "Date of birth", description: "" }] });
    // Deepgram is configured only on the voice server: team A's calls used it. Team B's calls used Smallest.
    await callUsing(a, { stt: "deepgram", llm: "gemini", tts: "offline-espeak" });
    await callUsing(b, { stt: "offline-vosk", llm: "offline-local", tts: "smallest" });

    const facts = await loadPrivacyFacts(t.db, a, deployment);
    expect(facts.processors.map((p) => p.key)).toEqual(["twilio", "deepgram", "gemini", "s3"]);
    expect(facts.processors.find((p) => p.key === "s3")?.name).toBe("Amazon Web Services S3 (eu-west-1)");
    const notice = buildPrivacyNotice(facts);
    expect(notice.text).toContain("Your call is answered by an AI assistant on behalf of Harbor Dental.");
    expect(notice.text).toContain("- An audio recording of the call (your voice and the assistant's), as announced at the start of the call.");
    expect(notice.text).toContain("Details the assistant asks you for: Name and Date of birth.");
    expect(notice.text).toContain("Payment card numbers and Social Security numbers are removed from transcripts");
    expect(notice.text).toContain("Recordings: 1 year.");
    expect(notice.text).toContain("Deepgram, Inc. (speech recognition): receives the caller's voice audio during the call");
    expect(notice.text).not.toContain("Smallest");
    expect(notice.dataMap.find((r) => r.data === "Recordings")).toEqual({
      data: "Recordings",
      where: "S3 object storage",
      protection: "AES-256-GCM with the team's own key, plus S3 server-side encryption; silenced over redacted speech",
      kept: "1 year",
    });
    expect(notice.dataMap.find((r) => r.data === "Transcripts")?.protection).toBe(
      "Not encrypted by the app; payment card numbers and Social Security numbers redacted before storage",
    );
    expect(notice.dataMap.find((r) => r.data.startsWith("Messages"))?.protection).toMatch(/^AES-256-GCM with the team's own key/);
    expect(notice.dataMap.find((r) => r.data === "Captured details")?.protection).toMatch(/^AES-256-GCM with the team's own key/);
    expect(notice.text).toContain("Recordings, messages and the details you give the assistant are encrypted (AES-256-GCM)");
  });

  it("says nothing is recorded when no live agent records, and follows the team's own settings", async () => {
    await liveAgent(b, { recordingMode: "do_not_record", disclosure: "" });
    await t.db.insert(teamRedactionSettings).values({ teamId: b.id, cardNumbers: true, ssns: false, emails: true, phoneNumbers: false });
    const facts = await loadPrivacyFacts(t.db, b, { S3_REGION: "us-east-1", TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000", RECORDINGS_ENABLED: true });
    // The sandbox is no third party; Smallest was used by this team's calls.
    expect(facts.processors.map((p) => p.key)).toEqual(["smallest"]);
    const notice = buildPrivacyNotice(facts);
    expect(notice.text).not.toContain("audio recording");
    expect(notice.text).toContain("Payment card numbers and email addresses are removed");
    expect(notice.text).toContain("Transcripts: 30 days.");
    expect(notice.dataMap.find((r) => r.data === "Recordings")).toMatchObject({ where: "Not recorded", kept: "—" });
    expect(notice.text).toContain("Messages and the details you give the assistant are encrypted (AES-256-GCM)");
  });
});
