import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTwilioClient, rebaseTwilioUrl } from "./client";

let fake: FakeTwilioRest;

beforeAll(async () => {
  fake = await FakeTwilioRest.start();
});

afterAll(async () => {
  await fake?.close();
});

describe("createTwilioClient", () => {
  it("rewrites only Twilio hosts onto the base URL, keeping path and query", () => {
    expect(rebaseTwilioUrl("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?Page=2", "http://127.0.0.1:9/")).toBe(
      "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Calls.json?Page=2",
    );
    expect(rebaseTwilioUrl("https://api.sydney.au1.twilio.com/x", "http://h")).toBe("http://h/x");
    expect(rebaseTwilioUrl("https://example.com/x", "http://h")).toBe("https://example.com/x");
  });

  it("sends live-call updates to TWILIO_API_BASE_URL with the account's credentials", async () => {
    const call = fake.addCall({ from: "+15550001111", to: "+15550002222" });
    const client = createTwilioClient(
      { accountSid: fake.mainAccount.sid, authToken: fake.mainAccount.authToken },
      { baseUrl: fake.url },
    );
    await client.calls(call.sid).update({ twiml: "<Response><Dial>+15550003333</Dial></Response>" });
    expect(fake.callUpdates.at(-1)).toMatchObject({
      accountSid: fake.mainAccount.sid,
      callSid: call.sid,
      params: { Twiml: "<Response><Dial>+15550003333</Dial></Response>" },
    });
    const wrongToken = createTwilioClient({ accountSid: fake.mainAccount.sid, authToken: "nope" }, { baseUrl: fake.url });
    await expect(wrongToken.calls(call.sid).update({ status: "completed" })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses malformed credentials before any request", () => {
    expect(() => createTwilioClient({ accountSid: "nope", authToken: "t" })).toThrow(/account SID/);
    expect(() => createTwilioClient({ accountSid: `AC${"0".repeat(32)}`, authToken: "" })).toThrow(/auth token/);
  });
});
