import { and, eq, gte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { callEvents } from "@/db/schema";

// Third parties that receive a team's call data (sub-processors, in GDPR terms), derived from what this deployment
// is configured with and from what the team's recent calls actually used (each call's stream_started event names
// its speech, language and voice providers), so a provider configured only on the voice server is listed too.

export const PROCESSOR_KEYS = ["twilio", "deepgram", "gemini", "smallest", "s3"] as const;
export type TProcessorKey = (typeof PROCESSOR_KEYS)[number];

export type TProcessor = { key: TProcessorKey; name: string; receives: string; purpose: string };

export type TProcessorEnv = {
  TWILIO_ACCOUNT_SID?: string;
  DEEPGRAM_API_KEY?: string;
  GEMINI_API_KEY?: string;
  SMALLEST_API_KEY?: string;
  S3_BUCKET?: string;
  S3_ENDPOINT?: string;
  S3_REGION: string;
};

// The local Twilio sandbox (development) is not a third party.
const SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000";

export function configuredProcessors(e: TProcessorEnv): TProcessorKey[] {
  const keys: TProcessorKey[] = [];
  if (e.TWILIO_ACCOUNT_SID && e.TWILIO_ACCOUNT_SID !== SANDBOX_ACCOUNT_SID) keys.push("twilio");
  if (e.DEEPGRAM_API_KEY) keys.push("deepgram");
  if (e.GEMINI_API_KEY) keys.push("gemini");
  if (e.SMALLEST_API_KEY) keys.push("smallest");
  if (e.S3_BUCKET) keys.push("s3");
  return keys;
}

// Provider names as the voice server records them (voice-server/providers/*): local ones are not third parties.
const PROVIDER_NAMES: Record<string, TProcessorKey> = { deepgram: "deepgram", gemini: "gemini", smallest: "smallest" };

export async function processorsUsedByCalls(db: Db, teamId: string, since: Date): Promise<TProcessorKey[]> {
  const rows = await db
    .selectDistinct({ name: sql<string>`p.value` })
    .from(callEvents)
    .innerJoin(sql`jsonb_each_text(coalesce(${callEvents.data}->'providers', '{}'::jsonb)) as p`, sql`true`)
    .where(and(eq(callEvents.teamId, teamId), eq(callEvents.name, "stream_started"), gte(callEvents.createdAt, since)));
  const keys = new Set<TProcessorKey>();
  for (const row of rows) {
    const key = PROVIDER_NAMES[row.name];
    if (key) keys.add(key);
  }
  return [...keys];
}

export function describeProcessors(keys: Iterable<TProcessorKey>, e: Pick<TProcessorEnv, "S3_ENDPOINT" | "S3_REGION">): TProcessor[] {
  const set = new Set(keys);
  const s3Host = e.S3_ENDPOINT ? new URL(e.S3_ENDPOINT).host : null;
  const all: Record<TProcessorKey, Omit<TProcessor, "key">> = {
    twilio: {
      name: "Twilio Inc. (telephony)",
      receives: "the call's audio, both phone numbers, call times; voicemail recordings while they are fetched",
      purpose: "connecting and carrying the phone call",
    },
    deepgram: {
      name: "Deepgram, Inc. (speech recognition)",
      receives: "the caller's voice audio during the call",
      purpose: "turning speech into text so the assistant can answer",
    },
    gemini: {
      name: "Google LLC, Gemini API (language model)",
      receives: "the conversation text during the call, and the redacted transcript after it",
      purpose: "composing the assistant's replies, and summarizing and classifying the call",
    },
    smallest: {
      name: "Smallest.ai (speech synthesis)",
      receives: "the assistant's reply text",
      purpose: "speaking the assistant's replies",
    },
    s3: {
      name: s3Host ? `Object storage at ${s3Host}` : `Amazon Web Services S3 (${e.S3_REGION})`,
      receives: "call recordings, already encrypted with the business's key",
      purpose: "storing recordings",
    },
  };
  return PROCESSOR_KEYS.filter((k) => set.has(k)).map((key) => ({ key, ...all[key] }));
}
