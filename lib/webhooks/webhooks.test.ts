import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { calls, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import type { TResolveHost } from "@/lib/net/guarded-post";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, runDueDeliveries, startWebhookWorker } from "./deliver";
import { emitTeamEvent, hasSubscribedEndpoint } from "./dispatch";
import { emitCallEvent } from "./emit-call-event";
import {
  createWebhookEndpoint,
  createWebhookSchema,
  listWebhookDeliveries,
  PRIVATE_URL_ERROR,
  resendWebhookDelivery,
  setWebhookEndpointActive,
} from "./manage-endpoints";
import { signWebhook, verifyWebhookSignature } from "./signature";

const secretKey = Buffer.alloc(32, 7);

describe("webhook signatures", () => {
  const body = JSON.stringify({ id: "evt_1", type: "call.completed", data: { call_id: "c1" } });
  const now = 1_800_000_000;

  it("verifies a fresh signature over the exact body", () => {
    const header = signWebhook("whsec_test", body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("whsec_test", header, body, 300, now + 10)).toBe(true);
  });

  it("fails for a tampered body, another secret, an old timestamp or a garbled header", () => {
    const header = signWebhook("whsec_test", body, now);
    expect(verifyWebhookSignature("whsec_test", header, body.replace("c1", "c2"), 300, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_other", header, body, 300, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_test", header, body, 300, now + 301)).toBe(false);
    expect(verifyWebhookSignature("whsec_test", header.replace(/t=\d+/, `t=${now + 5}`), body, 300, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_test", "v1=abc", body, 300, now)).toBe(false);
    expect(verifyWebhookSignature("whsec_test", null, body, 300, now)).toBe(false);
  });
});

describe("webhook URLs", () => {
  const events = ["call.completed"];
  const strict = createWebhookSchema({ allowPrivateAddresses: false });
  const open = createWebhookSchema({ allowPrivateAddresses: true });
  const urlError = (schema: typeof strict, url: string) => {
    const result = schema.safeParse({ url, events });
    return result.success ? null : result.error.issues[0]?.message;
  };

  it("accept https to public hosts and check the events", () => {
    expect(urlError(strict, "https://example.com/hook")).toBeNull();
    expect(urlError(strict, "https://hooks.example.test:8443/aica?team=1")).toBeNull();
    expect(urlError(strict, "https://93.184.215.14/hook")).toBeNull();
    expect(strict.safeParse({ url: "https://example.com/hook", events: [] }).success).toBe(false);
    expect(strict.safeParse({ url: "https://example.com/hook", events: ["call.exploded"] }).success).toBe(false);
  });

  it.each([
    "https://localhost/hook",
    "http://localhost:4000/hook",
    "https://LOCALHOST./hook",
    "https://api.localhost/hook",
    "https://127.0.0.1/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://0.0.0.0/hook",
    "https://10.0.0.5/hook",
    "https://172.20.1.1/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::5]/hook",
    "https://intranet/hook",
  ])("refuse %s unless private URLs are allowed", (url) => {
    expect(urlError(strict, url)).toBe(PRIVATE_URL_ERROR);
    expect(urlError(open, url)).toBeNull();
  });

  it("refuse plain http to public hosts, credentials and other schemes in every mode", () => {
    expect(urlError(strict, "http://example.com/hook")).toBe("Use an https:// URL");
    expect(urlError(open, "http://example.com/hook")).toMatch(/^Use an https:\/\/ URL \(http:\/\/ is allowed for private addresses only\)$/);
    for (const schema of [strict, open]) {
      expect(urlError(schema, "https://user:pass@example.com/hook")).toMatch(/user name and password/);
      expect(urlError(schema, "https://token@example.com/hook")).toMatch(/user name and password/);
      expect(urlError(schema, "ftp://example.com/hook")).toBe("Use an https:// URL");
      expect(urlError(schema, "file:///etc/passwd")).not.toBeNull();
      expect(urlError(schema, "not a url")).toBe("Enter a full URL, like https://example.com/webhooks");
    }
  });
});

describe("webhook delivery", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const { user, team } = await signUp(t.db, { name: "W", email: "w@example.test", password: "password-wwww", companyName: "Hook Co" });
  const other = await signUp(t.db, { name: "X", email: "x@example.test", password: "password-xxxx", companyName: "Other Co" });
  const actor = { userId: user.id, label: user.email };

  // A receiver that fails the first `failures` requests with 500, then answers 200, recording what it got.
  async function receiver(failures: number) {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        if (received.length <= failures) res.writeHead(500).end("temporarily broken");
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it("emits only to the team's active endpoints subscribed to the event", async () => {
    const rx = await receiver(0);
    await createWebhookEndpoint(t.db, team.id, actor, { url: rx.url, events: ["call.started"] }, secretKey);
    const disabled = await createWebhookEndpoint(t.db, team.id, actor, { url: rx.url, events: ["call.started"] }, secretKey);
    await setWebhookEndpointActive(t.db, team.id, disabled.id, false, actor);
    await createWebhookEndpoint(t.db, other.team.id, { userId: other.user.id, label: other.user.email }, { url: rx.url, events: ["call.started"] }, secretKey);
    expect((await emitTeamEvent(t.db, team.id, "call.completed", { call_id: "x" })).deliveries).toBe(0);
    expect((await emitTeamEvent(t.db, team.id, "call.started", { call_id: "x" })).deliveries).toBe(1);
    await rx.close();
  });

  it("tells whether a team listens for an event: only its own active endpoints subscribed to it count", async () => {
    const quiet = await signUp(t.db, { name: "Q", email: "q@example.test", password: "password-qqqq", companyName: "Quiet Co" });
    const loud = await signUp(t.db, { name: "L2", email: "l2@example.test", password: "password-llll", companyName: "Loud Co" });
    const quietActor = { userId: quiet.user.id, label: quiet.user.email };
    expect(await hasSubscribedEndpoint(t.db, quiet.team.id, "call.completed")).toBe(false);
    // Another team's endpoint for the event, and this team's endpoints for another event or switched off.
    await createWebhookEndpoint(t.db, loud.team.id, { userId: loud.user.id, label: loud.user.email }, { url: "https://hooks.example.test/l", events: ["call.completed"] }, secretKey);
    await createWebhookEndpoint(t.db, quiet.team.id, quietActor, { url: "https://hooks.example.test/q", events: ["call.started"] }, secretKey);
    const off = await createWebhookEndpoint(t.db, quiet.team.id, quietActor, { url: "https://hooks.example.test/q2", events: ["call.completed"] }, secretKey);
    await setWebhookEndpointActive(t.db, quiet.team.id, off.id, false, quietActor);
    expect(await hasSubscribedEndpoint(t.db, quiet.team.id, "call.completed")).toBe(false);
    expect(await hasSubscribedEndpoint(t.db, loud.team.id, "call.completed")).toBe(true);
    expect(await hasSubscribedEndpoint(t.db, quiet.team.id, "call.started")).toBe(true);
    await setWebhookEndpointActive(t.db, quiet.team.id, off.id, true, quietActor);
    expect(await hasSubscribedEndpoint(t.db, quiet.team.id, "call.completed")).toBe(true);
  });

  it("retries a failing endpoint with backoff until it succeeds, signing every attempt", async () => {
    await t.db.delete(webhookDeliveries).where(eq(webhookDeliveries.teamId, team.id));
    const rx = await receiver(2);
    const { secret } = await createWebhookEndpoint(t.db, team.id, actor, { url: rx.url, events: ["call.completed"] }, secretKey);
    const t0 = new Date("2030-01-01T00:00:00Z");
    const { eventId } = await emitTeamEvent(t.db, team.id, "call.completed", { call_id: "call-1", outcome: "resolved" }, t0);

    expect(await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: t0 })).toMatchObject({ attempted: 1, retrying: 1 });
    // Not due again until the first backoff has passed.
    expect((await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: new Date(t0.getTime() + RETRY_DELAYS_MS[0]! - 1000) })).attempted).toBe(0);
    const t1 = new Date(t0.getTime() + RETRY_DELAYS_MS[0]!);
    expect(await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: t1 })).toMatchObject({ attempted: 1, retrying: 1 });
    let [log] = await listWebhookDeliveries(t.db, team.id);
    expect(log).toMatchObject({ status: "pending", attempts: 2, lastStatusCode: 500, lastError: "HTTP 500: temporarily broken" });
    expect(log?.nextAttemptAt?.getTime()).toBe(t1.getTime() + RETRY_DELAYS_MS[1]!);

    const t2 = new Date(t1.getTime() + RETRY_DELAYS_MS[1]!);
    expect(await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: t2 })).toMatchObject({ attempted: 1, succeeded: 1 });
    [log] = await listWebhookDeliveries(t.db, team.id);
    expect(log).toMatchObject({ status: "succeeded", attempts: 3, lastStatusCode: 204, lastError: null });
    expect(log?.deliveredAt?.getTime()).toBe(t2.getTime());

    expect(rx.received).toHaveLength(3);
    for (const r of rx.received) {
      expect(r.headers["x-aica-event"]).toBe("call.completed");
      expect(r.headers["x-aica-delivery"]).toBe(log?.id);
      const sig = String(r.headers["x-aica-signature"]);
      const ts = Number(/t=(\d+)/.exec(sig)?.[1]);
      expect(verifyWebhookSignature(secret, sig, r.body, 300, ts)).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({ id: eventId, type: "call.completed", team_id: team.id, data: { call_id: "call-1" } });
    }
    // Nothing left to send.
    expect((await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: new Date(t2.getTime() + 86_400_000) })).attempted).toBe(0);
    await rx.close();
  });

  it("gives up after the last attempt, and resend queues a fresh copy", async () => {
    await t.db.delete(webhookDeliveries).where(eq(webhookDeliveries.teamId, team.id));
    const rx = await receiver(1000);
    await createWebhookEndpoint(t.db, team.id, actor, { url: rx.url, events: ["call.analyzed"] }, secretKey);
    let now = new Date("2031-01-01T00:00:00Z");
    await emitTeamEvent(t.db, team.id, "call.analyzed", { call_id: "c2" }, now);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      expect((await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now })).attempted).toBe(1);
      now = new Date(now.getTime() + (RETRY_DELAYS_MS[i] ?? 0));
    }
    const [failed] = await listWebhookDeliveries(t.db, team.id);
    expect(failed).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, nextAttemptAt: null });
    expect((await runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now: new Date(now.getTime() + 10 * 86_400_000) })).attempted).toBe(0);

    await resendWebhookDelivery(t.db, team.id, failed!.id, actor);
    const log = await listWebhookDeliveries(t.db, team.id);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ status: "pending", attempts: 0 });
    await expect(resendWebhookDelivery(t.db, other.team.id, failed!.id, actor)).rejects.toMatchObject({ code: "not_found" });
    await rx.close();
  });

  it("two workers running at once never send the same delivery twice", async () => {
    await t.db.delete(webhookEndpoints).where(eq(webhookEndpoints.teamId, team.id));
    const rx = await receiver(0);
    await createWebhookEndpoint(t.db, team.id, actor, { url: rx.url, events: ["call.started"] }, secretKey);
    const now = new Date("2032-01-01T00:00:00Z");
    for (let i = 0; i < 10; i++) await emitTeamEvent(t.db, team.id, "call.started", { n: i }, now);
    const runs = await Promise.all([
      runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now, batchSize: 100 }),
      runDueDeliveries(t.db, { secretKey, allowPrivateAddresses: true, now, batchSize: 100 }),
    ]);
    const ids = rx.received.map((r) => String(r.headers["x-aica-delivery"]));
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(runs[0].attempted + runs[1].attempted).toBe(10);
    await rx.close();
  });

  describe("to private addresses", () => {
    const at = (ip: string): TResolveHost => async () => [{ address: ip, family: ip.includes(":") ? 6 : 4 }];
    const portOf = (url: string) => new URL(url).port;

    async function queueOne(url: string) {
      await t.db.delete(webhookEndpoints).where(eq(webhookEndpoints.teamId, team.id));
      await createWebhookEndpoint(t.db, team.id, actor, { url, events: ["call.completed"] }, secretKey);
      await emitTeamEvent(t.db, team.id, "call.completed", { call_id: "ssrf" }, now);
    }
    const now = new Date("2033-01-01T00:00:00Z");

    it("refuses a hostname that resolves to loopback, records why and does not retry", async () => {
      const rx = await receiver(0);
      const resolved: string[] = [];
      await queueOne(`http://hooks.attacker.test:${portOf(rx.url)}/hook`);
      const run = await runDueDeliveries(t.db, {
        secretKey,
        now,
        resolve: async (host) => (resolved.push(host), [{ address: "127.0.0.1", family: 4 }]),
      });
      expect(run).toMatchObject({ attempted: 1, failed: 1, retrying: 0 });
      expect(resolved).toEqual(["hooks.attacker.test"]);
      expect(rx.received).toHaveLength(0);
      const [log] = await listWebhookDeliveries(t.db, team.id);
      expect(log).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: null, lastStatusCode: null, lastError: "blocked: resolves to a private address 127.0.0.1 (loopback)" });
      expect((await runDueDeliveries(t.db, { secretKey, now: new Date(now.getTime() + 86_400_000), resolve: at("127.0.0.1") })).attempted).toBe(0);
      await rx.close();
    });

    it("refuses when any resolved address is private, and private literals", async () => {
      await queueOne("https://mixed.attacker.test/hook");
      await runDueDeliveries(t.db, {
        secretKey,
        now,
        resolve: async () => [
          { address: "93.184.215.14", family: 4 },
          { address: "10.0.0.5", family: 4 },
        ],
      });
      expect((await listWebhookDeliveries(t.db, team.id))[0]?.lastError).toBe("blocked: resolves to a private address 10.0.0.5");

      for (const [url, error] of [
        ["http://169.254.169.254/latest/meta-data/", "blocked: 169.254.169.254 is a private address (link-local)"],
        ["http://[::ffff:7f00:1]:9/hook", "blocked: ::ffff:7f00:1 is a private address (loopback)"],
        ["https://2130706433/hook", "blocked: 127.0.0.1 is a private address (loopback)"],
      ] as const) {
        await queueOne(url);
        expect(await runDueDeliveries(t.db, { secretKey, now, resolve: at("8.8.8.8") })).toMatchObject({ attempted: 1, failed: 1 });
        expect((await listWebhookDeliveries(t.db, team.id))[0]).toMatchObject({ status: "failed", lastError: error });
      }
    });

    it("delivers to the checked address when private addresses are allowed", async () => {
      const rx = await receiver(0);
      // Not resolvable by the system: the connection can only have used the injected answer.
      await queueOne(`http://hooks.attacker.test:${portOf(rx.url)}/hook`);
      expect(await runDueDeliveries(t.db, { secretKey, now, resolve: at("127.0.0.1"), allowPrivateAddresses: true })).toMatchObject({ succeeded: 1 });
      expect(rx.received).toHaveLength(1);
      expect(rx.received[0]?.headers.host).toBe(`hooks.attacker.test:${portOf(rx.url)}`);
      await rx.close();
    });

    it("does not follow redirects", async () => {
      const paths: string[] = [];
      const server = http.createServer((req, res) => {
        paths.push(String(req.url));
        res.writeHead(302, { Location: "http://169.254.169.254/latest/meta-data/" }).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      await queueOne(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      expect(await runDueDeliveries(t.db, { secretKey, now, allowPrivateAddresses: true })).toMatchObject({ retrying: 1 });
      expect(paths).toEqual(["/hook"]);
      expect((await listWebhookDeliveries(t.db, team.id))[0]).toMatchObject({
        status: "pending",
        lastStatusCode: 302,
        lastError: "HTTP 302: redirects are not followed (to http://169.254.169.254/latest/meta-data/)",
      });
      await new Promise<void>((r) => server.close(() => r()));
    });
  });
});

describe("call events", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const { user, team } = await signUp(t.db, { name: "C", email: "c@example.test", password: "password-cccc", companyName: "Call Co" });
  const actor = { userId: user.id, label: user.email };
  await createWebhookEndpoint(t.db, team.id, actor, { url: "https://hooks.example.test/x", events: ["call.started", "call.completed", "call.analyzed"] }, secretKey);
  const [call] = await t.db.insert(calls).values({ teamId: team.id, direction: "inbound", fromNumber: "+15550001111", status: "completed", outcome: "resolved", summary: "Booked a table" }).returning();
  const [testCall] = await t.db.insert(calls).values({ teamId: team.id, direction: "web", isTest: true }).returning();

  it("sends the call as the API shows it, started/completed once per call, analyzed every time, never for test calls", async () => {
    expect(await emitCallEvent(t.db, team.id, call!.id, "call.completed")).toBe(1);
    expect(await emitCallEvent(t.db, team.id, call!.id, "call.completed")).toBe(0);
    expect(await emitCallEvent(t.db, team.id, call!.id, "call.analyzed")).toBe(1);
    expect(await emitCallEvent(t.db, team.id, call!.id, "call.analyzed")).toBe(1);
    expect(await emitCallEvent(t.db, team.id, testCall!.id, "call.started")).toBe(0);
    const log = await listWebhookDeliveries(t.db, team.id);
    expect(log.map((d) => d.event).sort()).toEqual(["call.analyzed", "call.analyzed", "call.completed"]);
    expect(log[0]?.payload).toMatchObject({ type: expect.any(String), data: { call: { id: call!.id, outcome: "resolved", summary: "Booked a table", from: "+15550001111" } } });
  });
});

describe("startWebhookWorker", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const { user, team } = await signUp(t.db, { name: "L", email: "l@example.test", password: "password-llll", companyName: "Loop Co" });

  it("delivers queued events in the background until stopped", async () => {
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      received.push(String(req.headers["x-aica-event"]));
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await createWebhookEndpoint(t.db, team.id, { userId: user.id, label: user.email }, { url, events: ["call.completed"] }, secretKey);
    const worker = startWebhookWorker({ databaseUrl: t.url, intervalMs: 50, secretKey, allowPrivateAddresses: true });
    await emitTeamEvent(t.db, team.id, "call.completed", { call_id: "bg" });
    // Generous: the worker polls every 50 ms; this only guards against a worker that never sends.
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    server.close();
    expect(received).toEqual(["call.completed"]);
    const [delivery] = await listWebhookDeliveries(t.db, team.id);
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200 });
  });
});
