-- One search document per call (db/schema/search.ts), kept by triggers on call_turns, and two inbox indexes.
-- Ordered so that the long part (the backfill from existing turns) holds no lock a live call's writes would wait
-- for: the foreign keys (which lock calls), the triggers (which lock call_turns and calls) and the inbox indexes
-- come last, with a catch-up for the calls that were live meanwhile.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
CREATE TABLE "call_search_docs" (
	"call_id" uuid PRIMARY KEY NOT NULL,
	"team_id" uuid NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"doc" "tsvector" NOT NULL
);
--> statement-breakpoint
CREATE AGGREGATE tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');--> statement-breakpoint
-- A team's documents rebuilt from its turns in one statement: after a bulk load made with triggers off.
CREATE FUNCTION call_search_docs_rebuild(p_team_id uuid) RETURNS bigint LANGUAGE sql AS $$
  WITH saved AS (
    INSERT INTO call_search_docs (call_id, team_id, started_at, doc)
    SELECT t.call_id, t.team_id, min(c.started_at), tsvector_agg(t.search_vector ORDER BY t.seq)
    FROM call_turns t JOIN calls c ON c.id = t.call_id AND c.team_id = t.team_id
    WHERE t.team_id = p_team_id
    GROUP BY t.team_id, t.call_id
    ON CONFLICT (call_id) DO UPDATE SET doc = excluded.doc, started_at = excluded.started_at
    RETURNING 1)
  SELECT count(*) FROM saved
$$;--> statement-breakpoint
-- Every write to call_turns: the documents of the calls it touched are recomputed from their turns (in seq order, so
-- a phrase search keeps its word positions). A text change (erasure, an agent turn rewritten as it plays) or a
-- deleted turn (retention) leaves no stale word behind; a change of anything else (a turn's sentiment) costs nothing.
-- The documents are locked before the turns are read, each statement with a fresh snapshot: a concurrent writer of
-- the same call has committed by then, and its turn is counted.
CREATE FUNCTION call_search_docs_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT call_id) INTO touched FROM new_turns;
    INSERT INTO call_search_docs (call_id, team_id, started_at, doc)
    SELECT c.id, c.team_id, c.started_at, ''::tsvector
    FROM calls c JOIN (SELECT DISTINCT call_id, team_id FROM new_turns) n ON n.call_id = c.id AND n.team_id = c.team_id
    ORDER BY c.id
    ON CONFLICT (call_id) DO NOTHING;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(DISTINCT n.call_id) INTO touched FROM new_turns n JOIN old_turns o ON o.id = n.id
    WHERE o.text IS DISTINCT FROM n.text OR o.seq IS DISTINCT FROM n.seq;
  ELSE
    SELECT array_agg(DISTINCT call_id) INTO touched FROM old_turns;
  END IF;
  IF touched IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM call_search_docs WHERE call_id = ANY (touched) ORDER BY call_id FOR UPDATE;
  UPDATE call_search_docs d
  SET doc = coalesce((SELECT tsvector_agg(t.search_vector ORDER BY t.seq) FROM call_turns t WHERE t.team_id = d.team_id AND t.call_id = d.call_id), '')
  WHERE d.call_id = ANY (touched);
  RETURN NULL;
END
$$;--> statement-breakpoint
-- A call's start never moves today; if it ever does, its document follows (the search orders by the document's copy).
CREATE FUNCTION call_search_docs_started_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE call_search_docs SET started_at = NEW.started_at WHERE call_id = NEW.id;
  RETURN NULL;
END
$$;--> statement-breakpoint
INSERT INTO call_search_docs (call_id, team_id, started_at, doc)
SELECT t.call_id, t.team_id, min(c.started_at), tsvector_agg(t.search_vector ORDER BY t.seq)
FROM call_turns t JOIN calls c ON c.id = t.call_id AND c.team_id = t.team_id
GROUP BY t.team_id, t.call_id;--> statement-breakpoint
CREATE INDEX "call_search_docs_team_started_idx" ON "call_search_docs" USING btree ("team_id","started_at" desc,"call_id" desc);--> statement-breakpoint
CREATE INDEX "call_search_docs_team_doc_idx" ON "call_search_docs" USING gin ("team_id","doc");--> statement-breakpoint
DELETE FROM call_search_docs d WHERE NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = d.call_id);--> statement-breakpoint
ALTER TABLE "call_search_docs" ADD CONSTRAINT "call_search_docs_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_search_docs" ADD CONSTRAINT "call_search_docs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE TRIGGER call_turns_search_insert AFTER INSERT ON call_turns REFERENCING NEW TABLE AS new_turns
  FOR EACH STATEMENT EXECUTE FUNCTION call_search_docs_sync();--> statement-breakpoint
CREATE TRIGGER call_turns_search_update AFTER UPDATE ON call_turns REFERENCING OLD TABLE AS old_turns NEW TABLE AS new_turns
  FOR EACH STATEMENT EXECUTE FUNCTION call_search_docs_sync();--> statement-breakpoint
CREATE TRIGGER call_turns_search_delete AFTER DELETE ON call_turns REFERENCING OLD TABLE AS old_turns
  FOR EACH STATEMENT EXECUTE FUNCTION call_search_docs_sync();--> statement-breakpoint
CREATE TRIGGER calls_search_started_at AFTER UPDATE OF started_at ON calls
  FOR EACH ROW WHEN (OLD.started_at IS DISTINCT FROM NEW.started_at) EXECUTE FUNCTION call_search_docs_started_at();--> statement-breakpoint
-- Calls whose turns were written while the backfill ran: the live ones and those that just ended.
INSERT INTO call_search_docs (call_id, team_id, started_at, doc)
SELECT t.call_id, t.team_id, min(c.started_at), tsvector_agg(t.search_vector ORDER BY t.seq)
FROM call_turns t JOIN calls c ON c.id = t.call_id AND c.team_id = t.team_id
WHERE c.ended_at IS NULL OR c.ended_at > now() - interval '1 hour'
GROUP BY t.team_id, t.call_id
ON CONFLICT (call_id) DO UPDATE SET doc = excluded.doc;--> statement-breakpoint
-- The inbox (lib/inbox/list-messages.ts): every status in its order, and the department filter's options.
CREATE INDEX "caller_messages_team_urgent_created_idx" ON "caller_messages" USING btree ("team_id","is_urgent" desc,"created_at" desc,"id" desc);--> statement-breakpoint
CREATE INDEX "caller_messages_team_department_idx" ON "caller_messages" USING btree ("team_id","department");
