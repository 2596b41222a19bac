import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { expect, vi } from "vitest";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { openStoredRecording } from "@/lib/recordings/read-recording";
import { setupScriptedVoiceServer, type TScriptedVoiceServer } from "./scripted-voice-server";

// A voice server with encryption on (its own master key), offline providers and scripted speech-to-text, for the
// tests of what sensitive data a call leaves behind: in the tables and in the sealed recording.

export type TEncryptedCalls = TScriptedVoiceServer & { masterKey: Buffer };

export function setupEncryptedCalls(): TEncryptedCalls {
  const masterKey = randomBytes(32);
  const harness = setupScriptedVoiceServer(() => ({ env: { ENCRYPTION_KEY: masterKey.toString("base64") } }));
  return Object.assign(harness, { masterKey });
}

// Every row of every table, as text.
export async function everyRowAsText(db: Db): Promise<string> {
  const tables = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await db.execute<{ row: string }>(sql`select t::text as row from ${sql.identifier(table_name)} t`);
    for (const r of rows) parts.push(r.row);
  }
  return parts.join("\n");
}

// The call's recording once it is sealed: the file as stored, and the WAV it decrypts to.
export async function sealedRecordingOf(
  harness: TEncryptedCalls,
  call: { id: string; teamId: string; recordingPath: string | null },
  timeoutMs: number,
): Promise<{ stored: Buffer; wav: Buffer }> {
  const db = harness.testDb.db;
  await vi.waitFor(async () => {
    const [row] = await db.select().from(calls).where(eq(calls.id, call.id));
    expect(row?.recordingSealedAt).toBeInstanceOf(Date);
  }, timeoutMs);
  const stored = readFileSync(path.join(harness.voice.recordingsDir, call.recordingPath!));
  const wav = await openStoredRecording(db, { masterKeys: masterKeyRing(harness.masterKey), teamId: call.teamId, bytes: stored });
  return { stored, wav };
}

// The loudest caller sample (left channel of the stereo WAV) between two offsets of the call.
export function callerPeak(wav: Buffer, startMs: number, endMs: number): number {
  let peak = 0;
  for (let f = Math.max(0, Math.ceil(startMs * 8)); f < Math.floor(endMs * 8) && 44 + f * 4 < wav.length; f++) peak = Math.max(peak, Math.abs(wav.readInt16LE(44 + f * 4)));
  return peak;
}
