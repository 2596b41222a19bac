import { describe, expect, it } from "vitest";
import { parseIpAddress } from "./ip-address";

describe("parseIpAddress", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["203.0.113.7:51234", "203.0.113.7"],
    ["2001:DB8::1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
  ])("accepts %j", (raw, expected) => {
    expect(parseIpAddress(raw)).toBe(expected);
  });

  // Each of these went into the inet column as it was (the old check only looked at the characters) and failed
  // the write, so every audited action of a request carrying it answered 500.
  it.each(["999.999.999.999", "1.2.3.4.5", "::::", "1:2:3", "abc", "unknown", "fe80::1%eth0", "203.0.113.7, 10.0.0.1", "", "   ", "1".repeat(100)])(
    "refuses %j",
    (raw) => {
      expect(parseIpAddress(raw)).toBeNull();
    },
  );

  it("refuses nothing at all", () => {
    expect(parseIpAddress(null)).toBeNull();
    expect(parseIpAddress(undefined)).toBeNull();
  });
});
