import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { agents, type Agent } from "@/db/schema";
import { recordAudit, type TAuditActor } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { isValidTimeZone } from "./business-hours";
import { RECORDING_MODES, ZAgentConfig, ZBusinessHours, ZCaptureField, type TAgentConfig } from "./config";
import { normalizeConfig } from "./draft-snapshot";
import { getAgent } from "./get-agent";
import { shorten } from "./knowledge";
import { LANGUAGE_OPTIONS } from "./options";

// Form-shaped inputs (every value arrives as a string). Each section of the builder saves one of these.

const intIn = (label: string, min: number, max: number, unit: string) =>
  z.coerce
    .number({ error: `Enter ${label}` })
    .int("Use a whole number")
    .min(min, `At least ${min} ${unit}`)
    .max(max, `At most ${max} ${unit}`);

export const ZAgentSettingsInput = z.object({
  name: z.string().trim().min(1, "Give the agent a name").max(80, "Use at most 80 characters"),
  systemPrompt: z.string().trim().max(20_000, "Use at most 20,000 characters").transform((s) => s.replace(/\r\n?/g, "\n")),
  greeting: z.string().trim().min(1, "A greeting is required: it is the first thing callers hear").max(500, "Use at most 500 characters"),
  disclosure: z.string().trim().max(500, "Use at most 500 characters").default(""),
  recordingMode: z.enum(RECORDING_MODES, { error: "Pick a recording setting from the list" }).default("record"),
  language: z.enum(LANGUAGE_OPTIONS.map((l) => l.code) as [string, ...string[]], { error: "Pick a language from the list" }),
  voice: z.string().trim().min(1, "Pick a voice").max(80),
  interruptionMinSpeechMs: intIn("a number of milliseconds", 50, 2000, "ms"),
  endpointingSilenceMs: intIn("a number of milliseconds", 100, 3000, "ms"),
  // Optional so that a form without them (an older page) leaves the saved values alone.
  thinkingInterruptionMinSpeechMs: intIn("a number of milliseconds", 20, 2000, "ms").optional(),
  shouldResumeAfterBackchannel: z
    .enum(["true", "false"], { error: "Pick what the agent does after an “uh-huh”" })
    .transform((v) => v === "true")
    .optional(),
  backchannelPhrases: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const phrases = [...new Set(raw.split(/[\n,]/).map((p) => p.trim().replace(/\s+/g, " ")).filter(Boolean))];
      const long = phrases.find((p) => p.length > 40);
      if (long) ctx.addIssue({ code: "custom", message: `“${long.slice(0, 20)}…” is too long: keep each phrase under 40 characters` });
      if (phrases.length > 50) ctx.addIssue({ code: "custom", message: "At most 50 phrases" });
      return phrases;
    }),
  maxCallDurationMin: intIn("a number of minutes", 1, 240, "minutes"),
  silenceTimeoutSec: intIn("a number of seconds", 5, 600, "seconds"),
});
export type TAgentSettingsInput = z.infer<typeof ZAgentSettingsInput>;

// Lists edited in the browser arrive as one JSON field; a broken payload reads as an empty list's error.
function jsonField<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .default("[]")
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "The list could not be read. Reload the page and try again." });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const ZCaptureFieldsInput = z.object({
  captureFields: jsonField(
    z
      .array(ZCaptureField.extend({ label: z.string().trim().min(1, "Enter a label").max(80, "Use at most 80 characters") }))
      .max(20, "At most 20 fields")
      .superRefine((fields, ctx) => {
        const seen = new Set<string>();
        fields.forEach((f, i) => {
          if (seen.has(f.key)) ctx.addIssue({ code: "custom", path: [i, "key"], message: `The key "${f.key}" is used twice` });
          seen.add(f.key);
        });
      }),
  ),
});
export type TCaptureFieldsInput = z.infer<typeof ZCaptureFieldsInput>;

export const ZBusinessHoursInput = z
  .object({
    isEnabled: z
      .string()
      .optional()
      .transform((v) => v === "on" || v === "true"),
    timeZone: z.string().trim().refine((tz) => isValidTimeZone(tz), "Pick a time zone from the list"),
    weekly: jsonField(ZBusinessHours.shape.weekly.unwrap().max(28, "At most 28 opening windows")),
    afterHours: z.enum(["take_message", "hang_up"], { error: "Pick what happens after hours" }),
    afterHoursMessage: z.string().trim().max(500, "Use at most 500 characters"),
  })
  .superRefine((input, ctx) => {
    if (!input.afterHoursMessage) {
      ctx.addIssue({ code: "custom", path: ["afterHoursMessage"], message: "Write what callers hear when you're closed" });
    }
    if (input.isEnabled && input.weekly.length === 0) {
      ctx.addIssue({ code: "custom", path: ["weekly"], message: "Add opening hours for at least one day, or turn business hours off" });
    }
  });
export type TBusinessHoursInput = z.infer<typeof ZBusinessHoursInput>;

// Returning callers: greeting by name (and the open-request mention), and where VIP callers go.
export const ZCallerOptionsInput = z.object({
  isPersonalizationEnabled: z
    .string()
    .optional()
    .transform((v) => v === "on" || v === "true"),
  vipDepartmentId: z.string().trim().max(100).default(""),
});
export type TCallerOptionsInput = z.infer<typeof ZCallerOptionsInput>;

export function settingsToConfigPatch(input: TAgentSettingsInput): Partial<TAgentConfig> {
  const { name: _name, maxCallDurationMin, ...rest } = input;
  // A field the form did not send keeps its saved value (an undefined would reset it to the default).
  const sent = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<TAgentConfig>;
  return { ...sent, maxCallDurationSec: maxCallDurationMin * 60 };
}

function auditValue(value: unknown): unknown {
  if (typeof value === "string") return shorten(value, 80);
  if (value === null || typeof value !== "object") return value;
  return "(edited)";
}

// Saves to the draft only: live calls keep using the published version until the next publish.
export async function updateAgentDraft(
  db: Db,
  scope: { teamId: string; agentId: string },
  actor: TAuditActor,
  patch: { name?: string; config?: Partial<TAgentConfig> },
): Promise<{ agent: Agent; changedFields: string[] }> {
  const agent = await getAgent(db, scope.teamId, scope.agentId);
  const before = normalizeConfig(agent.config);
  const parsed = ZAgentConfig.safeParse({ ...before, ...patch.config });
  if (!parsed.success) throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "Invalid settings.");
  const after = parsed.data;
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (patch.name !== undefined && patch.name !== agent.name) changes.name = { from: agent.name, to: patch.name };
  for (const key of Object.keys(after) as (keyof TAgentConfig)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      changes[key] = { from: auditValue(before[key]), to: auditValue(after[key]) };
    }
  }
  const changedFields = Object.keys(changes);
  if (changedFields.length === 0) return { agent, changedFields };
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(agents)
      .set({ name: patch.name ?? agent.name, config: after, draftUpdatedAt: new Date() })
      .where(and(eq(agents.id, agent.id), eq(agents.teamId, scope.teamId)))
      .returning();
    if (!updated) throw new AppError("not_found", "That agent does not exist.");
    await recordAudit(tx, {
      teamId: scope.teamId,
      actor,
      action: "agent.updated",
      targetType: "agent",
      targetId: agent.id,
      targetLabel: updated.name,
      metadata: { changes },
    });
    return { agent: updated, changedFields };
  });
}
