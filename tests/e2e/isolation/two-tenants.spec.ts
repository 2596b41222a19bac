import { expect, test } from "@playwright/test";
import { agentTestRuns } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { syncCaller } from "@/lib/callers/sync-caller";
import { createCall } from "@/lib/calls/create-call";
import { createPrivacyRequest } from "@/lib/privacy/requests";
import { parseCallerNumber } from "@/lib/privacy/subject";
import { E2E } from "../env";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { createTenant, e2eDb, signInUi } from "../helpers";
import { discoverTeamRoutes, fillPattern } from "./team-routes";

// Team B's member must get 404 for every page and route of team A, and never see A's data.
test("a member of team B gets 404 on every page and route of team A", async ({ page }) => {
  const a = await createTenant("TenantA");
  const b = await createTenant("TenantB");
  const routes = discoverTeamRoutes();
  expect(routes.filter((r) => r.kind === "page").length).toBeGreaterThanOrEqual(8);
  expect(routes.filter((r) => r.kind === "route").length).toBeGreaterThanOrEqual(2);

  // Values for nested dynamic segments (ids of A's rows) are added here as later features create them.
  const agentA = await createAgent(e2eDb(), a.team, { userId: a.user.id, label: a.email }, { templateKey: "receptionist" });
  const callA = await createCall(e2eDb(), { teamId: a.team.id, direction: "inbound", fromNumber: "+15550001234", endedAt: new Date(), outcome: "abandoned" });
  const requestA = await createPrivacyRequest(e2eDb(), {
    teamId: a.team.id,
    kind: "export",
    law: "gdpr",
    subject: parseCallerNumber("+14155550123"),
    secretKey: Buffer.from(E2E.encryptionKey, "base64"),
    actor: { userId: a.user.id, label: a.email },
  });
  const messageA = await takeCallerMessage(e2eDb(), { teamId: a.team.id, callId: callA.id, agentId: null, callerName: "Tenant A caller", callbackNumber: "+15550001234", message: "Call me" });
  const callerA = await syncCaller(e2eDb(), { teamId: a.team.id, e164: "+15550001234" });
  const [runA] = await e2eDb().insert(agentTestRuns).values({ teamId: a.team.id, agentId: agentA.id, target: "draft", startedByLabel: a.email }).returning();
  const fillers = (slug: string): Record<string, string> => ({ slug, agentId: agentA.id, callId: callA.id, callerId: callerA!.id, messageId: messageA.id, requestId: requestA.id, runId: runA!.id });

  await signInUi(page, b.email);
  for (const route of routes) {
    for (const method of route.methods) {
      const url = fillPattern(route.pattern, fillers(a.team.slug));
      const response = await page.request.fetch(url, { method, failOnStatusCode: false, maxRedirects: 0, data: method === "GET" ? undefined : {} });
      expect(response.status(), `${method} ${url}`).toBe(404);
      const body = await response.text();
      expect(body, `${method} ${url} leaks team A`).not.toContain(a.team.name);
      expect(body).not.toContain(a.email);
    }
  }

  // B's own pages work and show nothing of A.
  for (const route of routes.filter((r) => r.kind === "page" && r.params.length === 0)) {
    const url = fillPattern(route.pattern, fillers(b.team.slug));
    const response = await page.request.get(url);
    expect(response.status(), url).toBe(200);
    const body = await response.text();
    expect(body).toContain(b.team.name);
    expect(body, `${url} leaks team A`).not.toContain(a.team.name);
    expect(body).not.toContain(a.email);
  }

  // A's row ids under B's own slug are unknown ids, not A's data. B's layout has already streamed by then
  // (app/t/[slug]/loading.tsx), so the not-found page may arrive with status 200.
  for (const route of routes.filter((r) => r.kind === "page" && r.params.length > 0)) {
    const url = fillPattern(route.pattern, fillers(b.team.slug));
    const response = await page.request.get(url, { failOnStatusCode: false });
    const body = await response.text();
    expect([200, 404], url).toContain(response.status());
    expect(body, `${url} with team A's ids`).toContain("Page not found");
    expect(body).not.toContain(a.team.name);
  }

  // The team switcher lists only B's teams.
  await page.goto(`/t/${b.team.slug}`);
  await expect(page.getByRole("combobox", { name: "Switch team" }).locator("option", { hasText: a.team.name })).toHaveCount(0);
});

test("signed-out visitors are sent to sign in and API routes answer 401", async ({ page }) => {
  const a = await createTenant("Anon");
  await page.goto(`/t/${a.team.slug}/settings`);
  await expect(page).toHaveURL(/\/signin/);
  const api = await page.request.get(`/api/teams/${a.team.slug}/members`, { failOnStatusCode: false });
  expect(api.status()).toBe(401);
  expect(await api.json()).toEqual({ error: { code: "unauthenticated", message: "Sign in first." } });
});
