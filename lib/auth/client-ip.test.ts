import { describe, expect, it } from "vitest";
import { clientIp, rateLimitIpKey } from "./client-ip";

const h = (xff?: string | string[], realIp?: string) => {
  const headers = new Headers();
  for (const value of [xff ?? []].flat()) headers.append("x-forwarded-for", value);
  if (realIp) headers.set("x-real-ip", realIp);
  return headers;
};

describe("clientIp", () => {
  it("with no trusted proxy (the default) believes no forwarded header", () => {
    expect(clientIp(h("198.51.100.1"), 0)).toBeNull();
    expect(clientIp(h(undefined, "198.51.100.1"), 0)).toBeNull();
    expect(rateLimitIpKey(clientIp(h("198.51.100.1"), 0))).toBe("unknown");
  });

  it("takes the address the outermost trusted proxy appended, ignoring what the client put left of it", () => {
    expect(clientIp(h("1.1.1.1, 2.2.2.2, 203.0.113.9"), 1)).toBe("203.0.113.9");
    expect(clientIp(h("1.1.1.1, 203.0.113.9, 10.0.0.2"), 2)).toBe("203.0.113.9");
    // Several headers count as one list, in order.
    expect(clientIp(h(["6.6.6.6", "203.0.113.9"]), 1)).toBe("203.0.113.9");
  });

  it("never reads X-Real-IP, which a client can send as well", () => {
    expect(clientIp(h(undefined, "6.6.6.6"), 1)).toBeNull();
    expect(clientIp(h("203.0.113.9", "6.6.6.6"), 1)).toBe("203.0.113.9");
  });

  it("is null, never an error, when the header is short or the hop is malformed", () => {
    expect(clientIp(h("203.0.113.9"), 2)).toBeNull();
    expect(clientIp(h(""), 1)).toBeNull();
    expect(clientIp(h("1.1.1.1, 999.999.999.999"), 1)).toBeNull();
    expect(clientIp(h("1.1.1.1, not-an-ip"), 1)).toBeNull();
    expect(clientIp(h("1.1.1.1, [2001:db8::5]:1234"), 1)).toBe("2001:db8::5");
  });
});
