import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { agents, teams } from "@/db/schema";
import { createAgent } from "@/lib/agents/create-agent";
import { addKnowledge, listKnowledge } from "@/lib/agents/knowledge";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { listCalls } from "@/lib/calls/list-calls";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";

// Oversized bodies get 413 without being read whole, and a NUL character in free text gets 400, not 500. Found by
// trying: /api/v1 parsed a 30 MB body before refusing it, and Postgres' refusal of U+0000 surfaced as 500s.
const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; email: string } } }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));
vi.mock("@/lib/auth/auth", () => ({ auth: async () => session.current, signIn: async () => {}, signOut: async () => {} }));

const t = await createTestDb();
process.env.DATABASE_URL = t.url;
afterAll(() => t.drop());
const routes = {
  calls: await import("@/app/api/v1/calls/route"),
  agent: await import("@/app/api/v1/agents/[id]/route"),
  members: await import("@/app/api/v1/members/route"),
};
const settings = await import("@/app/t/[slug]/settings/actions");

const alpha = await signUp(t.db, { name: "A", email: "owner@alpha.test", password: "password-aaaa", companyName: "Alpha" });
const beta = await signUp(t.db, { name: "B", email: "owner@beta.test", password: "password-bbbb", companyName: "Beta" });
const actor = { userId: alpha.user.id, label: alpha.user.email };
const agent = await createAgent(t.db, alpha.team, actor, { templateKey: "receptionist" });
const { key } = await createApiKey(t.db, alpha.team.id, actor, { name: "k" });

type THandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function send(handler: THandler, path: string, init: RequestInit & { params?: Record<string, string> } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  const request = new Request(`http://localhost/api/v1${path}`, { ...init, headers, duplex: "half" } as RequestInit);
  const response = await handler(request, { params: Promise.resolve(init.params ?? {}) });
  return { status: response.status, json: (await response.json()) as { error: { code: string; message: string; issues?: unknown[] } } };
}

// A 30 MB body produced on demand, counting what the server pulled.
function hugeStream(totalBytes: number) {
  const chunk = new TextEncoder().encode(`{"email":"a@example.test","role":"member","pad":"${"x".repeat(64 * 1024)}`);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => sent };
}

describe("oversized bodies", () => {
  it("a 30 MB body streamed without Content-Length is refused with 413 after about 1 MB, not read to the end", async () => {
    const body = hugeStream(30 * 1024 * 1024);
    const res = await send(routes.members.POST, "/members", { method: "POST", body: body.stream, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: { code: "payload_too_large", message: "The request body is larger than 1 MB." } });
    expect(body.pulled()).toBeLessThan(2 * 1024 * 1024);
  });

  it("a declared Content-Length over 1 MB is refused before reading", async () => {
    const body = hugeStream(30 * 1024 * 1024);
    const res = await send(routes.members.POST, "/members", {
      method: "POST",
      body: body.stream,
      headers: { "content-type": "application/json", "content-length": String(30 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(64 * 1024 + 100);
  });

  it("a body just over 1 MB gets 413 and changes nothing; a large valid body under it still works", async () => {
    const over = await send(routes.agent.PATCH, `/agents/${agent.id}`, {
      method: "PATCH",
      params: { id: agent.id },
      body: JSON.stringify({ name: "Too big", config: { systemPrompt: "x".repeat(1024 * 1024) } }),
    });
    expect(over.status).toBe(413);
    const [row] = await t.db.select({ name: agents.name }).from(agents).where(eq(agents.id, agent.id));
    expect(row?.name).not.toBe("Too big");
    const ok = await send(routes.agent.PATCH, `/agents/${agent.id}`, { method: "PATCH", params: { id: agent.id }, body: JSON.stringify({ config: { systemPrompt: "y".repeat(19_000) } }) });
    expect(ok.status).toBe(200);
  });
});

describe("NUL characters", () => {
  it.each([
    ["/calls?q=%00", "q"],
    ["/calls?q=parking%00lot", "q"],
    ["/calls?topic=bill%00ing", "topic"],
  ])("GET %s answers 400 naming the parameter", async (path, param) => {
    const res = await send(routes.calls.GET, path);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toBe(`Invalid query parameter ${param}: Must not contain NUL characters (\\u0000)`);
  });

  it("a NUL anywhere in a JSON body answers 400 and stores nothing", async () => {
    const res = await send(routes.agent.PATCH, `/agents/${agent.id}`, {
      method: "PATCH",
      params: { id: agent.id },
      body: JSON.stringify({ config: { greeting: "Hello\u0000there" } }),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("Invalid body config.greeting: Must not contain NUL characters (\\u0000)");
  });

  it("the calls page's filters and the knowledge search refuse or ignore it instead of failing in Postgres", async () => {
    await expect(listCalls(t.db, alpha.team.id, { q: "a\u0000b" }, null, 50)).rejects.toMatchObject({ code: "bad_request" });
    await expect(listCalls(t.db, alpha.team.id, { topic: "\u0000" }, null, 50)).rejects.toMatchObject({ code: "bad_request" });
    await addKnowledge(t.db, { teamId: alpha.team.id, agentId: agent.id }, actor, { kind: "qa", title: "Zebra crossing nearby?", content: "Yes, at the corner." });
    expect(await listKnowledge(t.db, { teamId: alpha.team.id, agentId: agent.id }, { search: "zebra\u0000" })).toEqual([]);
    expect(await listKnowledge(t.db, { teamId: alpha.team.id, agentId: agent.id }, { search: "zebra" })).toHaveLength(1);
  });

  it("a server action field with NUL gets a field error, not a 500; another team is still 404", async () => {
    session.current = { user: { id: alpha.user.id, email: alpha.user.email } };
    const form = new FormData();
    form.set("name", "Alpha\u0000Evil");
    form.set("concurrentCallLimit", "3");
    const result = await settings.updateTeamSettingsAction(alpha.team.slug, undefined, form);
    expect(result.fieldErrors).toEqual({ name: "Must not contain NUL characters (\\u0000)" });
    const [team] = await t.db.select({ name: teams.name }).from(teams).where(eq(teams.id, alpha.team.id));
    expect(team?.name).toBe("Alpha");
    const foreign = await settings.updateTeamSettingsAction(beta.team.slug, undefined, form).catch((e: unknown) => e);
    expect((foreign as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
  });
});
