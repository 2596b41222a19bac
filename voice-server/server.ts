import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { WebSocketServer } from "ws";
import type { Db } from "@/db/client";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { createRecordingStores } from "@/lib/recordings/create-stores";
import { saveCallRecording } from "@/lib/recordings/save-recording";
import { createRecordingSealer } from "@/lib/recordings/seal-recording";
import { createRecordingUploader, type TRecordingUploader } from "@/lib/recordings/upload-recordings";
import type { TTwilioClient } from "@/lib/twilio/client";
import { createTwilioClientCache } from "@/lib/twilio/client-cache";
import { createTwilioCredentialResolver, type TTwilioCredentialResolver } from "@/lib/twilio/credentials";
import { isAfterHoursNow } from "@/lib/agents/business-hours";
import { failUnstartedCall } from "@/lib/calls/fail-unstarted-call";
import { CALL_HEARTBEAT_MS, touchLiveCalls } from "@/lib/calls/heartbeat";
import { listRoutedAgentVersions } from "@/lib/calls/resolve-inbound-call";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/observability/metrics";
import { canReadMetrics } from "@/lib/observability/metrics-access";
import { startMetricsServer, type TMetricsServer } from "@/lib/observability/metrics-server";
import { isAppError } from "@/lib/errors";
import { startPeriodic } from "@/lib/process/periodic";
import { createAdmissionGate, type TAdmissionGate } from "./admission/admission-gate";
import { createDeferredWork } from "./admission/deferred-work";
import { startHeadroomMonitor } from "./admission/headroom-monitor";
import type { TVoiceEnv } from "./env";
import { createLogger, type TLogger } from "./observability/log";
import { createVoiceMetrics, type TVoiceMetrics } from "./observability/metrics";
import { providerNames, type TVoiceProviders } from "./providers/registry";
import { warmOpening } from "./session/spoken-lines";
import { AudioCache } from "./session/audio-cache";
import { CallSession } from "./session/call-session";
import type { TCallControl, TSessionServices } from "./session/session-services";
import { FramePacer, type TClock } from "./session/pacer";
import type { TStreamStart } from "./session/transport";
import { TwilioMediaStream } from "./twilio/media-stream";
import {
  handleRecordingWebhook,
  handleStatusWebhook,
  handleVoiceWebhook,
  type TWebhookContext,
  type TWebhookResult,
} from "./twilio/webhooks";
import { createVad, type TVad } from "./vad/vad";
import { handleVoicesRequest } from "./web/voice-previews";
import { handleWebCallUpgrade, WEB_CALL_PATH, type TWebCallContext } from "./web/web-call";
import { EVAL_CALL_PATH, handleEvalCallUpgrade, type TEvalCallContext } from "./evals/eval-call";

// The voice server: plain node:http for Twilio's webhooks, health and metrics, and a `ws` server (noServer)
// for media streams, upgraded only after the stream's signature checks out.

export type TVoiceServerOptions = {
  env: TVoiceEnv;
  db: Db;
  providers: TVoiceProviders;
  // REST client for an account, for live-call control (transfer). Defaults to the twilio SDK with the
  // account's resolved credentials and TWILIO_API_BASE_URL.
  twilioClientFor?: (accountSid: string) => Promise<TTwilioClient | null>;
  clock?: TClock;
  log?: TLogger;
  now?: () => Date;
  createVad?: () => Promise<TVad>;
  onLifecycle?: TSessionServices["onLifecycle"];
  onCallFinalized?: TWebhookContext["onCallFinalized"];
};

export type TVoiceServer = {
  listen(): Promise<{ port: number }>;
  readonly port: number;
  readonly activeCalls: number;
  readonly metrics: TVoiceMetrics;
  readonly credentials: TTwilioCredentialResolver;
  // Moves finished recordings from the local spool to S3; null unless S3 is configured and recording is on.
  readonly recordingUploads: TRecordingUploader | null;
  // Synthesizes the greetings of the published agents live numbers route to, so first calls start from memory.
  warmGreetings(limit?: number): Promise<number>;
  // Stops accepting, lets live calls finish for up to `graceMs`, then ends the rest and waits for their records.
  shutdown(graceMs?: number): Promise<void>;
  close(): Promise<void>;
};

// /twilio/media/{AccountSid}/{teamId}/{callId}; the ids-less form is what calls answered before an upgrade use.
const MEDIA_PATH = /^\/twilio\/media\/(AC[0-9a-fA-F]{32})(?:\/([0-9a-f-]{36})\/([0-9a-f-]{36}))?$/i;
const MAX_MESSAGE_BYTES = 64 * 1024;
// Deferred work (voicemails, refused calls' caller entries, post-call hooks) at a time: a couple of database
// round trips in flight keep it moving without it ever holding the loop for long.
const DEFERRED_CONCURRENCY = 2;
// How long close() waits for deferred work still queued.
const DEFERRED_CLOSE_MS = 5_000;

export function createVoiceServer(options: TVoiceServerOptions): TVoiceServer {
  const { env, db, providers } = options;
  const log = options.log ?? createLogger({ service: "voice" });
  // Messages the agent takes are sealed under the team's data key (lib/crypto/team-fields.ts).
  configureFieldEncryption(env.masterKeys);
  const metrics = createVoiceMetrics();
  const now = options.now ?? (() => new Date());
  const pacer = new FramePacer({
    clock: options.clock,
    leadMs: env.pacer.leadMs,
    batchMs: env.pacer.batchMs,
    tickMs: env.pacer.tickMs,
    onLateFrame: () => metrics.pacerLateFrames.inc(),
  });
  const audioCache = new AudioCache();
  const credentials = createTwilioCredentialResolver(db, {
    platform: { accountSid: env.twilio.accountSid, authToken: env.twilio.authToken },
    secretKey: env.secretKey,
    apiBaseUrl: env.twilio.apiBaseUrl,
  });
  const hasRestApi = !env.twilio.isSandbox || !!env.twilio.apiBaseUrl || !!options.twilioClientFor;
  const twilioClientFor =
    options.twilioClientFor ?? createTwilioClientCache((accountSid) => credentials.resolve(accountSid), { baseUrl: env.twilio.apiBaseUrl });

  const recordingStores = createRecordingStores({ recordingsDir: env.recordingsDir, s3: env.recordingsDir ? env.s3 : null });
  // A call's recording is encrypted (and silenced over redacted speech) as soon as its session ends, before any
  // upload; the worker's sweep seals what a crash or a failure left behind.
  const recordingSealer =
    recordingStores.local && env.masterKeys ? createRecordingSealer({ db, local: recordingStores.local, masterKeys: env.masterKeys, log }) : null;
  const recordingUploads =
    recordingStores.local && recordingStores.s3
      ? createRecordingUploader({ db, local: recordingStores.local, s3: recordingStores.s3, seal: recordingSealer?.seal ?? null, log })
      : null;
  // Voicemail audio is fetched from Twilio's REST API; the sandbox has one only when pointed at the local fake.
  const twilioApiBaseUrl = env.twilio.apiBaseUrl ?? (env.twilio.isSandbox ? null : "https://api.twilio.com");

  const sessions = new Set<CallSession>();
  let isDraining = false;
  metrics.activeCalls.collect(() => sessions.size);
  // Every late outbound frame starts as a stalled event loop; this shows how close the process runs to that.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // Live calls tell the database this process still runs them, so other instances leave them alone.
  // One statement for all of them, and never two at once: a slow database gets no pile of heartbeats.
  const heartbeat = startPeriodic({
    intervalMs: CALL_HEARTBEAT_MS,
    runAtStart: false,
    run: async () => {
      const live = [...sessions].flatMap((s) => (s.callId && s.teamId && !s.isClosed ? [{ teamId: s.teamId, callId: s.callId }] : []));
      if (live.length > 0) await touchLiveCalls(db, live);
    },
    onError: (error) => log.warn("call heartbeat failed", { error }),
  });
  // Admission control: new calls are turned away when this process has no headroom left (never the calls it holds).
  const headroom =
    env.admission.limits.maxLoopDelayMs !== null || env.admission.limits.maxCpu !== null || env.admission.limits.maxCalls !== null
      ? startHeadroomMonitor(env.admission.limits, () => sessions.size)
      : null;
  const admission: TAdmissionGate | null = headroom
    ? createAdmissionGate(headroom, { refuseWith: env.admission.refuseWith, metrics, log })
    : null;
  if (headroom) {
    metrics.admissionHeadroom.collect(() => headroom.headroom().ratio ?? 1);
    metrics.admissionLoopDelayP99.collect(() => headroom.headroom().loopDelayP99Ms ?? 0);
    metrics.admissionCpu.collect(() => headroom.headroom().cpu ?? 0);
  }
  const deferred = createDeferredWork({ concurrency: DEFERRED_CONCURRENCY, log });
  const readLoopDelay = () => {
    metrics.eventLoopLagP99.set(loopDelay.percentile(99) / 1e6);
    metrics.eventLoopLagMax.set(loopDelay.max / 1e6);
    loopDelay.reset();
  };

  const callControlFor = (start: TStreamStart): TCallControl | null => {
    const { accountSid, callSid } = start;
    if (!accountSid || !callSid || !hasRestApi) return null;
    return {
      async redirect(twimlText: string) {
        const client = await twilioClientFor(accountSid);
        if (!client) throw new Error(`No Twilio credentials for account ${accountSid}`);
        await client.calls(callSid).update({ twiml: twimlText });
      },
    };
  };

  const services: TSessionServices = {
    db,
    providers,
    pacer,
    audioCache,
    metrics,
    log,
    recordingsDir: env.recordingsDir,
    uploadRecording: recordingUploads
      ? (call) => void recordingUploads.upload(call)
      : recordingSealer
        ? (call) => void recordingSealer.seal(call)
        : undefined,
    timeouts: env.timeouts,
    createVad: options.createVad ?? (() => createVad()),
    callControlFor,
    now,
    onLifecycle: options.onLifecycle,
  };

  const webhookContext: TWebhookContext = {
    db,
    publicUrl: env.publicUrl,
    wsPublicUrl: env.wsPublicUrl,
    credentials,
    metrics,
    log,
    now,
    isDraining: () => isDraining,
    admission: admission ?? undefined,
    deferred,
    voicemail:
      env.recordingsDir && twilioApiBaseUrl
        ? { apiBaseUrl: twilioApiBaseUrl, save: (input) => saveCallRecording(db, recordingStores, { ...input, masterKeys: env.masterKeys }) }
        : undefined,
    onCallFinalized: options.onCallFinalized,
    onCallAdmitted: (input) => void warmOpening(audioCache, providers.tts, input),
  };

  const send = (res: ServerResponse, result: TWebhookResult) => {
    res.writeHead(result.status, result.contentType ? { "content-type": result.contentType } : {});
    res.end(result.body);
  };

  const routes: Record<string, (req: IncomingMessage) => Promise<TWebhookResult>> = {
    "POST /twilio/voice": (req) => handleVoiceWebhook(webhookContext, req),
    "POST /twilio/status": (req) => handleStatusWebhook(webhookContext, req),
    "POST /twilio/recording-done": (req) => handleRecordingWebhook(webhookContext, req),
    "GET /healthz": () => health(),
  };
  // With METRICS_PORT, /metrics lives on its own listener (started in listen()) and not on the public voice port.
  const metricsAccess = { token: env.observability.metrics.token, isProduction: env.observability.metrics.isProduction };
  if (!env.observability.metrics.port) {
    routes["GET /metrics"] = async (req) => {
      if (!canReadMetrics(metricsAccess, { authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress ?? "" })) {
        return { status: 401, body: "Unauthorized", contentType: "text/plain" };
      }
      readLoopDelay();
      return { status: 200, body: await renderMetrics([metrics.registry.registry]), contentType: METRICS_CONTENT_TYPE };
    };
  }
  let metricsServer: TMetricsServer | null = null;

  async function health(): Promise<TWebhookResult> {
    let isDbOk = false;
    try {
      await Promise.race([db.execute(sql`select 1`), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000))]);
      isDbOk = true;
    } catch {
      isDbOk = false;
    }
    const body = {
      ok: isDbOk && !isDraining,
      db: isDbOk ? "ok" : "unreachable",
      draining: isDraining,
      activeCalls: sessions.size,
      providers: providerNames(providers),
      twilio: env.twilio.isSandbox ? "sandbox" : "live",
    };
    return { status: body.ok ? 200 : 503, body: JSON.stringify(body), contentType: "application/json" };
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (handleVoicesRequest({ tts: providers.tts, secretKey: env.secretKey, log }, req, res, path)) return;
    const handler = routes[`${req.method} ${path}`];
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return;
    }
    handler(req)
      .then((result) => send(res, result))
      .catch((error: unknown) => {
        if (isAppError(error) && error.code === "payload_too_large") {
          // The rest of the body is not read: close the connection rather than drain it.
          log.warn("request refused", { path, reason: error.message });
          if (!res.headersSent) res.writeHead(413, { "content-type": "text/plain", connection: "close" });
          res.end("Payload too large");
          return;
        }
        log.error("request failed", { path, error });
        metrics.errors.inc({ stage: "http", kind: "internal" });
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("Internal error");
      });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  const webCallContext: TWebCallContext = {
    db,
    wss,
    secretKey: env.secretKey,
    metrics,
    log,
    now,
    startSession(transport) {
      admission?.streamOpened();
      const session = new CallSession(transport, services);
      sessions.add(session);
      session.onClosed(() => sessions.delete(session));
    },
  };

  // Voice-mode test scenarios from the worker: a transfer has no carrier to redirect, so it ends the stream the way
  // Twilio does once a redirect takes over (the session records the transfer first).
  const evalCallContext: TEvalCallContext = {
    db,
    wss,
    secretKey: env.secretKey,
    metrics,
    log,
    now,
    startSession(transport) {
      admission?.streamOpened();
      const session = new CallSession(transport, {
        ...services,
        callControlFor: () => ({
          redirect: async () => {
            setTimeout(() => transport.close(1000, "transferred"), 0);
          },
        }),
      });
      sessions.add(session);
      session.onClosed(() => sessions.delete(session));
    },
  };

  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on("error", () => {});
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === WEB_CALL_PATH) {
      if (isDraining) return reject(503, "Service Unavailable");
      // A browser test call is a call like any other for this process's headroom.
      if (admission?.check()) return reject(503, "Service Unavailable");
      return handleWebCallUpgrade(webCallContext, req, socket, head, reject);
    }
    if (path === EVAL_CALL_PATH) {
      if (isDraining) return reject(503, "Service Unavailable");
      if (admission?.check()) return reject(503, "Service Unavailable");
      return handleEvalCallUpgrade(evalCallContext, req, socket, head, reject);
    }
    const match = MEDIA_PATH.exec(path);
    if (!match) return reject(404, "Not Found");
    if (isDraining) return reject(503, "Service Unavailable");
    const accountSid = match[1] as string;
    const expectedCall = match[2] && match[3] ? { teamId: match[2].toLowerCase(), callId: match[3].toLowerCase() } : null;
    const signatureHeader = req.headers["x-twilio-signature"];
    const signature = Array.isArray(signatureHeader) ? signatureHeader[0] : signatureHeader;
    if (!signature) {
      metrics.webhooks.inc({ route: "media", result: "forbidden" });
      return reject(403, "Forbidden");
    }
    credentials
      .resolve(accountSid)
      .then((account) => {
        // Signed like a webhook over the exact wss:// URL from our <Stream url>, with no parameters.
        const url = `${env.wsPublicUrl}${path}`;
        if (!account || !twilio.validateRequest(account.authToken, signature, url, {})) {
          metrics.webhooks.inc({ route: "media", result: "forbidden" });
          return reject(403, "Forbidden");
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          metrics.webhooks.inc({ route: "media", result: "connected" });
          admission?.streamOpened();
          const transport = new TwilioMediaStream(ws, { accountSid, call: expectedCall });
          const session = new CallSession(transport, services);
          sessions.add(session);
          session.onClosed(() => {
            sessions.delete(session);
            // Broken before its start: the call the URL names is failed now, not left ringing.
            if (expectedCall && !transport.isStarted) failUnstarted(accountSid, expectedCall, transport.failureReason ?? "stream closed before start");
          });
        });
      })
      .catch((error: unknown) => {
        log.error("media upgrade failed", { error });
        reject(500, "Internal Server Error");
      });
  });

  const failUnstarted = (accountSid: string, call: { teamId: string; callId: string }, reason: string) => {
    failUnstartedCall(db, { ...call, accountSid, reason, at: now() })
      .then((isFailed) => {
        if (!isFailed) return;
        log.warn("media stream failed before start; call finalized", { callId: call.callId, reason });
        metrics.errors.inc({ stage: "transport", kind: "unstarted" });
        return options.onCallFinalized?.(call);
      })
      .catch((error: unknown) => log.warn("could not finalize a call whose stream failed before start", { error, callId: call.callId }));
  };

  let port = 0;
  let isClosed = false;

  async function waitForSessions(deadline: number): Promise<void> {
    while (sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  async function shutdown(graceMs = env.shutdownGraceMs): Promise<void> {
    if (isDraining) return;
    isDraining = true;
    log.info("draining", { activeCalls: sessions.size, graceMs });
    server.close();
    server.closeIdleConnections();
    await waitForSessions(Date.now() + graceMs);
    const remaining = [...sessions];
    if (remaining.length > 0) log.warn("ending calls still live after the grace period", { count: remaining.length });
    await Promise.all(remaining.map((s) => s.shutdown("server_shutdown")));
    await close();
  }

  async function close(): Promise<void> {
    if (isClosed) return;
    isClosed = true;
    isDraining = true;
    await Promise.all([...sessions].map((s) => s.shutdown("server_shutdown")));
    await heartbeat.stop();
    headroom?.stop();
    await Promise.race([deferred.idle(), new Promise((resolve) => setTimeout(resolve, DEFERRED_CLOSE_MS).unref())]);
    // Uploads already started finish (or fail and stay local for the next start's sweep).
    await recordingUploads?.stop();
    await recordingSealer?.stop();
    for (const client of wss.clients) client.terminate();
    wss.close();
    pacer.stop();
    loopDelay.disable();
    await metricsServer?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(env.port, env.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const address = server.address();
      port = typeof address === "object" && address ? address.port : env.port;
      const metricsConfig = env.observability.metrics;
      if (metricsConfig.port) {
        metricsServer = await startMetricsServer({
          ...metricsConfig,
          port: metricsConfig.port,
          registry: metrics.registry.registry,
          beforeScrape: readLoopDelay,
        });
      }
      return { port };
    },
    get port() {
      return port;
    },
    get activeCalls() {
      return sessions.size;
    },
    metrics,
    credentials,
    recordingUploads,
    async warmGreetings(limit = 200) {
      const versions = await listRoutedAgentVersions(db, limit);
      // A few at a time: a restart must not flood the TTS provider.
      for (let i = 0; i < versions.length; i += 4) {
        await Promise.all(
          versions.slice(i, i + 4).map(({ agentVersionId, snapshot }) =>
            warmOpening(audioCache, providers.tts, {
              agentVersionId,
              snapshot,
              isAfterHours: isAfterHoursNow(snapshot.config.businessHours, now()),
            }),
          ),
        );
      }
      return versions.length;
    },
    shutdown,
    close,
  };
}
