import postgres from "postgres";

// The call as the voice server wrote it to Postgres (its row, turns and events), read back after a simulated call.

export type TSimDbTurn = {
  seq: number;
  speaker: "caller" | "agent";
  text: string;
  startMs: number;
  endMs: number;
  isInterrupted: boolean;
  endpointingMs: number | null;
  sttFinalMs: number | null;
  llmFirstTokenMs: number | null;
  ttsFirstByteMs: number | null;
  firstAudioMs: number | null;
};

export type TSimDbRecord = {
  call: {
    status: string;
    outcome: string | null;
    endReason: string | null;
    durationSec: number | null;
    transferredTo: string | null;
    errorCount: number;
    isEnded: boolean;
  } | null;
  turns: TSimDbTurn[];
  events: { atMs: number; kind: string; name: string; data: Record<string, unknown> }[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The server writes turns as they complete and finalizes the call on the status callback; wait briefly for that.
export async function readCallRecord(input: {
  sql?: postgres.Sql;
  databaseUrl?: string;
  callId: string;
  teamId: string;
  waitForEndMs?: number;
}): Promise<TSimDbRecord> {
  if (!UUID.test(input.callId) || !UUID.test(input.teamId)) throw new Error(`callId/teamId are not UUIDs: ${input.callId} ${input.teamId}`);
  const sql = input.sql ?? postgres(input.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + (input.waitForEndMs ?? 3000);
    let call: TSimDbRecord["call"] = null;
    for (;;) {
      const rows = await sql<
        {
          status: string;
          outcome: string | null;
          end_reason: string | null;
          duration_sec: number | null;
          transferred_to: string | null;
          error_count: number;
          ended_at: Date | null;
        }[]
      >`select status, outcome, end_reason, duration_sec, transferred_to, error_count, ended_at
          from calls where id = ${input.callId} and team_id = ${input.teamId}`;
      const row = rows[0];
      call = row
        ? {
            status: row.status,
            outcome: row.outcome,
            endReason: row.end_reason,
            durationSec: row.duration_sec,
            transferredTo: row.transferred_to,
            errorCount: row.error_count,
            isEnded: row.ended_at !== null,
          }
        : null;
      // The status callback sets ended_at; the session's own close adds the outcome a moment later.
      if (!call || (call.isEnded && call.outcome !== null) || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const turns = await sql<
      {
        seq: number;
        speaker: "caller" | "agent";
        text: string;
        start_ms: number;
        end_ms: number;
        is_interrupted: boolean;
        endpointing_ms: number | null;
        stt_final_ms: number | null;
        llm_first_token_ms: number | null;
        tts_first_byte_ms: number | null;
        first_audio_ms: number | null;
      }[]
    >`select seq, speaker, text, start_ms, end_ms, is_interrupted, endpointing_ms, stt_final_ms, llm_first_token_ms,
             tts_first_byte_ms, first_audio_ms
        from call_turns where call_id = ${input.callId} and team_id = ${input.teamId} order by seq`;
    const events = await sql<{ at_ms: number; kind: string; name: string; data: Record<string, unknown> }[]>`
      select at_ms, kind, name, data from call_events
       where call_id = ${input.callId} and team_id = ${input.teamId} order by at_ms, created_at`;
    return {
      call,
      turns: turns.map((t) => ({
        seq: t.seq,
        speaker: t.speaker,
        text: t.text,
        startMs: t.start_ms,
        endMs: t.end_ms,
        isInterrupted: t.is_interrupted,
        endpointingMs: t.endpointing_ms,
        sttFinalMs: t.stt_final_ms,
        llmFirstTokenMs: t.llm_first_token_ms,
        ttsFirstByteMs: t.tts_first_byte_ms,
        firstAudioMs: t.first_audio_ms,
      })),
      events: events.map((e) => ({ atMs: e.at_ms, kind: e.kind, name: e.name, data: e.data })),
    };
  } finally {
    if (!input.sql) await sql.end({ timeout: 5 });
  }
}
