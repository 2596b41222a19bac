import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { NewCallTurn } from "@/db/schema";
import { redactText } from "@/lib/redaction/redact-text";
import { redactionSettingsFor } from "@/lib/redaction/redaction-settings";

export type TAppendTurnInput = Omit<NewCallTurn, "id" | "createdAt" | "searchVector" | "sentiment" | "redactedKinds">;

// The turn's text as it may be stored: the team's PII redaction applied (lib/redaction/), so the raw text never
// reaches the database; the kinds redacted are kept so the recording is silenced over the turn after the call.
async function redactTurn(db: Db, turn: TAppendTurnInput): Promise<{ text: string; kinds: string[] | null }> {
  const redacted = redactText(turn.text, await redactionSettingsFor(db, turn.teamId));
  return { text: redacted.text, kinds: redacted.kinds.length > 0 ? redacted.kinds : null };
}

// One turn as it completes, plus the call's rolled-up turn count, in one statement (a data-modifying CTE: one round
// trip instead of a four-statement transaction, for every turn of every live call). Idempotent on (team, call, seq):
// a retried write after a lost acknowledgement inserts nothing and so counts nothing. Written out rather than built
// with the query builder, which cost more CPU than the rest of the turn's bookkeeping (bench:voice profile).
export async function appendCallTurn(db: Db, turn: TAppendTurnInput): Promise<void> {
  const { text, kinds } = await redactTurn(db, turn);
  await db.execute(sql`with inserted as (
      insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms, is_interrupted, endpointing_ms,
                              stt_final_ms, llm_first_token_ms, tts_first_byte_ms, first_audio_ms, knowledge_ids,
                              redacted_kinds)
      values (${turn.teamId}, ${turn.callId}, ${turn.seq}, ${turn.speaker}, ${text}, ${turn.startMs}, ${turn.endMs},
              ${turn.isInterrupted ?? false}, ${turn.endpointingMs ?? null}, ${turn.sttFinalMs ?? null},
              ${turn.llmFirstTokenMs ?? null}, ${turn.ttsFirstByteMs ?? null}, ${turn.firstAudioMs ?? null},
              ${turn.knowledgeIds ? textArrayLiteral(turn.knowledgeIds) : null}::text[],
              ${kinds ? textArrayLiteral(kinds) : null}::text[])
      on conflict (team_id, call_id, seq) do nothing
      returning 1)
    update calls set turn_count = turn_count + 1
     where id = ${turn.callId} and team_id = ${turn.teamId} and exists (select 1 from inserted)`);
}

// A Postgres array literal: every element quoted, with quotes and backslashes escaped.
function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}

// An agent turn as it is heard: written when its first clause has played, rewritten as each later clause plays
// and once more when the turn ends (complete, or cut by a barge-in or a hang-up), always under the same seq. A
// process that dies mid-reply so leaves what the caller heard, marked interrupted, instead of nothing. The call's
// turn count moves only on the first write (xmax = 0 is a fresh insert); a caller turn is never overwritten.
export async function saveAgentTurn(db: Db, turn: TAppendTurnInput): Promise<void> {
  const { text, kinds } = await redactTurn(db, turn);
  await db.execute(sql`with saved as (
      insert into call_turns (team_id, call_id, seq, speaker, text, start_ms, end_ms, is_interrupted, endpointing_ms,
                              stt_final_ms, llm_first_token_ms, tts_first_byte_ms, first_audio_ms, knowledge_ids,
                              redacted_kinds)
      values (${turn.teamId}, ${turn.callId}, ${turn.seq}, 'agent', ${text}, ${turn.startMs}, ${turn.endMs},
              ${turn.isInterrupted ?? false}, ${turn.endpointingMs ?? null}, ${turn.sttFinalMs ?? null},
              ${turn.llmFirstTokenMs ?? null}, ${turn.ttsFirstByteMs ?? null}, ${turn.firstAudioMs ?? null},
              ${turn.knowledgeIds ? textArrayLiteral(turn.knowledgeIds) : null}::text[],
              ${kinds ? textArrayLiteral(kinds) : null}::text[])
      on conflict (team_id, call_id, seq) do update set
        text = excluded.text, start_ms = excluded.start_ms, end_ms = excluded.end_ms, is_interrupted = excluded.is_interrupted,
        redacted_kinds = excluded.redacted_kinds,
        endpointing_ms = excluded.endpointing_ms, stt_final_ms = excluded.stt_final_ms,
        llm_first_token_ms = excluded.llm_first_token_ms, tts_first_byte_ms = excluded.tts_first_byte_ms,
        first_audio_ms = excluded.first_audio_ms, knowledge_ids = excluded.knowledge_ids
      where call_turns.speaker = 'agent'
      returning (xmax = 0) as is_new)
    update calls set turn_count = turn_count + 1
     where id = ${turn.callId} and team_id = ${turn.teamId} and exists (select 1 from saved where is_new)`);
}
