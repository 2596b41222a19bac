import { z } from "zod";

// The agent's editable settings. The draft lives on `agents.config`; publishing freezes this together with the
// knowledge entries and departments into `agent_versions.snapshot` (see TAgentSnapshot), which live calls read.

const ZTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use HH:MM (24-hour)");

export const ZBusinessHours = z.object({
  isEnabled: z.boolean().default(false),
  timeZone: z.string().min(1).default("UTC"),
  // 0 = Sunday ... 6 = Saturday; a day with no window is closed.
  weekly: z
    .array(z.object({ day: z.number().int().min(0).max(6), open: ZTimeOfDay, close: ZTimeOfDay }))
    .default([]),
  afterHours: z.enum(["take_message", "hang_up"]).default("take_message"),
  afterHoursMessage: z.string().max(500).default("We're closed right now."),
});

export const ZCaptureField = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "Lowercase letters, digits and underscores, starting with a letter"),
  label: z.string().min(1).max(80),
  description: z.string().max(300).default(""),
});

// Whether calls answered by the agent are recorded. ask_consent: the caller is asked and only a yes (said, or 1
// pressed) records; the live call handles it (voice-server/session). Any mode that may record needs a disclosure.
export const RECORDING_MODES = ["record", "do_not_record", "ask_consent"] as const;
export type TRecordingMode = (typeof RECORDING_MODES)[number];

export const ZAgentConfig = z.object({
  systemPrompt: z.string().max(20_000).default(""),
  greeting: z.string().min(1, "A greeting is required").max(500),
  disclosure: z.string().max(500).default(""),
  // Agents made before recording modes were recorded, as every call was: "record" keeps that.
  recordingMode: z.enum(RECORDING_MODES).default("record"),
  language: z.string().min(2).max(10).default("en-US"),
  voice: z.string().min(1).max(80).default("default"),
  businessHours: ZBusinessHours.default({
    isEnabled: false,
    timeZone: "UTC",
    weekly: [],
    afterHours: "take_message",
    afterHoursMessage: "We're closed right now.",
  }),
  // Minimum caller speech (ms) over the agent before it stops talking ("agent speaking").
  interruptionMinSpeechMs: z.coerce.number().int().min(50).max(2000).default(200),
  // Caller speech (ms) after the agent decided to answer but before its audio started that drops the reply and
  // keeps listening ("agent thinking"). Shorter than the above: no agent audio can echo back yet. 40 ms is the
  // VAD's first confirmed speech (two 20 ms frames), so a caller going on just before the reply is heard is caught.
  thinkingInterruptionMinSpeechMs: z.coerce.number().int().min(20).max(2000).default(40),
  // After an "uh-huh", "okay" or a noise over the agent, say the interrupted sentence again instead of answering.
  shouldResumeAfterBackchannel: z.boolean().default(true),
  // Acknowledgements in the agent's language that never count as an interruption, on top of the language's
  // defaults (voice-server/turn-taking/languages.ts).
  backchannelPhrases: z.array(z.string().trim().min(1).max(40)).max(50).default([]),
  // Silence (ms) after the caller stops before the agent answers: the most it waits. Turns that read as
  // complete are answered sooner (voice-server/turn-taking/endpointing.ts).
  endpointingSilenceMs: z.coerce.number().int().min(100).max(3000).default(500),
  maxCallDurationSec: z.coerce.number().int().min(30).max(4 * 3600).default(1800),
  silenceTimeoutSec: z.coerce.number().int().min(5).max(600).default(30),
  captureFields: z.array(ZCaptureField).max(20).default([]),
  // Returning callers: greet by first name and mention an open request (lib/callers/caller-context.ts).
  // Optional so versions published before the option read as "on"; false turns it off.
  isPersonalizationEnabled: z.boolean().optional(),
  // VIP callers (flagged on their caller page) go straight to this department, during business hours. "" = off.
  vipDepartmentId: z.string().max(100).optional(),
});
export type TAgentConfig = z.infer<typeof ZAgentConfig>;

export const ZKnowledgeItem = z.object({
  id: z.string(),
  kind: z.enum(["qa", "document"]),
  title: z.string(), // the question for Q&A entries, the document name otherwise
  content: z.string(), // the answer, or the document text
});
export type TKnowledgeItem = z.infer<typeof ZKnowledgeItem>;

export const ZDepartment = z.object({
  id: z.string(),
  name: z.string(),
  phoneNumber: z.string(),
  whenToTransfer: z.string(),
});
export type TDepartment = z.infer<typeof ZDepartment>;

// What a live call may know about a returning caller (lib/callers/caller-context.ts). Caller ID can be spoofed, so
// it is only what may be said back to whoever holds the number: the name on file and whether a request is open.
export const ZCallerContext = z.object({
  firstName: z.string().nullable(),
  openRequestAt: z.string().nullable(), // ISO time of the oldest open message
});
export type TCallerContext = z.infer<typeof ZCallerContext>;

// What a published version freezes: everything a live call needs, with no further lookups.
export const ZAgentSnapshot = z.object({
  agentName: z.string(),
  teamName: z.string(),
  config: ZAgentConfig,
  knowledge: z.array(ZKnowledgeItem),
  departments: z.array(ZDepartment),
  // Never stored in a version: added per call, for a returning caller, when the stream starts.
  caller: ZCallerContext.optional(),
});
export type TAgentSnapshot = z.infer<typeof ZAgentSnapshot>;
