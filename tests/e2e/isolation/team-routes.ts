import fs from "node:fs";
import path from "node:path";

// Every page under app/t/[slug] and every route handler under app/api/teams/[slug], found on disk, so a route
// added later joins the isolation suite without anyone remembering to list it.
export type TDiscoveredRoute = { kind: "page" | "route"; pattern: string; methods: string[]; params: string[] };

function walk(dir: string, file: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, file, out);
    else if (entry.name === file) out.push(full);
  }
  return out;
}

function toPattern(appDir: string, file: string): string {
  const rel = path.relative(appDir, path.dirname(file)).split(path.sep);
  return "/" + rel.filter((s) => !/^\(.*\)$/.test(s)).join("/");
}

export function discoverTeamRoutes(root = process.cwd()): TDiscoveredRoute[] {
  const appDir = path.join(root, "app");
  const pages = walk(path.join(appDir, "t", "[slug]"), "page.tsx").map((f) => ({ kind: "page" as const, pattern: toPattern(appDir, f), methods: ["GET"] }));
  const routes = walk(path.join(appDir, "api", "teams", "[slug]"), "route.ts").map((f) => {
    const source = fs.readFileSync(f, "utf8");
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => new RegExp(`export (const|async function|function) ${m}\\b`).test(source));
    return { kind: "route" as const, pattern: toPattern(appDir, f), methods };
  });
  return [...pages, ...routes].map((r) => ({ ...r, params: [...r.pattern.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!).filter((p) => p !== "slug") }));
}

export function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\[([^\]]+)\]/g, (_, name: string) => {
    const value = values[name];
    if (!value) throw new Error(`No value for route parameter [${name}] in ${pattern}: add one to the isolation suite's fillers.`);
    return encodeURIComponent(value);
  });
}
