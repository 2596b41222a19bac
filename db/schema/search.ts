import { desc } from "drizzle-orm";
import { customType, index, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { calls } from "./telephony";
import { teams } from "./teams";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

// One search document per call: its turns' search vectors concatenated in order. The calls list's transcript search
// tests one row per call here, in time order, instead of every turn of every call it walks (bench:analytics:
// a surname said in 1% of calls took 290 ms at p95 on 100,000 calls turn by turn). Kept by triggers on call_turns
// (migration call_search_docs), so every writer of turns (live calls, erasure, retention) keeps it true without
// knowing of it; never written by application code.
export const callSearchDocs = pgTable(
  "call_search_docs",
  {
    callId: uuid("call_id")
      .primaryKey()
      .references(() => calls.id, { onDelete: "cascade" }),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    // The call's started_at (kept equal by a trigger on calls): a search walks the team's documents newest first
    // and joins only the matching calls.
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    doc: tsvector("doc").notNull(),
  },
  (t) => [
    // Common words: the team's documents newest first (in their pages' order, as they were written), each tested.
    index("call_search_docs_team_started_idx").on(t.teamId, desc(t.startedAt), desc(t.callId)),
    // Rare words: the matching calls of one team only (btree_gin puts team_id in the GIN index; another team's
    // matches never reach the bitmap).
    index("call_search_docs_team_doc_idx").using("gin", t.teamId, t.doc),
  ],
);
