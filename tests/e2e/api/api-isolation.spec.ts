import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { eq } from "drizzle-orm";
import { calls, memberships } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { V1_ENDPOINTS } from "@/lib/api/endpoints";
import { API_KEY_MAX_ROLE, can } from "@/lib/auth/roles";
import { signUp } from "@/lib/teams/sign-up";
import { createTenant, e2eDb, PASSWORD, uniqueEmail } from "../helpers";

// Every /api/v1 route file, found on disk: without a key it answers 401; with team B's key and team A's ids it
// answers 404 (or B's own data for lists) and never shows A's data. Endpoints no key may use (they need more than
// admin, e.g. removing members) answer 403 for every id alike.
const V1 = path.join(process.cwd(), "app", "api", "v1");
function discover(dir: string, out: { pattern: string; methods: string[] }[] = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) discover(full, out);
    else if (entry.name === "route.ts") {
      const source = fs.readFileSync(full, "utf8");
      const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => new RegExp(`export (const|async function|function) ${m}\\b`).test(source));
      out.push({ pattern: "/api/v1/" + path.relative(V1, dir).split(path.sep).join("/"), methods });
    }
  }
  return out;
}

test("API keys only reach their own team", async ({ request }) => {
  const a = await createTenant("ApiA");
  const b = await createTenant("ApiB");
  const db = e2eDb();
  const agentA = await createAgent(db, a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  const [callA] = await db.insert(calls).values({ teamId: a.team.id, direction: "inbound", fromNumber: "+15551230000", status: "completed", summary: "Alpha secret summary" }).returning();
  const memberA = await signUp(db, { name: "M", email: uniqueEmail("api-a-member"), password: PASSWORD, companyName: "Member Co" });
  await db.insert(memberships).values({ teamId: a.team.id, userId: memberA.user.id, role: "member" });
  const { key: keyB } = await createApiKey(db, b.team.id, { userId: b.user.id, label: b.email }, { name: "B" });
  const fillers: Record<string, string> = { id: callA!.id, user_id: memberA.user.id };

  const routes = discover(V1).filter((r) => !r.pattern.endsWith("openapi.json"));
  expect(routes.length).toBeGreaterThanOrEqual(10);
  for (const route of routes) {
    for (const method of route.methods) {
      const ids = route.pattern.startsWith("/api/v1/agents/") ? { ...fillers, id: agentA.id } : fillers;
      const url = route.pattern.replace(/\[([^\]]+)\]/g, (_, name: string) => ids[name] ?? "missing");
      // Valid bodies, so that a refusal cannot come from validation before the team check.
      const data =
        method === "GET" || method === "DELETE" ? undefined
        : method === "PATCH" && url.includes("/messages/") ? { status: "handled" }
        // B's own policy (the route has no id): a valid change of B's team only.
        : method === "PATCH" && url.endsWith("/retention-policy") ? { recordings_days: 30 }
        : method === "PATCH" ? { name: "Hijacked" }
        : url.endsWith("/test-runs") ? { version: "draft" }
        : url.endsWith("/members") ? { email: uniqueEmail("x"), role: "viewer" }
        // The number of A's call: B looking it up, exporting or erasing it must reach only B's (empty) data.
        : url.endsWith("/caller-data/lookup") ? { number: "+15551230000" }
        : url.includes("/caller-data/") ? { number: "+15551230000", law: "gdpr" }
        : {};
      const anonymous = await request.fetch(url, { method, data, failOnStatusCode: false });
      expect(anonymous.status(), `${method} ${url} without a key`).toBe(401);

      const withB = await request.fetch(url, { method, data, headers: { Authorization: `Bearer ${keyB}` }, failOnStatusCode: false });
      const body = await withB.text();
      const apiPath = route.pattern.replace(/^\/api\/v1/, "").replace(/\[([^\]]+)\]/g, "{$1}");
      const endpoint = V1_ENDPOINTS.find((e) => e.method === method && e.path === apiPath);
      expect(endpoint, `${method} ${apiPath} is a documented endpoint`).toBeDefined();
      if (endpoint && !can(API_KEY_MAX_ROLE, endpoint.permission)) expect(withB.status(), `${method} ${url} with team B's key`).toBe(403);
      else if (/\[/.test(route.pattern)) expect(withB.status(), `${method} ${url} with team B's key`).toBe(404);
      else expect(withB.status(), `${method} ${url} with team B's key`).toBeLessThan(300);
      for (const secret of [a.team.name, a.email, agentA.id, callA!.id, "Alpha secret summary", memberA.user.email]) {
        expect(body, `${method} ${url} leaks team A`).not.toContain(secret);
      }
    }
  }
  // B's erasure of the same caller number left A's call alone.
  expect(await db.select().from(calls).where(eq(calls.id, callA!.id))).toHaveLength(1);
  const openapi = await request.get("/api/v1/openapi.json");
  expect(openapi.status()).toBe(200);
  const docs = await request.get("/docs/api");
  expect(docs.status()).toBe(200);
  expect(await docs.text()).toContain("X-AICA-Signature");
});
