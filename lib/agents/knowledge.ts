import { and, asc, eq, ilike, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { knowledgeEntries, type KnowledgeEntry } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { hasNul } from "@/lib/validation/free-text";
import { getAgent, isUuid, touchDraft } from "./get-agent";
import { MAX_DOCUMENT_BYTES } from "./options";

const MAX_QUESTION_CHARS = 300;
const MAX_ANSWER_CHARS = 2000;

export const ZKnowledgeInput = z
  .object({
    kind: z.enum(["qa", "document"], { error: "Pick Q&A or document" }),
    title: z.string().trim(),
    content: z.string().trim().transform((s) => s.replace(/\r\n?/g, "\n")),
  })
  .superRefine((input, ctx) => {
    const issue = (path: "title" | "content", message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (input.kind === "qa") {
      if (!input.title) issue("title", "Enter the question callers ask");
      else if (input.title.length > MAX_QUESTION_CHARS) issue("title", `Keep the question under ${MAX_QUESTION_CHARS} characters`);
      if (!input.content) issue("content", "Enter the answer the agent should give");
      else if (input.content.length > MAX_ANSWER_CHARS) {
        issue("content", `Keep answers under ${MAX_ANSWER_CHARS} characters; put longer material in a document`);
      }
    } else {
      if (!input.title) issue("title", "Give the document a name");
      else if (input.title.length > 200) issue("title", "Keep the name under 200 characters");
      if (!input.content) issue("content", "The document is empty. Paste its text or upload a .txt or .md file");
      else if (Buffer.byteLength(input.content, "utf8") > MAX_DOCUMENT_BYTES) {
        issue("content", `Documents can be at most ${MAX_DOCUMENT_BYTES / 1024} KB. Split it into smaller documents`);
      } else if (input.content.includes("\u0000")) {
        issue("content", "This looks like a binary file. Upload plain text (.txt) or Markdown (.md)");
      }
    }
  });
export type TKnowledgeInput = z.infer<typeof ZKnowledgeInput>;

type TScope = { teamId: string; agentId: string };

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Every word of the search must appear in the question/name or the text, case-insensitively.
export async function listKnowledge(db: DbOrTx, scope: TScope, options: { search?: string } = {}): Promise<KnowledgeEntry[]> {
  const words = (options.search ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 8);
  // Stored text never contains NUL (Postgres refuses it), so such a word matches nothing; sending it would fail the query.
  if (words.some(hasNul)) return [];
  const conditions: SQL[] = [eq(knowledgeEntries.teamId, scope.teamId), eq(knowledgeEntries.agentId, scope.agentId)];
  for (const word of words) {
    const pattern = `%${escapeLike(word)}%`;
    conditions.push(or(ilike(knowledgeEntries.title, pattern), ilike(knowledgeEntries.content, pattern))!);
  }
  return db
    .select()
    .from(knowledgeEntries)
    .where(and(...conditions))
    .orderBy(asc(knowledgeEntries.createdAt), asc(knowledgeEntries.id));
}

export async function addKnowledge(db: Db, scope: TScope, actor: TAuditActor, input: TKnowledgeInput): Promise<KnowledgeEntry> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(knowledgeEntries).values({ ...scope, ...input }).returning();
    if (!row) throw new Error("insert returned nothing");
    await touchDraft(tx, scope);
    await recordAudit(tx, {
      teamId: scope.teamId,
      actor,
      action: "knowledge.created",
      targetType: "knowledge",
      targetId: row.id,
      targetLabel: `${agent.name} / ${shorten(row.title)}`,
      metadata: { kind: row.kind, characters: row.content.length },
    });
    return row;
  });
}

export async function updateKnowledge(
  db: Db,
  scope: TScope & { entryId: string },
  actor: TAuditActor,
  input: TKnowledgeInput,
): Promise<KnowledgeEntry> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const existing = await findEntry(db, scope);
  if (existing.kind === input.kind && existing.title === input.title && existing.content === input.content) return existing;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(knowledgeEntries)
      .set(input)
      .where(and(eq(knowledgeEntries.id, existing.id), eq(knowledgeEntries.teamId, scope.teamId), eq(knowledgeEntries.agentId, scope.agentId)))
      .returning();
    if (!row) throw notFound();
    await touchDraft(tx, scope);
    await recordAudit(tx, {
      teamId: scope.teamId,
      actor,
      action: "knowledge.updated",
      targetType: "knowledge",
      targetId: row.id,
      targetLabel: `${agent.name} / ${shorten(row.title)}`,
      metadata: {
        fields: (["kind", "title", "content"] as const).filter((k) => existing[k] !== row[k]),
      },
    });
    return row;
  });
}

export async function deleteKnowledge(db: Db, scope: TScope & { entryId: string }, actor: TAuditActor): Promise<void> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const existing = await findEntry(db, scope);
  await db.transaction(async (tx) => {
    await tx
      .delete(knowledgeEntries)
      .where(and(eq(knowledgeEntries.id, existing.id), eq(knowledgeEntries.teamId, scope.teamId), eq(knowledgeEntries.agentId, scope.agentId)));
    await touchDraft(tx, scope);
    await recordAudit(tx, {
      teamId: scope.teamId,
      actor,
      action: "knowledge.deleted",
      targetType: "knowledge",
      targetId: existing.id,
      targetLabel: `${agent.name} / ${shorten(existing.title)}`,
      metadata: { kind: existing.kind },
    });
  });
}

async function findEntry(db: DbOrTx, scope: TScope & { entryId: string }): Promise<KnowledgeEntry> {
  if (!isUuid(scope.entryId)) throw notFound();
  const [row] = await db
    .select()
    .from(knowledgeEntries)
    .where(and(eq(knowledgeEntries.id, scope.entryId), eq(knowledgeEntries.teamId, scope.teamId), eq(knowledgeEntries.agentId, scope.agentId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

function notFound(): AppError {
  return new AppError("not_found", "That knowledge entry no longer exists. Reload the page.");
}

export function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
