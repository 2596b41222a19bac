import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { teams } from "@/db/schema";
import { sealSecret } from "@/lib/crypto/secret-box";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { createTwilioClient } from "./client";
import { createTwilioCredentialResolver, resolveTwilioAccount } from "./credentials";

let t: Awaited<ReturnType<typeof createTestDb>>;
let fake: FakeTwilioRest;
const key = randomBytes(32);

beforeAll(async () => {
  t = await createTestDb();
  fake = await FakeTwilioRest.start();
});

afterAll(async () => {
  await fake?.close();
  await t?.drop();
});

const sid = () => `AC${randomBytes(16).toString("hex")}`;

describe("resolveTwilioAccount", () => {
  it("resolves the platform account, a team's own account, and a platform subaccount", async () => {
    const platform = { accountSid: fake.mainAccount.sid, authToken: fake.mainAccount.authToken };
    const options = { platform, secretKey: key, apiBaseUrl: fake.url };
    expect(await resolveTwilioAccount(t.db, platform.accountSid, options)).toMatchObject({ source: "platform", teamId: null, authToken: platform.authToken });

    const ownSid = sid();
    const [own] = await t.db
      .insert(teams)
      .values({ name: "Own", slug: `own-${ownSid.slice(2, 10)}`, twilioMode: "own_account", twilioAccountSid: ownSid, twilioAuthTokenEnc: sealSecret("own-token", key) })
      .returning();
    expect(await resolveTwilioAccount(t.db, ownSid, options)).toEqual({ accountSid: ownSid, authToken: "own-token", teamId: own!.id, source: "team" });

    const sub = await createTwilioClient(platform, { baseUrl: fake.url }).api.v2010.accounts.create({ friendlyName: "Sub" });
    const [subTeam] = await t.db
      .insert(teams)
      .values({ name: "Sub", slug: `sub-${sub.sid.slice(2, 10)}`, twilioAccountSid: sub.sid })
      .returning();
    expect(await resolveTwilioAccount(t.db, sub.sid, options)).toMatchObject({ teamId: subTeam!.id, source: "platform_subaccount", authToken: sub.authToken });

    expect(await resolveTwilioAccount(t.db, sid(), options)).toBeNull();
    expect(await resolveTwilioAccount(t.db, "not-a-sid", options)).toBeNull();
  });

  it("caches answers for a while", async () => {
    const ownSid = sid();
    await t.db
      .insert(teams)
      .values({ name: "C", slug: `c-${ownSid.slice(2, 10)}`, twilioMode: "own_account", twilioAccountSid: ownSid, twilioAuthTokenEnc: sealSecret("first", key) });
    const resolver = createTwilioCredentialResolver(t.db, { secretKey: key });
    expect((await resolver.resolve(ownSid))?.authToken).toBe("first");
    await t.db.update(teams).set({ twilioAuthTokenEnc: sealSecret("second", key) }).where(eq(teams.twilioAccountSid, ownSid));
    expect((await resolver.resolve(ownSid))?.authToken).toBe("first");
    resolver.forget(ownSid);
    expect((await resolver.resolve(ownSid))?.authToken).toBe("second");
  });
});
