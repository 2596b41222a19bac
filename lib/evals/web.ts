import "server-only";
import type { Db } from "@/db/client";
import type { AgentTestRun } from "@/db/schema";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { queueTestRun } from "./queue";
import { createTestRun } from "./runs";
import type { TRunMode, TRunTarget } from "./types";

// Starting a suite run from the web app or the API: the run row, then its job for the worker.
export async function startTestRun(
  db: Db,
  input: { teamId: string; agentId: string; target: TRunTarget; mode?: TRunMode; startedById: string | null; startedByLabel: string },
): Promise<AgentTestRun> {
  const databaseUrl = env().DATABASE_URL;
  if (!databaseUrl) throw new AppError("conflict", "Test runs need the worker's queue: DATABASE_URL is not set.");
  const run = await createTestRun(db, input);
  await queueTestRun(db, run.id, run.teamId, { databaseUrl });
  return run;
}
