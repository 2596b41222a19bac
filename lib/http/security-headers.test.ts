import { describe, expect, it } from "vitest";
import { securityHeaders } from "./security-headers";

const base = { nonce: "bm9uY2U=", isProduction: true, voicePublicUrl: "https://voice.example.com" };

describe("securityHeaders", () => {
  it("a strict script policy with the nonce, no framing, and the voice server reachable for test calls", () => {
    const csp = securityHeaders({ ...base, pathname: "/t/acme/calls" })["Content-Security-Policy"]!;
    expect(csp).toContain("script-src 'self' 'nonce-bm9uY2U='");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("connect-src 'self' wss://voice.example.com https://voice.example.com");
  });

  it("HSTS only in production; development may eval for React's debugging aids", () => {
    expect(securityHeaders({ ...base, pathname: "/" })["Strict-Transport-Security"]).toMatch(/^max-age=\d+/);
    const dev = securityHeaders({ ...base, isProduction: false, voicePublicUrl: "http://localhost:3001", pathname: "/" });
    expect(dev["Strict-Transport-Security"]).toBeUndefined();
    expect(dev["Content-Security-Policy"]).toContain("'unsafe-eval'");
    expect(dev["Content-Security-Policy"]).toContain("ws://localhost:3001");
  });

  it("the microphone only in the agent section", () => {
    const mic = (pathname: string) => securityHeaders({ ...base, pathname })["Permissions-Policy"]!.match(/microphone=\([^)]*\)/)?.[0];
    for (const path of ["/t/acme/agents", "/t/acme/agents/new", "/t/acme/agents/5f0c/versions"]) expect(mic(path), path).toBe("microphone=(self)");
    for (const path of ["/", "/signin", "/t/acme", "/t/acme/calls", "/t/agents-co/calls", "/t/acme/agentsx", "/api/v1/calls"]) expect(mic(path), path).toBe("microphone=()");
  });

  it("the fixed headers", () => {
    expect(securityHeaders({ ...base, pathname: "/" })).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "X-Frame-Options": "DENY",
    });
  });
});
