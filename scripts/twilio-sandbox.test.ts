import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { buyNumber } from "@/lib/numbers/buy-number";
import type { TNumbersConfig } from "@/lib/numbers/config";
import { searchAvailableNumbers } from "@/lib/numbers/search-available-numbers";
import { getTeamTwilio } from "@/lib/numbers/twilio-account";
import { signUp } from "@/lib/teams/sign-up";
import { createTestDb } from "@/tests/helpers/db";
import { startTwilioSandbox } from "./twilio-sandbox";

describe("the local Twilio sandbox", async () => {
  const t = await createTestDb();
  afterAll(() => t.drop());
  const secretKey = randomBytes(32);
  const voicePublicUrl = "http://localhost:3001";

  it("stands in for Twilio under the sandbox account and survives a restart", async () => {
    const first = await startTwilioSandbox({ databaseUrl: t.url, secretKey, voicePublicUrl });
    expect(first.env).toEqual({
      TWILIO_API_BASE_URL: first.fake.url,
      TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000",
      TWILIO_AUTH_TOKEN: "local-dev-auth-token",
    });
    const config = (url: string): TNumbersConfig => ({
      platform: { accountSid: first.env.TWILIO_ACCOUNT_SID, authToken: first.env.TWILIO_AUTH_TOKEN },
      isSandbox: true,
      apiBaseUrl: url,
      secretKey,
      voicePublicUrl,
    });
    const { team, user } = await signUp(t.db, { name: "S", email: "s@example.test", password: "password-ssss", companyName: "Sandbox Co" });
    const actor = { userId: user.id, label: user.email };
    const canadian = await searchAvailableNumbers(t.db, team.id, config(first.fake.url), { country: "CA", areaCode: "416" });
    expect(canadian.numbers[0]).toMatchObject({ phoneNumber: "+14165550100", locality: "Toronto" });
    const { number } = await buyNumber(t.db, team.id, actor, config(first.fake.url), { phoneNumber: "+14165550100" });
    await first.close();

    // A new sandbox knows the team's subaccount and number again, from the database alone.
    const second = await startTwilioSandbox({ databaseUrl: t.url, secretKey, voicePublicUrl });
    try {
      expect(second.restored).toEqual({ accounts: 1, numbers: 1 });
      const twilio = await getTeamTwilio(t.db, team.id, config(second.fake.url), actor);
      expect(twilio.accountSid).toBe(number.twilioAccountSid);
      const owned = await twilio.client.incomingPhoneNumbers.list();
      expect(owned.map((n) => [n.sid, n.phoneNumber, n.voiceUrl])).toEqual([[number.twilioSid, "+14165550100", "http://localhost:3001/twilio/voice"]]);
      const again = await searchAvailableNumbers(t.db, team.id, config(second.fake.url), { country: "CA", areaCode: "416" });
      expect(again.numbers.map((n) => n.phoneNumber)).not.toContain("+14165550100");
    } finally {
      await second.close();
    }
  });
});
