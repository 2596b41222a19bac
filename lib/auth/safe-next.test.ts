import { describe, expect, it } from "vitest";
import { safeNextPath, safeRedirectUrl } from "./safe-next";

// Each of these redirected off-site after signing in before the fix.
const HOSTILE = [
  "https://evil.example",
  "http://evil.example/t/x",
  "//evil.example",
  "//evil.example/path",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "javascript:alert(1)",
  "JavaScript:alert(document.cookie)",
  " javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/\t/evil.example",
  "/\n/evil.example",
  "/ /evil.example",
  "%2F%2Fevil.example",
  "/%2Fevil.example",
  "/%2F%2Fevil.example",
  "/%5Cevil.example",
  "/%09/evil.example",
  "/%252F%252Fevil.example",
  "%68ttps://evil.example",
  "https:evil.example",
  "evil.example",
  "",
  "/".repeat(1) + "x".repeat(3000),
  "/bad%",
];

describe("safeNextPath", () => {
  it.each(HOSTILE)("refuses %j", (raw) => {
    expect(safeNextPath(raw, "/dashboard")).toBe("/dashboard");
  });

  it("refuses values that are not strings", () => {
    for (const raw of [null, undefined, 42, ["/t/a"], { href: "/t/a" }]) expect(safeNextPath(raw, "/fallback")).toBe("/fallback");
  });

  it.each([
    ["/dashboard", "/dashboard"],
    ["/invite/AbC_123-xyz", "/invite/AbC_123-xyz"],
    ["/t/acme/calls?q=opening%20hours&outcome=resolved", "/t/acme/calls?q=opening%20hours&outcome=resolved"],
    ["/t/acme/agents/1#tab", "/t/acme/agents/1#tab"],
    ["/t/acme/../other", "/t/other"],
  ])("keeps the site path %j", (raw, expected) => {
    expect(safeNextPath(raw, "/dashboard")).toBe(expected);
  });
});

describe("safeRedirectUrl (Auth.js redirect callback)", () => {
  const base = "https://app.example.com";
  it("keeps same-origin URLs and paths, sends everything else to the app root", () => {
    expect(safeRedirectUrl("/t/acme", base)).toBe("https://app.example.com/t/acme");
    expect(safeRedirectUrl("https://app.example.com/dashboard?x=1", base)).toBe("https://app.example.com/dashboard?x=1");
    for (const url of ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "https://app.example.com.evil.example/"]) {
      expect(new URL(safeRedirectUrl(url, base)).origin, url).toBe(base);
    }
  });
});
