import type { TRecordingMode } from "@/lib/agents/config";
import type { TRedactionSettings } from "@/lib/redaction/redact-text";
import type { TProcessor } from "./processors";
import { describePeriod, type TRetentionPeriods } from "./retention-periods";

// What a team's calls collect, where it is kept, for how long and who receives it, from the team's real settings:
// the Data & privacy page shows it as a table, and as text the business can paste into its privacy notice.

export type TPrivacyFacts = {
  teamName: string;
  // Recording modes of the team's live (published) agents.
  recordingModes: TRecordingMode[];
  // Labels of the details the live agents ask callers for.
  captureLabels: string[];
  redaction: TRedactionSettings;
  retention: TRetentionPeriods;
  processors: TProcessor[];
  // Where recordings are kept: the server's disk, or S3 object storage.
  recordingStore: "local" | "s3" | "off";
};

export type TDataMapRow = { data: string; where: string; protection: string; kept: string };

export type TPrivacyNotice = { sections: { heading: string; paragraphs: string[] }[]; dataMap: TDataMapRow[]; text: string };

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function redactedKinds(r: TRedactionSettings): string[] {
  return [
    ...(r.cardNumbers ? ["payment card numbers"] : []),
    ...(r.ssns ? ["Social Security numbers"] : []),
    ...(r.emails ? ["email addresses"] : []),
    ...(r.phoneNumbers ? ["phone numbers you say"] : []),
  ];
}

function recordingSentence(modes: TRecordingMode[], store: TPrivacyFacts["recordingStore"]): string | null {
  const set = new Set(modes);
  if (store === "off" || set.size === 0 || (set.size === 1 && set.has("do_not_record"))) return null;
  if (set.has("record")) return "An audio recording of the call (your voice and the assistant's), as announced at the start of the call.";
  return "An audio recording of the call (your voice and the assistant's), only if you agree when the assistant asks at the start of the call.";
}

export function buildPrivacyNotice(f: TPrivacyFacts): TPrivacyNotice {
  const r = f.retention;
  const recording = recordingSentence(f.recordingModes, f.recordingStore);
  const redacted = redactedKinds(f.redaction);

  const collected = [
    "Your phone number (caller ID), the number you called, and the date, time, length and outcome of the call.",
    "A written transcript of what you and the assistant said.",
    ...(recording ? [recording] : []),
    "Any message you ask us to pass on: your name, a callback number and the message.",
    ...(f.captureLabels.length > 0 ? [`Details the assistant asks you for: ${list(f.captureLabels)}.`] : []),
    "An automated summary of the call, its topic and its tone (positive, neutral or negative).",
  ];
  const protection = [
    ...(redacted.length > 0
      ? [
          `${list(redacted).replace(/^./, (c) => c.toUpperCase())} are removed from transcripts, summaries and notifications before they are stored${recording ? ", and the recording is silenced where they were said" : ""}. They are never stored.`,
        ]
      : []),
    `${recording ? "Recordings, messages" : "Messages"} and the details you give the assistant are encrypted (AES-256-GCM) with a key that belongs to ${f.teamName} alone; deleting our account destroys the key, which makes every copy unreadable.`,
    "Transcripts and call details are kept in a database that only authorized staff of " +
      `${f.teamName} can see after signing in; every change to our settings is logged.`,
  ];
  const kept = [
    `Call details and summaries: ${describePeriod(r.calls)}.`,
    `Transcripts: ${describePeriod(r.transcripts)}.`,
    ...(recording ? [`Recordings: ${describePeriod(r.recordings)}.`] : []),
    `Messages: ${describePeriod(r.messages)}.`,
  ];
  const processors =
    f.processors.length > 0
      ? f.processors.map((p) => `${p.name}: receives ${p.receives}, for ${p.purpose}.`)
      : ["No third party receives your call data: the assistant runs on our service provider's own servers."];

  const sections = [
    { heading: `When you call ${f.teamName}`, paragraphs: [`Your call is answered by an AI assistant on behalf of ${f.teamName}. We collect:`, ...collected] },
    { heading: "How it is protected", paragraphs: protection },
    { heading: "How long we keep it", paragraphs: [...kept, "After that it is deleted automatically."] },
    { heading: "Who receives it", paragraphs: processors },
    {
      heading: "Your rights",
      paragraphs: [
        `You can ask ${f.teamName} for a copy of the data held about your phone number, or for it to be deleted. We answer within 30 days (45 days for California residents).`,
      ],
    },
  ];

  const dataMap: TDataMapRow[] = [
    { data: "Call details (numbers, times, outcome)", where: "Database", protection: "Access control; disk encryption of the database host", kept: describePeriod(r.calls) },
    {
      data: "Transcripts",
      where: "Database (searchable)",
      protection: redacted.length > 0 ? `Not encrypted by the app; ${list(redacted)} redacted before storage` : "Not encrypted by the app",
      kept: describePeriod(r.transcripts),
    },
    {
      data: "Recordings",
      where: recording ? (f.recordingStore === "s3" ? "S3 object storage" : "Server disk") : "Not recorded",
      protection: recording ? `AES-256-GCM with the team's own key${f.recordingStore === "s3" ? ", plus S3 server-side encryption" : ""}; silenced over redacted speech` : "—",
      kept: recording ? describePeriod(r.recordings) : "—",
    },
    {
      data: "Messages (name, callback number, text)",
      where: "Database",
      protection: "AES-256-GCM with the team's own key; text redacted like transcripts",
      kept: describePeriod(r.messages),
    },
    { data: "Captured details", where: "Database", protection: "AES-256-GCM with the team's own key; redacted like transcripts", kept: describePeriod(r.calls) },
    { data: "Summaries and topics", where: "Database (searchable)", protection: "Access control; redacted like transcripts", kept: describePeriod(r.calls) },
    { data: "Webhook deliveries (your own endpoints)", where: "Database", protection: "Signed; redacted like transcripts", kept: describePeriod(r.webhookPayloads) },
  ];

  const text = sections
    .map((s) => [s.heading, ...s.paragraphs.map((p, i) => (s.heading.startsWith("When you call") && i > 0 ? `- ${p}` : p))].join("\n"))
    .join("\n\n");
  return { sections, dataMap, text };
}
