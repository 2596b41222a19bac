// Docker health check: `node deploy/healthcheck.mjs [web|voice|worker]`. Without an argument it probes the role
// deploy/docker-entrypoint.sh recorded. Node rather than curl, which the slim base image does not have.
//   web:    GET /api/health (answers 503 when the database is unreachable)
//   voice:  GET /healthz
//   worker: it serves no HTTP, so a round trip to its database: Docker already restarts a worker that exits, and
//           one that cannot reach Postgres can do none of its jobs.
//   migrate (or no role recorded): healthy; it is a one-shot.
/* global fetch, AbortSignal */
import { readFileSync } from "node:fs";

const TIMEOUT_MS = 4_000;

function recordedRole() {
  try {
    return readFileSync("/tmp/ai-call-agent.role", "utf8").trim();
  } catch {
    return "";
  }
}

async function probeHttp(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

async function probeDatabase(url) {
  if (!url) throw new Error("DATABASE_URL is not set");
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { max: 1, connect_timeout: TIMEOUT_MS / 1000, idle_timeout: 1, onnotice: () => {} });
  try {
    await sql`select 1`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const role = process.argv[2] ?? recordedRole();
const probes = {
  web: () => probeHttp(`http://127.0.0.1:${process.env.PORT || 3000}/api/health`),
  voice: () => probeHttp(`http://127.0.0.1:${process.env.VOICE_PORT || 3001}/healthz`),
  worker: () => probeDatabase(process.env.DATABASE_URL),
};

const probe = probes[role];
if (!probe) process.exit(0);
try {
  await probe();
} catch (error) {
  console.error(`unhealthy (${role}): ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
