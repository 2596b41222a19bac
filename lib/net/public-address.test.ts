import { describe, expect, it } from "vitest";
import { checkAddress, isPrivateHost, isPublicAddress } from "./public-address";

describe("isPublicAddress", () => {
  it.each([
    ["8.8.8.8"],
    ["1.1.1.1"],
    ["93.184.215.14"],
    ["172.15.255.255"],
    ["172.32.0.1"],
    ["100.63.255.255"],
    ["100.128.0.1"],
    ["192.169.0.1"],
    ["169.253.255.255"],
    ["223.255.255.255"],
    ["2606:4700:4700::1111"],
    ["2001:4860:4860::8888"],
    ["[2a00:1450:4001:81c::200e]"],
    ["::ffff:8.8.8.8"],
    ["::ffff:808:808"],
    ["64:ff9b::808:808"],
    ["2002:808:808::1"],
  ])("%s is public", (ip) => {
    expect(checkAddress(ip)).toEqual({ isPublic: true });
  });

  it.each([
    ["0.0.0.0", "this network"],
    ["0.1.2.3", "this network"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.5", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["169.254.169.254", "link-local"],
    ["169.254.0.1", "link-local"],
    ["192.0.0.170", "IETF protocol assignments"],
    ["192.0.2.1", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.5", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:0.0.0.0", "this network"],
    ["64:ff9b::a00:5", "private"],
    ["2002:7f00:1::", "loopback"],
    ["::127.0.0.1", "reserved"],
    ["fe80::1", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["fc00::1", "unique local"],
    ["fd12:3456:789a::1", "unique local"],
    ["fec0::1", "site-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["2001::1", "IETF protocol assignments"],
    ["3fff::1", "documentation"],
    ["100::1", "reserved"],
    ["fd00:ec2::254", "unique local"],
  ])("%s is not public (%s)", (ip, reason) => {
    expect(checkAddress(ip)).toEqual({ isPublic: false, reason });
  });

  it("fails closed on anything that is not an IP address", () => {
    for (const junk of ["", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::ffff:1.2.3", "1::2::3", "gggg::1"]) {
      expect(isPublicAddress(junk)).toBe(false);
    }
  });
});

describe("isPrivateHost", () => {
  it.each([
    ["localhost"],
    ["LOCALHOST."],
    ["api.localhost"],
    ["printer.local"],
    ["metadata.google.internal"],
    ["router.home.arpa"],
    ["intranet"],
    ["127.0.0.1"],
    ["10.1.2.3"],
    ["[::1]"],
    ["[::ffff:7f00:1]"],
    ["169.254.169.254"],
    ["0.0.0.0"],
  ])("%s is private", (host) => {
    expect(isPrivateHost(host)).toBe(true);
  });

  it.each([["example.com"], ["hooks.example.test"], ["8.8.8.8"], ["[2606:4700:4700::1111]"], ["localhost.example.com"]])("%s is not", (host) => {
    expect(isPrivateHost(host)).toBe(false);
  });
});
