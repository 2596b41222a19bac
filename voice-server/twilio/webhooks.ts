import type { IncomingMessage } from "node:http";
import { and, eq, sql } from "drizzle-orm";
import twilio from "twilio";
import { z } from "zod";
import type { Db } from "@/db/client";
import { calls } from "@/db/schema";
import { isAfterHoursNow } from "@/lib/agents/business-hours";
import type { TAgentSnapshot } from "@/lib/agents/config";
import { countActiveCalls } from "@/lib/calls/count-active-calls";
import { createCall } from "@/lib/calls/create-call";
import { appendCallEvent } from "@/lib/calls/append-event";
import { applyTwilioCallStatus, finalizeCall } from "@/lib/calls/finalize-call";
import { resolveInboundRoute } from "@/lib/calls/resolve-inbound-call";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { findCallerByNumber, syncCallerForCall } from "@/lib/callers/sync-caller";
import { snapshotForCaller } from "@/lib/callers/caller-context";
import type { Caller } from "@/db/schema";
import { checkTransferDestination, loadTransferPolicy } from "@/lib/telephony/transfer-policy";
import type { TSavedRecording } from "@/lib/recordings/save-recording";
import { AppError } from "@/lib/errors";
import { downloadTwilioRecording } from "@/lib/recordings/twilio-recording";
import type { TTwilioCredentialResolver } from "@/lib/twilio/credentials";
import type { TLogger } from "@/voice-server/observability/log";
import type { TVoiceMetrics } from "@/voice-server/observability/metrics";
import type { TAdmissionGate } from "@/voice-server/admission/admission-gate";
import type { TDeferredWork } from "@/voice-server/admission/deferred-work";
import { connectStream, dialNumber, emptyResponse, sayAndHangUp, sayAndRecord } from "./twiml";

// Twilio's HTTP webhooks. Each one checks X-Twilio-Signature (over our public URL, with the token of the
// account named in the body) before it reads anything else.

export type TWebhookResult = { status: number; body: string; contentType?: string };

export type TWebhookContext = {
  db: Db;
  publicUrl: string;
  wsPublicUrl: string;
  credentials: TTwilioCredentialResolver;
  metrics: TVoiceMetrics;
  log: TLogger;
  now: () => Date;
  isDraining: () => boolean;
  // Admission control: absent when every limit is off.
  admission?: TAdmissionGate;
  // Work no live call waits for (voicemails, a refused call's caller entry, post-call hooks), a few jobs at a time.
  deferred: TDeferredWork;
  // Voicemail audio is downloaded from Twilio and kept as the call's recording. Absent (recording off, or a
  // sandbox with no REST API to fetch from): the message keeps Twilio's URL.
  voicemail?: {
    apiBaseUrl: string;
    save(input: { teamId: string; callId: string; bytes: Uint8Array; atMs: number }): Promise<TSavedRecording>;
  };
  // Told when a call is admitted to an agent: its greeting can be synthesized before Twilio opens the stream.
  onCallAdmitted?: (input: { agentVersionId: string; snapshot: TAgentSnapshot; isAfterHours: boolean }) => void;
  // Told after a webhook finalized a call (the voicemail): rollups, analysis, outbound webhooks.
  onCallFinalized?: (call: { teamId: string; callId: string }) => Promise<void> | void;
};

const MESSAGES = {
  notInService: "Sorry, the number you have called is not in service. Goodbye.",
  noAgent: "Sorry, no one is available to take your call right now. Please try again later. Goodbye.",
  busy: "All our lines are busy right now. Please leave your name, your phone number and a short message after the tone, and we'll call you back.",
  draining: "Sorry, we can't take your call right this moment. Please call back in a minute. Goodbye.",
  voicemailThanks: "Thank you. Your message has been recorded. Goodbye.",
  technical: "Sorry, we're having technical difficulties. Please call back in a few minutes. Goodbye.",
  blocked: "Sorry, we are not able to take your call. Goodbye.",
};

const MAX_BODY_BYTES = 64 * 1024;

// Twilio's forms are a few KB. A bigger body is refused with 413 (server.ts maps the AppError) as soon as the
// declared or streamed size passes the limit, before its signature is checked.
export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const tooLarge = () => new AppError("payload_too_large", `Request body over ${MAX_BODY_BYTES / 1024} KB`);
  if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) params[key] = value;
  return params;
}

const twiml = (body: string): TWebhookResult => ({ status: 200, body, contentType: "text/xml" });
const forbidden = (): TWebhookResult => ({ status: 403, body: "Forbidden", contentType: "text/plain" });

// The account's token for a signed request, or null when the signature is missing or wrong.
export async function verifyTwilioSignature(
  ctx: Pick<TWebhookContext, "credentials">,
  input: { signature: string | undefined; url: string; params: Record<string, string>; accountSid: string | undefined },
) {
  if (!input.signature || !input.accountSid) return null;
  const account = await ctx.credentials.resolve(input.accountSid);
  if (!account) return null;
  return twilio.validateRequest(account.authToken, input.signature, input.url, input.params) ? account : null;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function verified(ctx: TWebhookContext, req: IncomingMessage, params: Record<string, string>) {
  return verifyTwilioSignature(ctx, {
    signature: header(req, "x-twilio-signature"),
    url: ctx.publicUrl + (req.url ?? "/"),
    params,
    accountSid: params.AccountSid,
  });
}

const ZVoiceWebhook = z.object({
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{32}$/),
  From: z.string().max(64).default(""),
  To: z.string().min(1).max(64),
});

// POST /twilio/voice - an incoming call: route it to the team's published agent, or explain why not.
export async function handleVoiceWebhook(ctx: TWebhookContext, req: IncomingMessage): Promise<TWebhookResult> {
  const params = await readForm(req);
  const account = await verified(ctx, req, params);
  if (!account) {
    ctx.metrics.webhooks.inc({ route: "voice", result: "forbidden" });
    return forbidden();
  }
  const parsed = ZVoiceWebhook.safeParse(params);
  if (!parsed.success) {
    ctx.metrics.webhooks.inc({ route: "voice", result: "bad_request" });
    return twiml(sayAndHangUp(MESSAGES.notInService));
  }
  const outcome = { isReserved: false, isConnected: false };
  try {
    return await routeCall(ctx, parsed.data, outcome);
  } catch (error) {
    // Whatever broke, the caller hears a sentence, not Twilio's "application error".
    ctx.log.error("voice webhook failed", { error, callSid: parsed.data.CallSid });
    ctx.metrics.errors.inc({ stage: "webhook", kind: "internal" });
    return twiml(sayAndHangUp(MESSAGES.technical));
  } finally {
    // The place admission control kept for this call, unless the call is on its way to a stream.
    if (outcome.isReserved && !outcome.isConnected) ctx.admission?.release();
  }
}

async function routeCall(
  ctx: TWebhookContext,
  input: z.infer<typeof ZVoiceWebhook>,
  outcome: { isReserved: boolean; isConnected: boolean },
): Promise<TWebhookResult> {
  const { AccountSid: accountSid, CallSid: callSid, From: from, To: to } = input;
  if (ctx.isDraining()) {
    ctx.metrics.webhooks.inc({ route: "voice", result: "draining" });
    return twiml(sayAndHangUp(MESSAGES.draining));
  }
  // Asked before anything else costs this process work. Calls it holds are not affected either way. In a burst the
  // webhook may wait its turn behind the setups in flight (admission-gate.ts).
  const refusal = ctx.admission ? await ctx.admission.admit() : null;
  outcome.isReserved = !!ctx.admission && !refusal;
  if (refusal && ctx.admission?.refuseWith === "unavailable") {
    // For Twilio to try the number's fallback URL (another instance); see the README on admission control.
    ctx.metrics.webhooks.inc({ route: "voice", result: "at_capacity_503" });
    return { status: 503, body: "At capacity", contentType: "text/plain" };
  }
  const route = await resolveInboundRoute(ctx.db, { toE164: to, accountSid });
  if (!route) {
    ctx.metrics.webhooks.inc({ route: "voice", result: "unknown_number" });
    return twiml(sayAndHangUp(MESSAGES.notInService));
  }
  const base = {
    teamId: route.teamId,
    agentId: route.agentId,
    agentVersionId: route.agentVersionId,
    phoneNumberId: route.phoneNumberId,
    twilioCallSid: callSid,
    direction: "inbound" as const,
    fromNumber: from,
    toNumber: to,
  };
  const now = ctx.now();
  // Every call keeps its caller's entry up to date; the entry's flags decide the routing below.
  const recordCaller = (callId: string) =>
    syncCallerForCall(ctx.db, { teamId: route.teamId, callId }).catch((error: unknown) =>
      ctx.log.warn("caller entry not updated", { error, callId }),
    );
  const caller = await findCallerByNumber(ctx.db, { teamId: route.teamId, e164: from }).catch((error: unknown) => {
    ctx.log.warn("caller lookup failed; routing as a new caller", { error, teamId: route.teamId });
    return null;
  });
  if (caller?.isBlocked) {
    // A polite refusal from Twilio's own voice: no agent, no media stream, no line held. The call is still
    // recorded, so the caller page shows the attempt.
    const call = await createCall(ctx.db, { ...base, status: "completed", endedAt: now, endReason: "caller_blocked" });
    await recordCaller(call.id);
    ctx.metrics.webhooks.inc({ route: "voice", result: "blocked" });
    return twiml(sayAndHangUp(MESSAGES.blocked));
  }
  if (!route.snapshot || !route.agentVersionId) {
    const call = await createCall(ctx.db, {
      ...base,
      status: "completed",
      endedAt: now,
      endReason: "no_published_agent",
      outcome: "failed",
    });
    await recordCaller(call.id);
    ctx.metrics.webhooks.inc({ route: "voice", result: "no_agent" });
    return twiml(sayAndHangUp(MESSAGES.noAgent));
  }
  const hours = route.snapshot.config.businessHours;
  const isAfterHours = isAfterHoursNow(hours, now, (error) =>
    ctx.log.warn("business hours could not be evaluated; treating as open", { teamId: route.teamId, error }),
  );
  if (isAfterHours && hours.afterHours === "hang_up") {
    const call = await createCall(ctx.db, { ...base, status: "completed", endedAt: now, endReason: "after_hours" });
    await recordCaller(call.id);
    ctx.metrics.webhooks.inc({ route: "voice", result: "after_hours" });
    return twiml(sayAndHangUp(`${hours.afterHoursMessage.trim()} Goodbye.`));
  }
  if (caller?.isVip && !isAfterHours) {
    const direct = await vipRoute(ctx, route.teamId, route.snapshot, caller);
    if (direct) {
      const call = await createCall(ctx.db, {
        ...base,
        status: "completed",
        endedAt: now,
        endReason: "vip_direct",
        outcome: "transferred",
        transferredTo: direct.e164,
      });
      await recordCaller(call.id);
      ctx.metrics.webhooks.inc({ route: "voice", result: "vip_direct" });
      return twiml(dialNumber(direct.e164, to || undefined));
    }
  }

  if (refusal) {
    // Refused by this process's headroom: the call's record and nothing more on the webhook (no team lock, no count
    // of the team's lines); its caller entry is deferred work. A retried webhook gets its first answer's record.
    const call = await createCall(ctx.db, { ...base, status: "completed", endedAt: now, endReason: "lines_busy" });
    if (call.endReason === "lines_busy") {
      ctx.deferred.defer("caller entry update", () => recordCaller(call.id));
      ctx.metrics.webhooks.inc({ route: "voice", result: "at_capacity_busy" });
      return twiml(sayAndRecord(MESSAGES.busy, recordingAction(ctx, call.id, route.teamId)));
    }
  }

  // Counting and inserting under a per-team lock, so two calls arriving together cannot both take the last line.
  const admitted = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"calls:" + route.teamId}))`);
    const [existing] = await tx
      .select()
      .from(calls)
      .where(and(eq(calls.twilioCallSid, callSid), eq(calls.teamId, route.teamId)))
      .limit(1);
    if (existing) return { call: existing, isBusy: existing.endReason === "lines_busy" };
    // This server has no headroom: to the caller, the same as the team's lines all being busy.
    const active = refusal ? 0 : await countActiveCalls(tx, route.teamId, now);
    if (refusal || active >= route.concurrentCallLimit) {
      const call = await createCall(tx, { ...base, status: "completed", endedAt: now, endReason: "lines_busy" });
      return { call, isBusy: true };
    }
    return { call: await createCall(tx, { ...base, status: "ringing", startedAt: now }), isBusy: false };
  });
  await recordCaller(admitted.call.id);
  if (admitted.isBusy) {
    ctx.metrics.webhooks.inc({ route: "voice", result: refusal ? "at_capacity_busy" : "busy" });
    return twiml(sayAndRecord(MESSAGES.busy, recordingAction(ctx, admitted.call.id, route.teamId)));
  }
  ctx.metrics.webhooks.inc({ route: "voice", result: isAfterHours ? "after_hours_agent" : "connected" });
  outcome.isConnected = true;
  if (ctx.onCallAdmitted) {
    // The greeting is synthesized while Twilio opens the stream: for a returning caller, the one that names them.
    const snapshot = caller
      ? await snapshotForCaller(ctx.db, {
          snapshot: route.snapshot,
          teamId: route.teamId,
          fromNumber: from,
          isTest: false,
          direction: "inbound",
          callId: admitted.call.id,
          now,
        }).catch(() => route.snapshot!)
      : route.snapshot;
    ctx.onCallAdmitted({ agentVersionId: route.agentVersionId, snapshot, isAfterHours });
  }
  return twiml(
    // The call's ids are in the stream's path too (Twilio signs it): a stream that breaks before its `start`
    // still names the call to fail.
    connectStream(`${ctx.wsPublicUrl}/twilio/media/${accountSid}/${route.teamId}/${admitted.call.id}`, {
      callId: admitted.call.id,
      teamId: route.teamId,
      afterHours: isAfterHours ? "1" : "0",
    }),
  );
}

function recordingAction(ctx: TWebhookContext, callId: string, teamId: string): string {
  return `${ctx.publicUrl}/twilio/recording-done?callId=${callId}&teamId=${teamId}`;
}

// The department a VIP caller goes straight to (the agent's option), checked against the team's transfer rules
// like any transfer. Null: the agent answers as usual.
async function vipRoute(
  ctx: TWebhookContext,
  teamId: string,
  snapshot: TAgentSnapshot,
  caller: Caller,
): Promise<{ e164: string } | null> {
  const departmentId = snapshot.config.vipDepartmentId;
  if (!departmentId) return null;
  const department = snapshot.departments.find((d) => d.id === departmentId);
  if (!department) return null;
  const check = checkTransferDestination(department.phoneNumber, (await loadTransferPolicy(ctx.db, teamId)).countries);
  if (!check.ok) {
    ctx.log.warn("VIP department refused by the transfer rules; the agent answers", {
      teamId,
      callerId: caller.id,
      reason: check.reason,
    });
    return null;
  }
  return { e164: check.e164 };
}

// POST /twilio/status - call status callbacks (the number's StatusCallback): final status and duration.
export async function handleStatusWebhook(ctx: TWebhookContext, req: IncomingMessage): Promise<TWebhookResult> {
  const params = await readForm(req);
  const account = await verified(ctx, req, params);
  if (!account) {
    ctx.metrics.webhooks.inc({ route: "status", result: "forbidden" });
    return forbidden();
  }
  const callSid = params.CallSid;
  const callStatus = params.CallStatus;
  if (!callSid || !callStatus)
    return { status: 400, body: "CallSid and CallStatus are required", contentType: "text/plain" };
  const duration = params.CallDuration !== undefined ? Number(params.CallDuration) : undefined;
  const isKnown = await applyTwilioCallStatus(ctx.db, {
    accountSid: params.AccountSid,
    callSid,
    callStatus,
    callDurationSec: duration !== undefined && Number.isFinite(duration) ? duration : undefined,
    at: ctx.now(),
  });
  ctx.metrics.webhooks.inc({ route: "status", result: isKnown ? "applied" : "unknown_call" });
  return { status: 204, body: "" };
}

// POST /twilio/recording-done - the voicemail left when every line was busy becomes a message for the team.
export async function handleRecordingWebhook(ctx: TWebhookContext, req: IncomingMessage): Promise<TWebhookResult> {
  const params = await readForm(req);
  const account = await verified(ctx, req, params);
  if (!account) {
    ctx.metrics.webhooks.inc({ route: "recording", result: "forbidden" });
    return forbidden();
  }
  const query = new URL(req.url ?? "/", "http://local").searchParams;
  const callId = query.get("callId") ?? "";
  const teamId = query.get("teamId") ?? "";
  if (account.teamId && account.teamId !== teamId) return forbidden();
  return twiml(await storeVoicemail(ctx, account, params, { callId, teamId }));
}

// The voicemail's download waits here; the writes are deferred work: nobody on a live call waits for them, and they
// can come by the hundred when a burst was refused. Twilio waits for the answer (up to 15 s), the caller for its goodbye.
async function storeVoicemail(
  ctx: TWebhookContext,
  account: { accountSid: string; authToken: string },
  params: Record<string, string>,
  ids: { callId: string; teamId: string },
): Promise<string> {
  const { callId, teamId } = ids;
  const [call] =
    /^[0-9a-f-]{36}$/i.test(callId) && /^[0-9a-f-]{36}$/i.test(teamId)
      ? await ctx.db
          .select()
          .from(calls)
          .where(and(eq(calls.id, callId), eq(calls.teamId, teamId), eq(calls.twilioCallSid, params.CallSid ?? "")))
          .limit(1)
      : [];
  if (!call) {
    ctx.metrics.webhooks.inc({ route: "recording", result: "unknown_call" });
    return emptyResponse();
  }
  const rawDuration = Number(params.RecordingDuration ?? 0);
  const durationSec = Number.isFinite(rawDuration) ? Math.max(0, rawDuration) : 0;
  const recordingUrl = params.RecordingUrl ?? "";
  const hasMessage = !!recordingUrl && durationSec > 0;
  const audio =
    hasMessage && !call.recordingPath
      ? await downloadVoicemail(
          ctx,
          { accountSid: account.accountSid, authToken: account.authToken },
          call,
          recordingUrl,
          durationSec,
        )
      : null;
  return ctx.deferred.run(async () => {
    const saved = audio ? await saveVoicemail(ctx, call, audio) : null;
    if (hasMessage) {
      const seconds = Math.round(durationSec);
      await takeCallerMessage(ctx.db, {
        teamId: call.teamId,
        callId: call.id,
        agentId: call.agentId,
        callerName: "",
        callbackNumber: call.fromNumber,
        kind: "voicemail",
        message:
          saved || call.recordingPath
            ? `Voicemail (${seconds} s), left while all lines were busy. Play it on the call's page.`
            : `Voicemail (${seconds} s), left while all lines were busy: ${recordingUrl}`,
      });
    }
    await finalizeCall(ctx.db, {
      teamId: call.teamId,
      callId: call.id,
      status: "completed",
      outcome: hasMessage ? "message_taken" : "abandoned",
      endReason: "lines_busy",
      endedAt: ctx.now(),
      durationSec: durationSec,
      recordingPath: saved?.path ?? null,
      recordingStorage: saved?.storage,
    });
    ctx.metrics.webhooks.inc({ route: "recording", result: "stored" });
    if (ctx.onCallFinalized) {
      const onCallFinalized = ctx.onCallFinalized;
      ctx.deferred.defer("call finalized hook", async () => onCallFinalized({ teamId: call.teamId, callId: call.id }));
    }
    return sayAndHangUp(MESSAGES.voicemailThanks);
  });
}

// The voicemail's audio from Twilio. A failure leaves the message with Twilio's URL and puts an error on the call's
// timeline.
async function downloadVoicemail(
  ctx: TWebhookContext,
  account: { accountSid: string; authToken: string },
  call: { id: string; teamId: string },
  recordingUrl: string,
  durationSec: number,
): Promise<{ bytes: Uint8Array; atMs: number } | null> {
  if (!ctx.voicemail) return null;
  const atMs = Math.round(durationSec * 1000);
  try {
    return {
      bytes: await downloadTwilioRecording({ recordingUrl, ...account, apiBaseUrl: ctx.voicemail.apiBaseUrl }),
      atMs,
    };
  } catch (error) {
    await voicemailNotSaved(ctx, call, atMs, error);
    return null;
  }
}

// The downloaded audio into the recording store; on failure, as for a failed download.
async function saveVoicemail(
  ctx: TWebhookContext,
  call: { id: string; teamId: string },
  audio: { bytes: Uint8Array; atMs: number },
): Promise<TSavedRecording | null> {
  try {
    return await ctx.voicemail!.save({ teamId: call.teamId, callId: call.id, ...audio });
  } catch (error) {
    await voicemailNotSaved(ctx, call, audio.atMs, error);
    return null;
  }
}

async function voicemailNotSaved(
  ctx: TWebhookContext,
  call: { id: string; teamId: string },
  atMs: number,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  ctx.log.warn("voicemail recording not saved; keeping Twilio's URL", { callId: call.id, error: message });
  ctx.metrics.errors.inc({ stage: "recording", kind: "voicemail_failed" });
  await appendCallEvent(ctx.db, {
    teamId: call.teamId,
    callId: call.id,
    atMs,
    kind: "error",
    name: "voicemail_download_failed",
    data: { stage: "recording", kind: "voicemail_failed", message: message.slice(0, 500) },
  }).catch((eventError: unknown) => ctx.log.warn("could not record the voicemail error", { error: eventError }));
}
