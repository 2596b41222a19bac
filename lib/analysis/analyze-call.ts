import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { agents, agentVersions, callerMessages, callEvents, calls, callTurns } from "@/db/schema";
import { ZAgentConfig } from "@/lib/agents/config";
import { TeamFields } from "@/lib/crypto/team-fields";
import { redactJson, redactText } from "@/lib/redaction/redact-text";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";
import { AnalysisError, analyzeWithGemini, type TGeminiAnalysisConfig } from "./gemini-analyzer";
import { fieldsFromMessages } from "./capture-fields";
import { analyzeLocally } from "./local-analyzer";
import { assignTopicCluster } from "./topic-clusters";
import type { TAnalysisInput, TAnalysisResult } from "./types";

export type TAnalyzerConfig = { gemini?: TGeminiAnalysisConfig | null };
export type TAnalyzeCallResult = { status: "done"; analyzer: "gemini" | "local"; result: TAnalysisResult } | { status: "not_found" };

export { AnalysisError };

// Reads what the call needs for analysis: turns, tools used, messages taken, and the capture fields and knowledge
// of the agent version that answered (the draft's fields if the call had no published version).
export async function loadAnalysisInput(db: Db, teamId: string, callId: string) {
  const [row] = await db
    .select({ call: calls, snapshot: agentVersions.snapshot, draftConfig: agents.config })
    .from(calls)
    .leftJoin(agentVersions, and(eq(agentVersions.id, calls.agentVersionId), eq(agentVersions.teamId, calls.teamId)))
    .leftJoin(agents, and(eq(agents.id, calls.agentId), eq(agents.teamId, calls.teamId)))
    .where(and(eq(calls.id, callId), eq(calls.teamId, teamId)))
    .limit(1);
  if (!row) return null;
  const [turns, tools, messages, transfers] = await Promise.all([
    db
      .select({ seq: callTurns.seq, speaker: callTurns.speaker, text: callTurns.text, isInterrupted: callTurns.isInterrupted })
      .from(callTurns)
      .where(and(eq(callTurns.teamId, teamId), eq(callTurns.callId, callId)))
      .orderBy(asc(callTurns.seq)),
    db
      .select({ name: callEvents.name })
      .from(callEvents)
      .where(and(eq(callEvents.teamId, teamId), eq(callEvents.callId, callId), eq(callEvents.kind, "tool_call")))
      .orderBy(asc(callEvents.atMs)),
    db
      .select({ callerName: callerMessages.callerName, callbackNumber: callerMessages.callbackNumber, message: callerMessages.message })
      .from(callerMessages)
      .where(and(eq(callerMessages.teamId, teamId), eq(callerMessages.callId, callId)))
      .orderBy(asc(callerMessages.createdAt))
      .limit(20),
    db
      .select({ name: callEvents.name })
      .from(callEvents)
      .where(and(eq(callEvents.teamId, teamId), eq(callEvents.callId, callId), eq(callEvents.kind, "transfer")))
      .orderBy(asc(callEvents.atMs)),
  ]);
  const config = row.snapshot?.config ?? (row.draftConfig ? ZAgentConfig.safeParse(row.draftConfig).data : undefined);
  // Turns are stored redacted; redacting again here covers turns written before redaction existed or before the
  // team turned a kind on, so the analysis model never receives them.
  const redaction = await redactionSettingsFor(db, teamId);
  // Messages are stored sealed (lib/crypto/team-fields.ts); the analyzer reads them.
  const fields = new TeamFields(db, teamId);
  const input: TAnalysisInput = {
    turns: turns.map((t) => ({ ...t, text: redactText(t.text, redaction).text })),
    outcome: row.call.outcome,
    endReason: row.call.endReason,
    transferredTo: row.call.transferredTo,
    hasMessage: messages.length > 0,
    messages: await Promise.all(
      messages.map(async (m) => ({
        callerName: await fields.open(m.callerName, "caller_messages.caller_name"),
        callbackNumber: await fields.open(m.callbackNumber, "caller_messages.callback_number"),
        message: await fields.open(m.message, "caller_messages.message"),
      })),
    ),
    transferDepartment: transfers.at(-1)?.name || null,
    captureFields: config?.captureFields ?? [],
    knowledgeTitles: (row.snapshot?.knowledge ?? []).map((k) => k.title),
    toolNames: tools.map((t) => t.name),
  };
  return { call: row.call, input };
}

// Post-call analysis of one call: summary, sentiment (call and caller turns), topic and its cluster, outcome and
// capture fields, written in one transaction. Gemini when configured, the local analyzer otherwise; a call with
// no speech never goes to Gemini. Failures are recorded on the call and rethrown for the queue to retry.
export async function analyzeCall(
  db: Db,
  target: { teamId: string; callId: string },
  config: TAnalyzerConfig = {},
): Promise<TAnalyzeCallResult> {
  const loaded = await loadAnalysisInput(db, target.teamId, target.callId);
  if (!loaded) return { status: "not_found" };
  if (!loaded.call.endedAt) throw new AnalysisError("The call is still in progress");
  const where = and(eq(calls.id, target.callId), eq(calls.teamId, target.teamId));
  await db.update(calls).set({ analysisStatus: "running" }).where(where);
  try {
    const useGemini = !!config.gemini && loaded.input.turns.length > 0;
    const analyzed = useGemini ? await analyzeWithGemini(loaded.input, config.gemini!) : analyzeLocally(loaded.input);
    // What the agent wrote down in a message is what it confirmed with the caller: it fills the capture fields
    // whichever analyzer read the transcript. What the model wrote back (summary, topic, captured fields) is
    // redacted too before it is stored.
    const redaction = await redactionSettingsFor(db, target.teamId);
    const result: TAnalysisResult = {
      ...analyzed,
      summary: redactText(analyzed.summary, redaction).text,
      topic: analyzed.topic === null ? null : redactText(analyzed.topic, redaction).text,
      capturedFields: redactJson({ ...analyzed.capturedFields, ...fieldsFromMessages(loaded.input.messages ?? [], loaded.input.captureFields) }, redaction),
    };
    await db.transaction(async (tx) => {
      const [current] = await tx
        .select({ topicClusterId: calls.topicClusterId, startedAt: calls.startedAt })
        .from(calls)
        .where(where)
        .for("update");
      if (!current) return;
      const topicClusterId = await assignTopicCluster(tx, {
        teamId: target.teamId,
        topic: result.topic,
        previousClusterId: current.topicClusterId,
        at: current.startedAt,
      });
      await tx
        .update(calls)
        .set({
          analysisStatus: "done",
          summary: result.summary,
          sentiment: result.sentiment,
          sentimentScore: result.sentimentScore,
          topic: result.topic,
          topicClusterId,
          outcome: result.outcome,
          // Stored sealed under the team's data key; the result returned stays readable.
          capturedFields: await new TeamFields(tx, target.teamId).sealFields(result.capturedFields),
          analyzedAt: new Date(),
        })
        .where(where);
      await tx
        .update(callTurns)
        .set({ sentiment: null })
        .where(and(eq(callTurns.teamId, target.teamId), eq(callTurns.callId, target.callId)));
      for (const turn of result.turnSentiments) {
        await tx
          .update(callTurns)
          .set({ sentiment: turn.sentiment })
          .where(and(eq(callTurns.teamId, target.teamId), eq(callTurns.callId, target.callId), eq(callTurns.seq, turn.seq)));
      }
    });
    return { status: "done", analyzer: useGemini ? "gemini" : "local", result };
  } catch (error) {
    await db
      .update(calls)
      .set({ analysisStatus: "failed" })
      .where(and(where, sql`${calls.analysisStatus} = 'running'`))
      .catch(() => {});
    throw error;
  }
}
