import twilio from "twilio";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeTwilioRest, type TCallUpdate } from "./twilio-rest";

// These drive the fake through the real twilio SDK, so they also pin down what the app's Twilio code can
// rely on (pagination, error codes, date parsing).

let fake: FakeTwilioRest;
beforeEach(async () => {
  fake = await FakeTwilioRest.start();
});
afterEach(async () => {
  await fake.close();
});

async function restError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(twilio.RestException);
  return error as InstanceType<typeof twilio.RestException>;
}

describe("FakeTwilioRest through the twilio SDK", () => {
  it("searches available numbers and follows next_page_uri across pages", async () => {
    const client = fake.client();
    const numbers = await client.availablePhoneNumbers("US").local.list({ areaCode: 415, pageSize: 8 });
    expect(numbers).toHaveLength(20);
    expect(numbers[0]).toMatchObject({
      phoneNumber: "+14155550100",
      friendlyName: "(415) 555-0100",
      locality: "San Francisco",
      region: "CA",
      isoCountry: "US",
      capabilities: { voice: true, SMS: true, MMS: true },
    });
    const searches = fake.requests.filter((r) => r.path.endsWith("/AvailablePhoneNumbers/US/Local.json"));
    expect(searches.map((r) => [r.query.Page ?? "0", r.query.PageSize, r.query.AreaCode])).toEqual([
      ["0", "8", "415"],
      ["1", "8", "415"],
      ["2", "8", "415"],
    ]);

    const page = await client.availablePhoneNumbers("US").local.page({ areaCode: 212, pageSize: 15 });
    expect(page.instances).toHaveLength(15);
    expect(page.nextPageUrl).toMatch(
      /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC\w{32}\/AvailablePhoneNumbers/,
    );
    const next = await page.nextPage();
    expect(next?.instances.map((n) => n.phoneNumber)).toEqual(
      ["0115", "0116", "0117", "0118", "0119"].map((line) => `+1212555${line}`),
    );
    expect(next?.nextPageUrl).toBeUndefined();
  });

  it("filters by Contains, capabilities and country", async () => {
    const client = fake.client();
    const contains = await client.availablePhoneNumbers("US").local.list({ contains: "555011*" });
    expect(contains.map((n) => n.phoneNumber.slice(-4)).every((line) => line.startsWith("011"))).toBe(true);
    expect(contains).toHaveLength(40);
    const sms = await client.availablePhoneNumbers("US").local.list({ areaCode: 312, smsEnabled: true });
    expect(sms).toHaveLength(16);
    const gb = await client.availablePhoneNumbers("GB").local.list({});
    expect(gb.map((n) => n.phoneNumber)).toContain("+442079460100");
  });

  it("buys, configures, lists and releases a number", async () => {
    const client = fake.client();
    const bought = await client.incomingPhoneNumbers.create({
      phoneNumber: "+14155550103",
      voiceUrl: "https://app.example.test/twilio/voice",
      voiceMethod: "POST",
      statusCallback: "https://app.example.test/twilio/status",
      statusCallbackMethod: "POST",
    });
    expect(bought.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(bought).toMatchObject({
      accountSid: fake.mainAccount.sid,
      phoneNumber: "+14155550103",
      voiceUrl: "https://app.example.test/twilio/voice",
      voiceMethod: "POST",
      statusCallback: "https://app.example.test/twilio/status",
      capabilities: { voice: true, sms: true, mms: true, fax: false },
    });
    expect(bought.dateCreated).toBeInstanceOf(Date);
    expect(fake.requests.at(-1)?.status).toBe(201);

    const stillAvailable = await client.availablePhoneNumbers("US").local.list({ areaCode: 415 });
    expect(stillAvailable.map((n) => n.phoneNumber)).not.toContain("+14155550103");
    const again = await restError(client.incomingPhoneNumbers.create({ phoneNumber: "+14155550103" }));
    expect(again).toMatchObject({ status: 400, code: 21422, moreInfo: "https://www.twilio.com/docs/errors/21422" });
    expect((await restError(client.incomingPhoneNumbers.create({ areaCode: "999" }))).code).toBe(21452);

    const updated = await client
      .incomingPhoneNumbers(bought.sid)
      .update({ voiceUrl: "https://new.example.test/voice" });
    expect(updated.voiceUrl).toBe("https://new.example.test/voice");
    expect(updated.statusCallback).toBe("https://app.example.test/twilio/status");
    expect((await client.incomingPhoneNumbers(bought.sid).fetch()).voiceUrl).toBe("https://new.example.test/voice");

    await client.incomingPhoneNumbers.create({ areaCode: "212" });
    const filtered = await client.incomingPhoneNumbers.list({ phoneNumber: "+14155550103" });
    expect(filtered.map((n) => n.sid)).toEqual([bought.sid]);
    expect(await client.incomingPhoneNumbers.list()).toHaveLength(2);

    expect(await client.incomingPhoneNumbers(bought.sid).remove()).toBe(true);
    const gone = await restError(client.incomingPhoneNumbers(bought.sid).fetch());
    expect(gone).toMatchObject({ status: 404, code: 20404 });
  });

  it("records live call updates and refuses to redirect a finished call", async () => {
    const client = fake.client();
    const call = fake.addCall({ from: "+15550001111", to: "+14155550100" });
    const updates: TCallUpdate[] = [];
    fake.on("call-update", (update) => updates.push(update));
    const twiml = new twilio.twiml.VoiceResponse();
    twiml.dial("+15557654321");
    const redirected = await client.calls(call.sid).update({ twiml });
    expect(redirected).toMatchObject({ sid: call.sid, status: "in-progress" });
    expect(fake.callUpdates).toHaveLength(1);
    expect(fake.callUpdates[0]?.params.Twiml).toBe(twiml.toString());
    expect(updates).toEqual(fake.callUpdates);

    const hungUp = await client.calls(call.sid).update({ status: "completed" });
    expect(hungUp.status).toBe("completed");
    expect(hungUp.endTime).toBeInstanceOf(Date);
    const late = await restError(client.calls(call.sid).update({ url: "https://app.example.test/next" }));
    expect(late).toMatchObject({ status: 400, code: 21220 });
    expect((await restError(client.calls(`CA${"0".repeat(32)}`).update({ status: "completed" }))).code).toBe(20404);
    expect((await client.calls(call.sid).fetch()).status).toBe("completed");
  });

  it("lists a call's recordings, fetches and deletes them; the media is gone after", async () => {
    const sub = await fake.client().api.v2010.accounts.create({ friendlyName: "team" });
    const wav = Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1");
    const mine = fake.addRecording({ audio: wav, accountSid: sub.sid, callSid: "CA" + "1".repeat(32), durationSec: 7 });
    fake.addRecording({ audio: wav, accountSid: sub.sid, callSid: "CA" + "2".repeat(32) });
    const client = fake.client(sub.sid, sub.authToken);
    const listed = await client.recordings.list({ callSid: "CA" + "1".repeat(32) });
    expect(listed.map((r) => ({ sid: r.sid, callSid: r.callSid, duration: r.duration, accountSid: r.accountSid }))).toEqual([
      { sid: mine.sid, callSid: "CA" + "1".repeat(32), duration: "7", accountSid: sub.sid },
    ]);
    expect((await client.recordings(mine.sid).fetch()).sid).toBe(mine.sid);
    // The parent account reaches its subaccount's recordings, as on Twilio.
    expect(await fake.client().api.v2010.accounts(sub.sid).recordings.list()).toHaveLength(2);
    expect(await client.recordings(mine.sid).remove()).toBe(true);
    expect((await restError(client.recordings(mine.sid).fetch())).status).toBe(404);
    expect((await restError(client.recordings(mine.sid).remove())).code).toBe(20404);
    const media = await fetch(`${fake.url}/2010-04-01/Accounts/${sub.sid}/Recordings/${mine.sid}.wav`, {
      headers: { authorization: `Basic ${Buffer.from(`${sub.sid}:${sub.authToken}`).toString("base64")}` },
    });
    expect(media.status).toBe(404);
    expect(await client.recordings.list()).toHaveLength(1);
  });

  it("rejects wrong credentials with Twilio's 20003", async () => {
    const client = twilio(fake.mainAccount.sid, "not-the-token", {
      httpClient: fake.client().httpClient,
    });
    const error = await restError(client.incomingPhoneNumbers.list());
    expect(error).toMatchObject({ status: 401, code: 20003 });
  });

  it("keeps subaccounts apart while the parent can reach them", async () => {
    const parent = fake.client();
    const created = await parent.api.v2010.accounts.create({ friendlyName: "Tenant t_123" });
    expect(created.sid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      friendlyName: "Tenant t_123",
      ownerAccountSid: fake.mainAccount.sid,
      status: "active",
    });
    expect(created.authToken).toMatch(/^[0-9a-f]{32}$/);

    const tenant = fake.client(created.sid, created.authToken);
    const bought = await tenant.incomingPhoneNumbers.create({ phoneNumber: "+15125550100" });
    expect(bought.accountSid).toBe(created.sid);
    expect(await parent.incomingPhoneNumbers.list()).toHaveLength(0);
    expect(await parent.api.v2010.accounts(created.sid).incomingPhoneNumbers.list()).toHaveLength(1);
    const foreign = await restError(tenant.api.v2010.accounts(fake.mainAccount.sid).incomingPhoneNumbers.list());
    expect(foreign.status).toBe(404);
    expect((await parent.api.v2010.accounts.list()).map((a) => a.sid).sort()).toEqual(
      [fake.mainAccount.sid, created.sid].sort(),
    );
  });

  it("injects faults and purchase errors", async () => {
    const client = fake.client();
    fake.faults.push({ status: 503, code: 20503, message: "Service Unavailable" }, 1, (r) => r.method === "POST");
    expect(await client.availablePhoneNumbers("US").local.list({ limit: 1 })).toHaveLength(1);
    const unavailable = await restError(client.incomingPhoneNumbers.create({ phoneNumber: "+14155550100" }));
    expect(unavailable).toMatchObject({ status: 503, code: 20503 });
    fake.setPurchaseError(fake.mainAccount.sid, { status: 400, code: 21404, message: "Insufficient funds" });
    expect((await restError(client.incomingPhoneNumbers.create({ phoneNumber: "+14155550100" }))).code).toBe(21404);
    fake.setPurchaseError(fake.mainAccount.sid, null);
    expect((await client.incomingPhoneNumbers.create({ phoneNumber: "+14155550100" })).phoneNumber).toBe(
      "+14155550100",
    );
  });
});
