import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agents, agentVersions, callEvents, callTurns, calls } from "@/db/schema";
import { ZAgentConfig } from "@/lib/agents/config";
import { createCall, markCallAnswered } from "@/lib/calls/create-call";
import { finalizeOpenCalls } from "@/lib/calls/finalize-open-calls";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { setupTwoTeamDb } from "@/tests/helpers/db";
import { createLocalRecordingStore } from "./local-store";
import { openStoredRecording } from "./read-recording";
import { isSealedRecording } from "./recording-cipher";
import { salvageRecordings } from "./salvage-recordings";
import { createRecordingSealer, sealRecording } from "./seal-recording";
import { recordingKey } from "./store";
import { callWavHeader } from "./wav-header";

const t = setupTwoTeamDb();
let dir: string;
const masterKeys = masterKeyRing(randomBytes(32));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "aica-seal-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

// A recorder WAV of `seconds` in which no sample is 0: caller and agent each a distinct pattern.
function callWav(seconds: number): Buffer {
  const frames = seconds * 8000;
  const data = Buffer.alloc(frames * 4);
  for (let f = 0; f < frames; f++) {
    data.writeInt16LE(100 + (f % 3000), f * 4);
    data.writeInt16LE(-100 - (f % 2000), f * 4 + 2);
  }
  return Buffer.concat([callWavHeader(data.length), data]);
}

async function endedCallWithSpool(teamId: string, wav: Buffer) {
  const call = await createCall(t.db, { teamId, direction: "inbound", twilioCallSid: `CA${randomBytes(16).toString("hex")}` });
  const key = recordingKey(teamId, call.id);
  mkdirSync(path.join(dir, teamId), { recursive: true });
  writeFileSync(path.join(dir, key), wav);
  await t.db.update(calls).set({ recordingPath: key, recordingStorage: "local", endedAt: new Date(), status: "completed" }).where(eq(calls.id, call.id));
  return { callId: call.id, file: path.join(dir, key) };
}

async function turn(teamId: string, callId: string, seq: number, speaker: "caller" | "agent", startMs: number, endMs: number, redactedKinds: string[] | null) {
  await t.db.insert(callTurns).values({ teamId, callId, seq, speaker, text: "x", startMs, endMs, redactedKinds });
}

describe("sealing a recording after the call", () => {
  it("silences exactly the spans of redacted turns, leaves every other sample as recorded, and encrypts the file", async () => {
    const original = callWav(5);
    const { callId, file } = await endedCallWithSpool(t.teamA, Buffer.from(original));
    await turn(t.teamA, callId, 1, "agent", 0, 900, null);
    await turn(t.teamA, callId, 2, "caller", 1000, 1500, ["card_number"]);
    // Crosses the first 64 KiB encryption chunk's end (byte 65536 is frame 16373, at 2046.6 ms).
    await turn(t.teamA, callId, 3, "agent", 2040, 2100, ["card_number"]);
    await turn(t.teamA, callId, 4, "caller", 2600, 3000, null);
    // Another team's redacted turn on a call with the same offsets changes nothing here.
    const other = await endedCallWithSpool(t.teamB, callWav(1));
    await turn(t.teamB, other.callId, 1, "caller", 0, 4000, ["ssn"]);

    expect(await sealRecording(t.db, { local: createLocalRecordingStore(dir), masterKeys, teamId: t.teamA, callId })).toBe("sealed");
    const stored = readFileSync(file);
    expect(isSealedRecording(stored)).toBe(true);
    const wav = await openStoredRecording(t.db, { masterKeys, teamId: t.teamA, bytes: stored });
    expect(wav.length).toBe(original.length);
    expect(wav.subarray(0, 44).equals(original.subarray(0, 44))).toBe(true);
    const silent = (f: number) => (f >= 8000 && f < 12000) || (f >= 16320 && f < 16800);
    let changed = 0;
    for (let f = 0; f < 5 * 8000; f++) {
      const at = 44 + f * 4;
      if (silent(f)) {
        if (wav.readInt16LE(at) !== 0 || wav.readInt16LE(at + 2) !== 0) throw new Error(`frame ${f} not silenced`);
      } else if (wav.readInt32LE(at) !== original.readInt32LE(at)) changed++;
    }
    expect(changed).toBe(0);
    const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
    expect(row?.recordingSealedAt).toBeInstanceOf(Date);
    // Sealing again changes nothing.
    expect(await sealRecording(t.db, { local: createLocalRecordingStore(dir), masterKeys, teamId: t.teamA, callId })).toBe("already");
    expect(readFileSync(file).equals(stored)).toBe(true);
  });

  it("silences the tones of keys typed while sensitive data was collected (masked dtmf events), not other keys", async () => {
    const original = callWav(3);
    const { callId, file } = await endedCallWithSpool(t.teamA, Buffer.from(original));
    await t.db.insert(callEvents).values([
      { teamId: t.teamA, callId, atMs: 1000, kind: "dtmf", name: "*", data: { digit: "*", isMasked: true, silenceFromMs: 500, silenceToMs: 1250 } },
      { teamId: t.teamA, callId, atMs: 2000, kind: "dtmf", name: "5", data: { digit: "5" } },
    ]);
    // The same masked span on another team's call with the same offsets changes nothing here.
    const other = await endedCallWithSpool(t.teamB, callWav(1));
    await t.db.insert(callEvents).values({ teamId: t.teamB, callId: other.callId, atMs: 2500, kind: "dtmf", name: "*", data: { digit: "*", isMasked: true, silenceFromMs: 2000, silenceToMs: 2900 } });
    expect(await sealRecording(t.db, { local: createLocalRecordingStore(dir), masterKeys, teamId: t.teamA, callId })).toBe("sealed");
    const wav = await openStoredRecording(t.db, { masterKeys, teamId: t.teamA, bytes: readFileSync(file) });
    for (let f = 0; f < 3 * 8000; f++) {
      const at = 44 + f * 4;
      const isSilenced = f >= 4000 && f < 10000;
      expect(wav.readInt32LE(at) === 0 ? "silent" : "kept").toBe(isSilenced ? "silent" : "kept");
      if (!isSilenced && wav.readInt32LE(at) !== original.readInt32LE(at)) throw new Error(`frame ${f} changed`);
    }
  });

  it("one sealer at a time: two at once seal the file once", async () => {
    const { callId, file } = await endedCallWithSpool(t.teamA, callWav(2));
    const local = createLocalRecordingStore(dir);
    const outcomes = await Promise.all([1, 2, 3].map(() => sealRecording(t.db, { local, masterKeys, teamId: t.teamA, callId })));
    expect(outcomes.filter((o) => o === "sealed")).toHaveLength(1);
    for (const o of outcomes) expect(["sealed", "busy", "already"]).toContain(o);
    expect((await openStoredRecording(t.db, { masterKeys, teamId: t.teamA, bytes: readFileSync(file) })).equals(callWav(2))).toBe(true);
  });

  it("the worker's sweep seals what a crash left: the salvaged spool of a call the dead process held, and a plain recording from before", async () => {
    const startedAt = new Date(Date.now() - 60_000);
    const call = await createCall(t.db, { teamId: t.teamB, direction: "inbound", twilioCallSid: `CA${randomBytes(16).toString("hex")}`, startedAt });
    await markCallAnswered(t.db, { teamId: t.teamB, callId: call.id, answeredAt: startedAt });
    // What the recorder leaves when the process dies mid-call: header sizes 0, 1.5 s of frames, a cut frame.
    const cutOff = callWav(2);
    const spool = path.join(dir, recordingKey(t.teamB, call.id));
    mkdirSync(path.dirname(spool), { recursive: true });
    writeFileSync(spool, Buffer.concat([callWavHeader(0), cutOff.subarray(44, 44 + 12000 * 4 + 3)]));
    const finalized = await finalizeOpenCalls(t.db, { startedBefore: new Date() });
    expect((await salvageRecordings(t.db, { recordingsDir: dir, calls: finalized.calls })).recovered).toEqual([call.id]);
    const legacy = await endedCallWithSpool(t.teamA, callWav(1));

    const sealer = createRecordingSealer({ db: t.db, local: createLocalRecordingStore(dir), masterKeys });
    const swept = await sealer.sweep();
    expect(swept.failed).toBe(0);
    expect(swept.sealed).toBeGreaterThanOrEqual(2);
    const salvaged = await openStoredRecording(t.db, { masterKeys, teamId: t.teamB, bytes: readFileSync(spool) });
    expect(isSealedRecording(readFileSync(spool))).toBe(true);
    expect(salvaged.readUInt32LE(40)).toBe(12000 * 4);
    expect(salvaged.subarray(44).equals(cutOff.subarray(44, 44 + 12000 * 4))).toBe(true);
    expect(isSealedRecording(readFileSync(legacy.file))).toBe(true);
    expect(await sealer.sweep()).toEqual({ sealed: 0, failed: 0 });
    await sealer.stop();
  });

  it("deletes instead of keeping what was recorded on a call whose agent is set to Do not record", async () => {
    const config = ZAgentConfig.parse({ greeting: "Hi", recordingMode: "do_not_record" });
    const [agent] = await t.db.insert(agents).values({ teamId: t.teamA, name: "Quiet", config }).returning();
    const [version] = await t.db
      .insert(agentVersions)
      .values({ teamId: t.teamA, agentId: agent!.id, version: 1, snapshot: { agentName: "Quiet", teamName: "A", config, knowledge: [], departments: [] } })
      .returning();
    const { callId, file } = await endedCallWithSpool(t.teamA, callWav(1));
    await t.db.update(calls).set({ agentId: agent!.id, agentVersionId: version!.id }).where(eq(calls.id, callId));
    expect(await sealRecording(t.db, { local: createLocalRecordingStore(dir), masterKeys, teamId: t.teamA, callId })).toBe("discarded");
    expect(existsSync(file)).toBe(false);
    const [row] = await t.db.select().from(calls).where(eq(calls.id, callId));
    expect(row?.recordingPath).toBeNull();
    const events = await t.db.select().from(callEvents).where(eq(callEvents.callId, callId));
    expect(events.map((e) => e.name)).toContain("recording_discarded");
  });
});
