import { describe, expect, it } from "vitest";
import type { TTwilioClient, TTwilioCredentials } from "./client";
import { createTwilioClientCache } from "./client-cache";

const SID = "AC0123456789abcdef0123456789abcdef";

describe("createTwilioClientCache", () => {
  it("reuses an account's client until its token changes, and forgets an account that is gone", async () => {
    let current: TTwilioCredentials | null = { accountSid: SID, authToken: "first-token" };
    const built: string[] = [];
    const clientFor = createTwilioClientCache(async () => current, {
      create: (credentials) => {
        built.push(credentials.authToken);
        return { token: credentials.authToken } as unknown as TTwilioClient;
      },
    });
    const first = await clientFor(SID);
    expect(await clientFor(SID)).toBe(first);
    expect(built).toEqual(["first-token"]);

    // The team rotated its token: the next use builds a client with the new one.
    current = { accountSid: SID, authToken: "rotated-token" };
    const rotated = await clientFor(SID);
    expect(rotated).not.toBe(first);
    expect(built).toEqual(["first-token", "rotated-token"]);

    // The account is gone (team disconnected it): no client, and none kept.
    current = null;
    expect(await clientFor(SID)).toBeNull();
    current = { accountSid: SID, authToken: "rotated-token" };
    expect(await clientFor(SID)).not.toBe(rotated);
  });

  it("keeps at most maxAccounts clients", async () => {
    const built: string[] = [];
    const clientFor = createTwilioClientCache(async (sid) => ({ accountSid: sid, authToken: "t" }), {
      maxAccounts: 2,
      create: (credentials) => {
        built.push(credentials.accountSid);
        return {} as TTwilioClient;
      },
    });
    const sids = ["AC" + "1".repeat(32), "AC" + "2".repeat(32), "AC" + "3".repeat(32)];
    for (const sid of sids) await clientFor(sid);
    await clientFor(sids[0]!);
    expect(built).toEqual([...sids, sids[0]]);
  });
});
