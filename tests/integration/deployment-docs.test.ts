import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";

vi.mock("server-only", () => ({}));

// The deployment files and README's "Deployment" section describe one stack. An operator follows the README, so a
// service, variable or route in one and not the other is a broken deployment. Every check reads the files on disk.
const ROOT = process.cwd();
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

const APP_ROLES = ["web", "voice", "worker", "migrate"] as const;
type TRole = (typeof APP_ROLES)[number];
// What every production process must refuse to start without (issue 12), whatever its env module says today.
const REQUIRED_IN_PRODUCTION = [
  "DATABASE_URL",
  "AUTH_SECRET",
  "ENCRYPTION_KEY",
  "APP_URL",
  "VOICE_PUBLIC_URL",
  "TWILIO_ACCOUNT_SID",
  "TWILIO_AUTH_TOKEN",
];
// The env module of each long-running role; a missing file (a role not built yet) is reported, not skipped.
const ENV_MODULES: Record<Exclude<TRole, "migrate">, string> = {
  web: "lib/env.ts",
  voice: "voice-server/env.ts",
  worker: "worker/env.ts",
};
// Production requirements shared by every process, where a module of their own holds them.
const SHARED_ENV_MODULES = ["lib/config/production-env.ts"];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

type TEnvSchema = {
  safeParse: (input: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
};

// The zod schemas a module exports by the house naming (ZWebEnv, ZVoiceEnv, ZWorkerEnv, ZProductionEnv).
async function envSchemas(file: string): Promise<TEnvSchema[]> {
  const module = (await import(pathToFileURL(path.join(ROOT, file)).href)) as Record<string, unknown>;
  return Object.entries(module)
    .filter(([exportName]) => /^Z\w*Env$/.test(exportName))
    .map(([, v]) => v)
    .filter((v): v is TEnvSchema => typeof (v as { safeParse?: unknown } | null)?.safeParse === "function");
}

// ── README ──────────────────────────────────────────────────────────────────────────────────────────────────

function deploymentSection(readme: string): string {
  const start = readme.search(/^## Deployment$/m);
  if (start < 0) throw new Error('README.md has no "## Deployment" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

type TTable = { header: string[]; rows: string[][] };

// Markdown tables of the section, in order. Cells are split on "|" (none of these tables has one inside a cell).
function tables(markdown: string): TTable[] {
  const out: TTable[] = [];
  let lines: string[] = [];
  for (const line of [...markdown.split("\n"), ""]) {
    if (line.trim().startsWith("|")) {
      lines.push(line.trim());
      continue;
    }
    if (lines.length >= 2) {
      const [header, , ...rows] = lines.map((l) =>
        l
          .replace(/^\||\|$/g, "")
          .split("|")
          .map((c) => c.trim()),
      );
      out.push({ header: header ?? [], rows });
    }
    lines = [];
  }
  return out;
}

function tableWithHeader(all: TTable[], first: string): TTable {
  const table = all.find((t) => t.header[0] === first);
  if (!table) throw new Error(`README's Deployment section has no table whose first column is "${first}"`);
  return table;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

// ── compose.yaml ────────────────────────────────────────────────────────────────────────────────────────────

type TService = {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  deploy?: { replicas?: number };
};
type TCompose = { services: Record<string, TService>; volumes?: Record<string, unknown> };

const INTERPOLATION = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

// ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, as compose resolves them from .env.
function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(INTERPOLATION, (_, name: string, op: string | undefined, arg: string | undefined) => {
    const set = dotenv[name];
    if (op === ":-") return set ? set : (arg ?? "");
    if (op === "-") return set !== undefined ? set : (arg ?? "");
    if (op === ":?" || op === "?") {
      if (set === undefined || (op === ":?" && set === "")) throw new Error(`compose needs ${name}: ${arg}`);
      return set;
    }
    return set ?? "";
  });
}

function appRole(service: TService): TRole | null {
  const role = service.command?.[0];
  return APP_ROLES.includes(role as TRole) ? (role as TRole) : null;
}

function envOf(service: TService, dotenv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ""), dotenv)]),
  );
}

// ── the files ───────────────────────────────────────────────────────────────────────────────────────────────

const composeText = read("compose.yaml");
const compose = parseYaml(composeText, { merge: true }) as TCompose;
const section = deploymentSection(read("README.md"));
const sectionTables = tables(section);
const dockerfile = read("Dockerfile");
const entrypoint = read("deploy/docker-entrypoint.sh");
const packageScripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

const roleServices = Object.entries(compose.services).flatMap(([name, service]) => {
  const role = appRole(service);
  return role ? [{ name, role, service }] : [];
});

// What an operator writes into .env: only the variables compose refuses to start without, with valid values.
// Compose does not interpolate comments.
const composeWithoutComments = composeText.replace(/^\s*#.*$/gm, "");
const interpolations = [...composeWithoutComments.matchAll(INTERPOLATION)].map((m) => ({
  name: m[1] as string,
  op: m[2],
}));
const requiredDotenvNames = [...new Set(interpolations.filter((i) => i.op?.includes("?")).map((i) => i.name))];
const SAMPLE_VALUES: Record<string, string> = {
  AUTH_SECRET: "x".repeat(44),
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  APP_URL: "https://calls.example.com",
  VOICE_PUBLIC_URL: "https://calls.example.com",
  TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
};
const minimalDotenv = Object.fromEntries(
  requiredDotenvNames.map((name) => [name, SAMPLE_VALUES[name] ?? `${name.toLowerCase()}-value`]),
);

describe("README Deployment section and compose.yaml", () => {
  it("describe the same services", () => {
    const documented = tableWithHeader(sectionTables, "Service").rows.flatMap((row) => backticked(row[0] ?? ""));
    expect(documented.sort()).toEqual(Object.keys(compose.services).sort());
  });

  it("run web, voice, worker and migrate from the image, with two voice replicas", () => {
    expect(roleServices.map((s) => s.role).sort()).toEqual([...APP_ROLES].sort());
    const voice = roleServices.find((s) => s.role === "voice");
    expect(voice?.service.deploy?.replicas).toBe(2);
  });

  it("agree on every variable each role is given", () => {
    const table = tableWithHeader(sectionTables, "Variable");
    const documented = new Map<string, Set<string>>();
    for (const role of APP_ROLES) {
      const column = table.header.indexOf(role);
      expect(column, `the per-role table has a "${role}" column`).toBeGreaterThan(0);
      documented.set(
        role,
        new Set(table.rows.filter((row) => row[column] === "✓").flatMap((row) => backticked(row[0] ?? ""))),
      );
    }
    for (const row of table.rows) {
      for (const name of backticked(row[0] ?? ""))
        expect(name, "a variable name in the per-role table").toMatch(ENV_NAME);
    }
    for (const { name, role, service } of roleServices) {
      const set = Object.keys(service.environment ?? {}).sort();
      expect(set, `variables compose sets for ${name} vs README's ${role} column`).toEqual(
        [...(documented.get(role) ?? [])].sort(),
      );
    }
  });

  it("agree on what compose reads from .env and which of it is required", () => {
    const table = tableWithHeader(sectionTables, "`.env` name");
    const requiredColumn = table.header.indexOf("Required");
    expect(requiredColumn).toBeGreaterThan(0);
    const documented = table.rows.flatMap((row) => backticked(row[0] ?? ""));
    const documentedRequired = table.rows
      .filter((row) => row[requiredColumn] === "yes")
      .flatMap((row) => backticked(row[0] ?? ""));
    expect(documented.sort()).toEqual([...new Set(interpolations.map((i) => i.name))].sort());
    expect(documentedRequired.sort()).toEqual([...requiredDotenvNames].sort());
  });

  it("give every long-running role what its production configuration requires, from the required .env values alone", async () => {
    const missingModules: string[] = [];
    for (const { name, role, service } of roleServices) {
      const env = envOf(service, minimalDotenv);
      if (role === "migrate") {
        expect(env.DATABASE_URL, "migrate's DATABASE_URL").toMatch(/^postgres(ql)?:\/\//);
        continue;
      }
      expect(env.NODE_ENV, `${name}'s NODE_ENV`).toBe("production");
      for (const variable of REQUIRED_IN_PRODUCTION) expect(env[variable], `${name} sets ${variable}`).toBeTruthy();

      // The process's own module, and the production requirements every process checks, where they live apart.
      let refusesEmptyProduction = false;
      for (const file of [ENV_MODULES[role], ...SHARED_ENV_MODULES]) {
        if (!fs.existsSync(path.join(ROOT, file))) {
          if (file === ENV_MODULES[role]) missingModules.push(file);
          continue;
        }
        const schemas = await envSchemas(file);
        expect(schemas.length, `${file} exports its zod schema as Z...Env`).toBeGreaterThan(0);
        for (const schema of schemas) {
          if (!schema.safeParse({ NODE_ENV: "production" }).success) refusesEmptyProduction = true;
          const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
          const result = schema.safeParse(cleaned);
          const problems = (result.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
          expect(problems, `${name} (${file}) with compose's environment`).toEqual([]);
        }
      }
      // Passing schemas that enforce nothing in production would prove nothing.
      if (!missingModules.includes(ENV_MODULES[role])) {
        expect(refusesEmptyProduction, `${role}'s schemas refuse an empty production env`).toBe(true);
      }
    }
    // The worker's own env module arrives with the worker; until then its role is checked against the list above.
    expect(missingModules.filter((f) => f !== ENV_MODULES.worker)).toEqual([]);
  });

  it("start the app services only after migrations succeeded, and health-check every long-running service", () => {
    for (const { name, role, service } of roleServices) {
      if (role === "migrate") {
        expect(service.restart, "migrate is a one-shot").toBe("no");
        continue;
      }
      expect(service.depends_on?.migrate?.condition, `${name} waits for migrate`).toBe(
        "service_completed_successfully",
      );
    }
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.restart === "no") continue;
      expect(service.healthcheck?.test?.length, `${name} has a health check`).toBeGreaterThan(0);
    }
  });

  it("share one recordings volume, at RECORDINGS_DIR, between the voice replicas and the worker (web reads it)", () => {
    const mounts = (role: TRole) => {
      const service = roleServices.find((s) => s.role === role)?.service;
      const dir = service?.environment?.RECORDINGS_DIR;
      return (service?.volumes ?? []).filter((v) => v.split(":")[1] === dir).map((v) => v.split(":"));
    };
    const [voice] = mounts("voice");
    const [worker] = mounts("worker");
    const [web] = mounts("web");
    expect(voice?.[0], "voice mounts a named volume at RECORDINGS_DIR").toBeTruthy();
    expect(Object.keys(compose.volumes ?? {})).toContain(voice?.[0]);
    expect(worker?.[0]).toBe(voice?.[0]);
    expect(worker?.[2], "the worker writes the spool").toBeUndefined();
    expect(web?.[0]).toBe(voice?.[0]);
    expect(web?.[2]).toBe("ro");
  });
});

describe("Dockerfile and entry point", () => {
  // `npm run x` in the Dockerfile; `run_script x` in the entry point (which runs x's command line itself).
  const scriptsRun = (text: string) =>
    [...text.matchAll(/(?:npm run (?:--?[a-z-]+ )*|run_script )([a-z][\w:-]*)/g)].map((m) => m[1] as string);

  it("build and start through npm scripts that exist in package.json", () => {
    const used = [...scriptsRun(dockerfile), ...scriptsRun(entrypoint)];
    expect(used).toEqual(expect.arrayContaining(["build", "start:web", "start:voice", "start:worker", "db:migrate"]));
    expect(
      used.filter((script) => !(script in packageScripts)),
      "npm scripts missing from package.json",
    ).toEqual([]);
  });

  it("map each role compose runs to its npm script, as README's image table says", () => {
    const imageTable = tableWithHeader(sectionTables, "Command");
    for (const role of APP_ROLES) {
      const branch = new RegExp(`^\\s*${role}\\)\\n([\\s\\S]*?);;`, "m").exec(entrypoint);
      expect(branch, `the entry point handles ${role}`).not.toBeNull();
      const script = scriptsRun(branch?.[1] ?? "")[0];
      expect(script, `the entry point runs an npm script for ${role}`).toBeTruthy();
      const row = imageTable.rows.find((r) => backticked(r[0] ?? "")[0] === role);
      expect(row?.[1], `README's image table for ${role}`).toContain(`npm run ${script}`);
    }
  });

  it("start scripts the entry point can run without a shell (so SIGTERM reaches node)", () => {
    for (const script of scriptsRun(entrypoint)) {
      // The entry point refuses anything a shell would interpret; a script like that would stop every container.
      expect(packageScripts[script], `package.json script ${script}`).toMatch(/^[^;&|<>`$()"'\\]+$/);
    }
  });

  it("install production dependencies only, on Node 24, as a non-root user, with a health check", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).not.toBe("root");
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node"/m);
    expect(dockerfile).toMatch(/^FROM \S+ AS offline$/m);
    // The default build is the last stage, and it must not be the offline one.
    expect([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].at(-1)?.[1]).not.toBe("offline");
  });
});

describe("the proxy (deploy/nginx.conf)", () => {
  const nginx = read("deploy/nginx.conf");
  const proxy = compose.services.proxy;
  const upstreams: Record<string, { host: string; port: string }> = Object.fromEntries(
    [...nginx.matchAll(/set \$(\w+) http:\/\/([\w-]+):(\d+);/g)].map((m) => [
      m[1],
      { host: m[2] as string, port: m[3] as string },
    ]),
  );
  const location = (match: string) => {
    const start = nginx.indexOf(`location ${match} {`);
    if (start < 0) return null;
    return nginx.slice(start, nginx.indexOf("\n    }", start));
  };

  it("is the config compose mounts", () => {
    expect(proxy?.volumes).toContain("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
  });

  it.each(["/twilio/", "= /web/call"])("sends %s to the voice replicas with WebSocket upgrades", (match) => {
    const block = location(match);
    expect(block, `location ${match}`).not.toBeNull();
    const target = /proxy_pass \$(\w+);/.exec(block ?? "")?.[1] ?? "";
    expect(upstreams[target]).toEqual({ host: "voice", port: "3001" });
    expect(block).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(block).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;/);
    expect(nginx).toMatch(/^\s*proxy_http_version 1\.1;/m);
    // A call lasts minutes; nginx's default 60 s idle timeout would cut a quiet stream.
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(block ?? "")?.[1])).toBeGreaterThanOrEqual(3600);
  });

  it("sends everything else to web, and its upstreams are compose services", () => {
    const target = /proxy_pass \$(\w+);/.exec(location("/") ?? "")?.[1] ?? "";
    expect(upstreams[target]).toEqual({ host: "web", port: "3000" });
    for (const { host } of Object.values(upstreams)) expect(Object.keys(compose.services)).toContain(host);
  });
});
