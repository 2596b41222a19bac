import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { calls, callEvents, callTurns, type NewCall } from "@/db/schema";
import { e2eDb } from "../helpers";
import { E2E } from "../env";

// A mono 16-bit PCM WAV of `seconds` of a quiet tone: something Chromium can load, decode and seek in.
export function toneWav(seconds: number, sampleRate = 8000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRate) * 3000), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export type TSeedTurn = { speaker: "caller" | "agent"; text: string; startMs: number; endMs: number; isInterrupted?: boolean; firstAudioMs?: number };

export async function seedCall(teamId: string, values: Partial<NewCall>, turns: TSeedTurn[], options: { recordingSeconds?: number } = {}) {
  const db = e2eDb();
  const [call] = await db
    .insert(calls)
    // A finished call is seeded analyzed: left pending, the worker's sweep would analyze it mid-test (before its turns
    // are in, an outcome of "abandoned") and change what the page shows.
    .values({ teamId, direction: "inbound", status: "completed", turnCount: turns.length, analysisStatus: values.endedAt ? "done" : "pending", ...values })
    .returning();
  if (!call) throw new Error("seed call failed");
  if (turns.length > 0) {
    await db.insert(callTurns).values(turns.map((t, i) => ({ teamId, callId: call.id, seq: i + 1, isInterrupted: false, ...t })));
  }
  if (options.recordingSeconds) {
    const relative = path.join(teamId, `${call.id}.wav`);
    fs.mkdirSync(path.join(E2E.recordingsDir, teamId), { recursive: true });
    fs.writeFileSync(path.join(E2E.recordingsDir, relative), toneWav(options.recordingSeconds));
    await db.update(calls).set({ recordingPath: relative }).where(eq(calls.id, call.id));
  }
  return call;
}

export async function seedEvent(teamId: string, callId: string, event: { atMs: number; kind: "tool_call" | "transfer" | "error"; name: string; data?: Record<string, unknown> }) {
  await e2eDb().insert(callEvents).values({ teamId, callId, data: {}, ...event });
}
