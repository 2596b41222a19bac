// `npm run simulate`: plays Twilio plus a caller against a running voice server. See `--help`.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { and, eq } from "drizzle-orm";
import postgres from "postgres";
import { createDb } from "@/db/client";
import { embeddedDatabaseUrl } from "@/db/embedded";
import { phoneNumbers } from "@/db/schema";
import { localVoiceUrl } from "@/lib/config/shared-env";
import { secretKeyFrom } from "@/lib/crypto/secret-box";
import { resolveTwilioAccount } from "@/lib/twilio/credentials";
import { mulawToWav } from "@/lib/audio/wav";
import { CallerVoice, encodeStereoWav } from "@/tests/sim/caller-audio";
import { formatCallReport, formatSummary, summarizeCalls } from "@/tests/sim/report";
import { DEMO_SCRIPT, loadSimScript, type TSimScript, type TSimStep } from "@/tests/sim/sim-script";
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, runSimulatedCall } from "@/tests/sim/twilio-caller";
import { SimCallError } from "@/tests/sim/twilio-http";
import { SimScheduler } from "@/tests/sim/sim-scheduler";
import type { TSimCallResult } from "@/tests/sim/wire-log";

const HELP = `Usage: npm run simulate -- [options]

Calls the voice server the way Twilio does (signed webhook, Media Streams, marks, status callback) and speaks
a script as the caller, then prints how the call ended, the transcript and the latency measured at the wire.

  --url URL              voice server base URL (default http://localhost:$VOICE_PORT, else :3001)
  --public-url URL       the server's VOICE_PUBLIC_URL, which signatures are computed over (default: --url)
  --to E164              number called (default: the first active number in the database)
  --from E164            caller number (default +1555010xxxx, one per call)
  --script FILE          JSON script (see tests/fixtures/sim/demo-call.json)
  --say TEXT             a caller line; repeat for more (instead of --script)
  --interrupt-after MS   lines after the first talk over the agent's reply MS after it starts
  --dtmf DIGITS          press these keys after the greeting
  --calls N              run N calls at once, started --stagger-ms apart (default 1, stagger 250)
  --out DIR              save each call's audio: <call>-both.wav (caller left, agent right) and <call>-agent.wav
  --account-sid SID      Twilio account to sign as (default the local sandbox ${SANDBOX_ACCOUNT_SID})
  --auth-token TOKEN     its auth token (default the sandbox token)
  --database-url URL     find the number's account and read the transcript there (default $DATABASE_URL, else
                         the Postgres of \`npm run dev\` in .data/pg)
  --max-call-s S         hang up after this long (default 300)
  --json                 machine-readable output
  --verbose              print call progress
`;

type TArgs = {
  url: string;
  publicUrl?: string;
  to?: string;
  from?: string;
  script?: string;
  say: string[];
  interruptAfterMs?: number;
  dtmf?: string;
  calls: number;
  staggerMs: number;
  out?: string;
  accountSid: string;
  authToken: string;
  isAccountGiven: boolean;
  databaseUrl?: string;
  maxCallMs: number;
  isJson: boolean;
  isVerbose: boolean;
};

class UsageError extends Error {}

function parseNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number between ${min} and ${max} (got "${value}")`);
  return n;
}

function readArgs(argv: string[]): TArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      "public-url": { type: "string" },
      to: { type: "string" },
      from: { type: "string" },
      script: { type: "string" },
      say: { type: "string", multiple: true },
      "interrupt-after": { type: "string" },
      dtmf: { type: "string" },
      calls: { type: "string" },
      "stagger-ms": { type: "string" },
      out: { type: "string" },
      "account-sid": { type: "string" },
      "auth-token": { type: "string" },
      "database-url": { type: "string" },
      "max-call-s": { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.script && values.say?.length) throw new UsageError("Use either --script or --say, not both");
  const e164 = /^\+[1-9]\d{6,14}$/;
  for (const [name, value] of [["to", values.to], ["from", values.from]] as const) {
    if (value !== undefined && !e164.test(value)) throw new UsageError(`--${name} must be an E.164 number like +15550001111 (got "${value}")`);
  }
  if (values.dtmf !== undefined && !/^[0-9*#A-Da-d]+$/.test(values.dtmf)) throw new UsageError("--dtmf takes digits 0-9, *, #, A-D");
  const url = values.url ?? localVoiceUrl(process.env.VOICE_PORT);
  for (const [name, value] of [["url", url], ["public-url", values["public-url"]]] as const) {
    if (value !== undefined && !/^https?:\/\/[^/]+/.test(value)) throw new UsageError(`--${name} must be an http(s) URL (got "${value}")`);
  }
  return {
    url,
    publicUrl: values["public-url"],
    to: values.to,
    from: values.from,
    script: values.script,
    say: values.say ?? [],
    interruptAfterMs: parseNumber("interrupt-after", values["interrupt-after"], 0, 60_000),
    dtmf: values.dtmf,
    calls: parseNumber("calls", values.calls, 1, 1000) ?? 1,
    staggerMs: parseNumber("stagger-ms", values["stagger-ms"], 0, 60_000) ?? 250,
    out: values.out,
    accountSid: values["account-sid"] ?? SANDBOX_ACCOUNT_SID,
    authToken: values["auth-token"] ?? SANDBOX_AUTH_TOKEN,
    isAccountGiven: values["account-sid"] !== undefined,
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL ?? devDatabaseUrl(),
    maxCallMs: (parseNumber("max-call-s", values["max-call-s"], 5, 4 * 3600) ?? 300) * 1000,
    isJson: values.json ?? false,
    isVerbose: values.verbose ?? false,
  };
}

// Inline lines become: hear the greeting, [DTMF], then each line followed by waiting for the reply.
function buildInlineScript(lines: string[], options: { interruptAfterMs?: number; dtmf?: string }): TSimScript {
  const steps: TSimStep[] = [{ waitForAgent: true }];
  if (options.dtmf) steps.push({ dtmf: options.dtmf }, { waitForAgent: { quietMs: 800, timeoutMs: 5000 } });
  lines.forEach((line, i) => {
    if (i > 0 && options.interruptAfterMs !== undefined) {
      // Replace the previous wait: talk over the reply instead of waiting for it to end.
      steps.pop();
      steps.push({ interruptAfterMs: options.interruptAfterMs });
    }
    steps.push({ say: line }, { waitForAgent: true });
  });
  steps.push({ hangup: true });
  return { name: "inline", steps };
}

async function defaultNumber(sql: postgres.Sql, accountSid: string | null): Promise<string | null> {
  const rows = await sql<{ e164: string }[]>`
    select n.e164 from phone_numbers n
      left join agents a on a.id = n.agent_id and a.team_id = n.team_id
     where n.status = 'active' and (${accountSid}::text is null or n.twilio_account_sid = ${accountSid})
     order by (a.published_version_id is not null and a.archived_at is null) desc, n.created_at
     limit 1`;
  return rows[0]?.e164 ?? null;
}

// Twilio signs a call's webhooks with the account that owns the number: in the sandbox, the team's subaccount
// (created by the web app, token stored encrypted). Resolve it the way the voice server does.
// `npm run dev` without DATABASE_URL keeps its Postgres in .data/pg: use it, so the simulator finds the number's
// owning (sub)account and the transcript with no flags.
function devDatabaseUrl(): string | undefined {
  if (!fs.existsSync(path.join(process.cwd(), ".data", "pg"))) return undefined;
  return embeddedDatabaseUrl(Number(process.env.EMBEDDED_PG_PORT ?? 54329));
}

async function accountForNumber(databaseUrl: string, e164: string): Promise<{ accountSid: string; authToken: string } | null> {
  const { db, sql } = createDb(databaseUrl, { max: 1 });
  try {
    const [row] = await db
      .select({ accountSid: phoneNumbers.twilioAccountSid })
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.e164, e164), eq(phoneNumbers.status, "active")))
      .limit(1);
    if (!row) return null;
    const devSecretFile = path.join(process.cwd(), ".data", "auth-secret");
    const authSecret = process.env.AUTH_SECRET ?? (fs.existsSync(devSecretFile) ? fs.readFileSync(devSecretFile, "utf8").trim() : undefined);
    const secretKey = process.env.ENCRYPTION_KEY || authSecret ? secretKeyFrom({ encryptionKey: process.env.ENCRYPTION_KEY, authSecret }) : undefined;
    const resolved = await resolveTwilioAccount(db, row.accountSid, {
      platform: { accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN },
      secretKey,
    });
    return resolved ? { accountSid: resolved.accountSid, authToken: resolved.authToken } : null;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function saveAudio(result: TSimCallResult, dir: string): string[] {
  if (!result.audio) return [];
  fs.mkdirSync(dir, { recursive: true });
  const both = path.join(dir, `${result.label}-both.wav`);
  const agent = path.join(dir, `${result.label}-agent.wav`);
  fs.writeFileSync(both, encodeStereoWav(result.audio.caller, result.audio.agent));
  fs.writeFileSync(agent, mulawToWav(result.audio.agent));
  return [both, agent];
}

async function main(): Promise<number> {
  let args: TArgs;
  try {
    args = readArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const script: TSimScript = args.script
    ? await loadSimScript(args.script)
    : args.say.length || args.interruptAfterMs !== undefined || args.dtmf
      ? buildInlineScript(args.say.length ? args.say : DEMO_SCRIPT.steps.flatMap((s) => ("say" in s ? [s.say] : [])), args)
      : DEMO_SCRIPT;

  const sql = args.databaseUrl ? postgres(args.databaseUrl, { max: 4, onnotice: () => {}, connect_timeout: 5 }) : undefined;
  try {
    let to = args.to;
    if (!to) {
      if (!sql) {
        process.stderr.write("No number to call: pass --to +1555... (or --database-url / DATABASE_URL to use the first active number).\n");
        return 2;
      }
      try {
        to = (await defaultNumber(sql, args.isAccountGiven ? args.accountSid : null)) ?? undefined;
      } catch (error) {
        process.stderr.write(`Cannot read phone numbers from the database: ${(error as Error).message}\n`);
        return 2;
      }
      if (!to) {
        process.stderr.write(`The database has no active number on account ${args.accountSid}; pass --to.\n`);
        return 2;
      }
    }
    if (!args.isAccountGiven && args.databaseUrl) {
      const owner = await accountForNumber(args.databaseUrl, to).catch(() => null);
      if (owner) Object.assign(args, owner);
    }
    const log = args.isVerbose && !args.isJson ? (line: string) => process.stderr.write(`  · ${line}\n`) : undefined;
    if (!args.isJson) process.stderr.write(`Calling ${to} at ${args.url} with ${args.calls} call(s), script "${script.name ?? "custom"}"...\n`);

    const scheduler = new SimScheduler();
    const voice = new CallerVoice();
    const outcomes = await Promise.all(
      Array.from({ length: args.calls }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * args.staggerMs));
        const label = `call-${i + 1}`;
        try {
          const result = await runSimulatedCall({
            baseUrl: args.url,
            publicUrl: args.publicUrl,
            accountSid: args.accountSid,
            authToken: args.authToken,
            from: args.from ?? `+1555010${String(1000 + i).slice(-4)}`,
            to: to!,
            script,
            label,
            scheduler,
            voice,
            isRecording: !!args.out,
            sql,
            maxCallMs: args.maxCallMs,
            log,
          });
          const files = args.out ? saveAudio(result, args.out) : [];
          return { label, result, files };
        } catch (error) {
          return { label, error: error as Error };
        }
      }),
    );

    const results = outcomes.flatMap((o) => ("result" in o && o.result ? [o.result] : []));
    const failures = outcomes.flatMap((o) => ("error" in o && o.error ? [{ label: o.label, error: o.error }] : []));
    const summary = summarizeCalls(results);
    if (args.isJson) {
      const calls = outcomes.map((o) =>
        "result" in o && o.result
          ? { ...o.result, audio: undefined, files: o.files }
          : { label: o.label, error: { kind: o.error instanceof SimCallError ? o.error.kind : "error", message: o.error!.message } },
      );
      process.stdout.write(`${JSON.stringify({ to, url: args.url, script: script.name ?? null, calls, summary }, null, 2)}\n`);
    } else {
      for (const o of outcomes) {
        if ("result" in o && o.result) process.stdout.write(`${formatCallReport(o.result, { files: o.files })}\n\n`);
      }
      for (const f of failures) process.stdout.write(`── ${f.label}: FAILED: ${f.error.message}\n\n`);
      if (results.some((r) => r.twiml.stream)) process.stdout.write(`${formatSummary(summary)}\n`);
      const notRouted = results.filter((r) => !r.twiml.stream);
      if (notRouted.length > 0 && notRouted.length === results.length) {
        process.stdout.write(
          `\nThe server did not connect any call to an agent: the number is unknown, has no published agent, is outside business hours, or the team is at its call limit (see the TwiML above).\n`,
        );
      }
    }
    return failures.length > 0 ? 1 : 0;
  } finally {
    await sql?.end({ timeout: 5 });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`simulate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
