import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { BlockedDestinationError, guardedPost, RequestTimeoutError, type TResolveHost } from "./guarded-post";

const post = { body: '{"ok":true}', headers: { "Content-Type": "application/json" }, timeoutMs: 10_000 };
const at = (...ips: string[]): TResolveHost => async () => ips.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }) as const);

describe("guardedPost", async () => {
  const seen: { path: string; host: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ path: String(req.url), host: String(req.headers.host), body });
      if (req.url === "/silent") return; // never answers
      if (req.url === "/huge") return res.writeHead(200).end("x".repeat(1_000_000));
      res.writeHead(201).end("created");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("posts to the address the resolver checked, with the name in Host", async () => {
    const response = await guardedPost(`http://receiver.test:${port}/hook?x=1`, { ...post, resolve: at("127.0.0.1"), allowPrivateAddresses: true });
    expect(response).toMatchObject({ status: 201, text: "created" });
    expect(seen.at(-1)).toEqual({ path: "/hook?x=1", host: `receiver.test:${port}`, body: '{"ok":true}' });
  });

  it("refuses private answers before connecting", async () => {
    const before = seen.length;
    for (const [ips, address, message] of [
      [["127.0.0.1"], "127.0.0.1", "blocked: resolves to a private address 127.0.0.1 (loopback)"],
      [["8.8.8.8", "fd00::1"], "fd00::1", "blocked: resolves to a private address fd00::1 (unique local)"],
      [["::ffff:169.254.169.254"], "::ffff:169.254.169.254", "blocked: resolves to a private address ::ffff:169.254.169.254 (link-local)"],
    ] as const) {
      const error = await guardedPost(`http://receiver.test:${port}/hook`, { ...post, resolve: at(...ips) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlockedDestinationError);
      expect(error).toMatchObject({ message, address });
    }
    await expect(guardedPost(`http://127.0.0.1:${port}/hook`, post)).rejects.toThrow("blocked: 127.0.0.1 is a private address (loopback)");
    await expect(guardedPost(`http://[::1]:${port}/hook`, post)).rejects.toThrow("blocked: ::1 is a private address (loopback)");
    expect(seen.length).toBe(before);
  });

  it("refuses credentials and other schemes even when private addresses are allowed", async () => {
    const open = { ...post, resolve: at("127.0.0.1"), allowPrivateAddresses: true };
    await expect(guardedPost(`http://u:p@receiver.test:${port}/hook`, open)).rejects.toThrow("blocked: the URL contains credentials");
    await expect(guardedPost("ftp://receiver.test/hook", open)).rejects.toBeInstanceOf(BlockedDestinationError);
  });

  it("gives up on a receiver that never answers", async () => {
    const error = await guardedPost(`http://127.0.0.1:${port}/silent`, { ...post, timeoutMs: 300, allowPrivateAddresses: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as Error).message).toBe("No response within 300 ms");
  });

  it("reads at most maxResponseBytes of the answer", async () => {
    const response = await guardedPost(`http://127.0.0.1:${port}/huge`, { ...post, allowPrivateAddresses: true, maxResponseBytes: 1000 });
    expect(response.status).toBe(200);
    expect(response.text).toHaveLength(1000);
  });

  it("reports a name that resolves to nothing", async () => {
    await expect(guardedPost("https://nothing.test/hook", { ...post, resolve: async () => [] })).rejects.toThrow("nothing.test did not resolve to any address");
  });
});
