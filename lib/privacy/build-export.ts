import type { Readable } from "node:stream";
import type { DbOrTx } from "@/db/client";
import type { TRecordingStoreSet } from "@/lib/recordings/create-stores";
import { callerDataDocument, findCallerData, type TCallerData } from "./find-caller-data";
import type { TCallerSubject } from "./subject";
import { createZip, type TZipEntry } from "./zip";

// One caller's data as a zip: caller-data.json (everything, as the API shows it), recordings/<call id>.wav and a
// README.txt saying what each file is. Only this team's rows for this number are read (findCallerData).

// Beyond this the export is built by the worker rather than during the request.
export const INLINE_EXPORT_MAX_CALLS = 200;
export const INLINE_EXPORT_MAX_RECORDING_BYTES = 50 * 1024 * 1024;

export async function exportSize(stores: TRecordingStoreSet, data: TCallerData): Promise<{ calls: number; recordingBytes: number }> {
  let recordingBytes = 0;
  for (const call of data.calls) {
    if (!call.recordingPath) continue;
    const store = call.recordingStorage === "s3" ? stores.s3 : stores.local;
    recordingBytes += (await store?.size(call.recordingPath)) ?? 0;
  }
  return { calls: data.calls.length, recordingBytes };
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export function readmeText(input: { teamName: string; generatedAt: Date; calls: number; recordings: number; missing: number; messages: number }): string {
  return [
    `Personal data held by ${input.teamName} about one phone number`,
    `Generated ${input.generatedAt.toISOString()} (UTC).`,
    "",
    "Files",
    "- caller-data.json: everything held about the number: each call (times, the business number called,",
    "  the agent, outcome, the post-call analysis: summary, sentiment, topic; the fields the agent captured;",
    "  the full transcript with who spoke when; the call's events such as transfers and keypad presses),",
    "  and the messages the agent took (name, callback number, message text).",
    "- recordings/<call id>.wav: the audio recording of that call, where one was made (WAV, 8 kHz).",
    "  caller-data.json names each call's file under calls[].recording_file.",
    "- README.txt: this file.",
    "",
    `This export holds ${input.calls} call(s), ${input.recordings} recording(s) and ${input.messages} message(s).`,
    input.missing > 0 ? `${input.missing} recording(s) listed in caller-data.json could not be read from storage and are not included.` : "",
    "Times are ISO 8601 in UTC; *_ms values are milliseconds from the start of the call.",
    "",
  ]
    .filter((line, i, all) => line !== "" || all[i - 1] !== "")
    .join("\n");
}

export async function buildCallerExport(
  db: DbOrTx,
  stores: TRecordingStoreSet,
  team: { id: string; name: string },
  subject: TCallerSubject,
  now = new Date(),
): Promise<{ zip: Buffer; counts: { calls: number; recordings: number; messages: number; missing_recordings: number } }> {
  const data = await findCallerData(db, team.id, subject);
  const entries: TZipEntry[] = [];
  let recordings = 0;
  let missing = 0;
  const document = callerDataDocument(data, team, now);
  for (const [i, call] of data.calls.entries()) {
    if (!call.recordingPath) continue;
    const store = call.recordingStorage === "s3" ? stores.s3 : stores.local;
    const read = store ? await store.read(call.recordingPath) : null;
    if (!read || read.kind !== "ok") {
      missing += 1;
      const listed = document.calls[i];
      if (listed) listed.recording_file = null;
      continue;
    }
    entries.push({ name: `recordings/${call.id}.wav`, data: await readAll(read.body), date: call.startedAt, compress: false });
    recordings += 1;
  }
  entries.unshift(
    { name: "README.txt", data: Buffer.from(readmeText({ teamName: team.name, generatedAt: now, calls: data.calls.length, recordings, missing, messages: data.messages.length })), date: now },
    { name: "caller-data.json", data: Buffer.from(JSON.stringify(document, null, 2)), date: now },
  );
  return { zip: createZip(entries), counts: { calls: data.calls.length, recordings, messages: data.messages.length, missing_recordings: missing } };
}
