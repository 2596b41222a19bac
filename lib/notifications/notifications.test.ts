import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberships, notificationDeliveries, notificationPreferences, phoneNumbers, teams, users, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { takeCallerMessage } from "@/lib/calls/take-message";
import { createTwilioClient } from "@/lib/twilio/client";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { createTestDb } from "@/tests/helpers/db";
import { startSmtpSink } from "@/tests/helpers/smtp-sink";
import { queueDueDigests } from "./digest";
import { claimMessageOutbox } from "./outbox";
import { listNotificationDeliveries, saveNotificationSettings } from "./preferences";
import { deliverNotification, MAX_ATTEMPTS, RetryableDeliveryError, type TNotificationDeps } from "./send";

let t: Awaited<ReturnType<typeof createTestDb>>;
let twilio: FakeTwilioRest;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let teamA: string;
let teamB: string;
let texter: string;
let digester: string;
let deps: TNotificationDeps;

beforeAll(async () => {
  t = await createTestDb();
  twilio = await FakeTwilioRest.start();
  smtp = await startSmtpSink();
  const rows = await t.db
    .insert(teams)
    .values([
      { name: "Clinic A", slug: `a-${randomBytes(4).toString("hex")}` },
      { name: "Clinic B", slug: `b-${randomBytes(4).toString("hex")}` },
    ])
    .returning();
  teamA = rows[0]!.id;
  teamB = rows[1]!.id;
  const people = await t.db.insert(users).values([{ email: "texter@a.test" }, { email: "digest@a.test" }, { email: "b@b.test" }]).returning();
  [texter, digester] = people.map((p) => p.id) as [string, string];
  await t.db.insert(memberships).values([
    { teamId: teamA, userId: texter, role: "member" },
    { teamId: teamA, userId: digester, role: "admin" },
    { teamId: teamB, userId: people[2]!.id, role: "owner" },
  ]);
  // Team A's number, bought in the fake Twilio account its SMS go out through.
  const main = { accountSid: twilio.mainAccount.sid, authToken: twilio.mainAccount.authToken };
  const bought = await createTwilioClient(main, { baseUrl: twilio.url }).incomingPhoneNumbers.create({ phoneNumber: twilio.inventory[0]!.phoneNumber });
  await t.db.insert(phoneNumbers).values({ teamId: teamA, e164: bought.phoneNumber, twilioSid: bought.sid, twilioAccountSid: main.accountSid, source: "purchased" });
  deps = { smtp: { url: smtp.url, from: "Agent <agent@a.test>" }, appUrl: "https://app.test", twilio: { platform: main, apiBaseUrl: twilio.url } };
});

afterAll(async () => {
  await twilio?.close();
  await smtp?.close();
  await t?.drop();
});

describe("notification settings and deliveries", () => {
  it("refuses a text-message setting without a valid mobile number", async () => {
    await expect(saveNotificationSettings(t.db, { teamId: teamA, userId: texter, settings: { emailMode: "off", smsMode: "urgent", smsPhone: "call me" } })).rejects.toMatchObject({ code: "bad_request" });
  });

  it("texts urgent messages from the team's own number through Twilio, and leaves the rest to each member's settings", async () => {
    await saveNotificationSettings(t.db, { teamId: teamA, userId: texter, settings: { emailMode: "off", smsMode: "urgent", smsPhone: "(415) 555-0100" } });
    await saveNotificationSettings(t.db, { teamId: teamA, userId: digester, settings: { emailMode: "digest", smsMode: "off", smsPhone: "" } });
    const endpoint = await t.db.insert(webhookEndpoints).values({ teamId: teamA, url: "https://hooks.example.com/x", secretEnc: "x", events: ["message.taken"] }).returning();
    const urgent = await takeCallerMessage(t.db, { teamId: teamA, callId: null, agentId: null, callerName: "Lee", callbackNumber: "+14155550123", message: "Water is flooding the waiting room" });
    await takeCallerMessage(t.db, { teamId: teamA, callId: null, agentId: null, callerName: "Kim", callbackNumber: "+14155550124", message: "Question about my invoice" });
    await takeCallerMessage(t.db, { teamId: teamB, callId: null, agentId: null, callerName: "B", callbackNumber: "+14155550125", message: "Team B emergency" });
    const claimed = await claimMessageOutbox(t.db);
    expect(claimed.messages).toBe(3);
    // Claimed once: a second run finds nothing to announce.
    expect((await claimMessageOutbox(t.db)).messages).toBe(0);
    const rows = await t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.teamId, teamA));
    expect(rows).toEqual([expect.objectContaining({ channel: "sms", recipient: "+14155550100", messageId: urgent.id, status: "pending" })]);
    // One message.taken webhook per message of the subscribed team.
    const hooks = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint[0]!.id));
    expect(hooks).toHaveLength(2);
    expect(await deliverNotification(t.db, rows[0]!.id, deps)).toBe("sent");
    expect(twilio.messages).toEqual([expect.objectContaining({ to: "+14155550100", from: twilio.inventory[0]!.phoneNumber })]);
    expect(twilio.messages[0]!.body).toContain("URGENT Clinic A: message from Lee: Water is flooding");
    // Sent once: running the job again (a retry after a lost ack) does not text twice.
    expect(await deliverNotification(t.db, rows[0]!.id, deps)).toBe("done");
    expect(twilio.messages).toHaveLength(1);
  });

  it("sends the daily digest once a day, by email through SMTP", async () => {
    const now = new Date();
    const ids = await queueDueDigests(t.db, now);
    expect(ids).toHaveLength(1);
    expect(await deliverNotification(t.db, ids[0]!, deps)).toBe("sent");
    const mail = await smtp.waitFor("digest@a.test");
    expect(mail.data).toContain("2 open messages from the last day - Clinic A");
    expect(mail.data).toContain("[Urgent] Lee (+14155550123): Water is flooding the waiting room");
    expect(mail.data).not.toContain("Team B");
    expect(await queueDueDigests(t.db, new Date(now.getTime() + 3600_000))).toEqual([]);
    // A day later with nothing new in the last 24 hours: no mail at all.
    expect(await queueDueDigests(t.db, new Date(now.getTime() + 25 * 3600_000))).toEqual([]);
  });

  it("retries a failing delivery, then records it failed with the reason; without SMTP an email is skipped", async () => {
    // Team B has no phone number to text from: every attempt fails, and the last one records it for good.
    const message = await takeCallerMessage(t.db, { teamId: teamB, callId: null, agentId: null, callerName: "Sam", callbackNumber: "+14155550126", message: "Hi" });
    const [row] = await t.db
      .insert(notificationDeliveries)
      .values({ teamId: teamB, userId: null, messageId: message.id, kind: "message", channel: "sms", recipient: "+14155550199" })
      .returning();
    for (let i = 1; i < MAX_ATTEMPTS; i++) await expect(deliverNotification(t.db, row!.id, deps)).rejects.toBeInstanceOf(RetryableDeliveryError);
    expect(await deliverNotification(t.db, row!.id, deps)).toBe("failed");
    const [after] = await t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, row!.id));
    expect(after).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS });
    expect(after!.lastError).toContain("no phone number");
    const [mail] = await t.db
      .insert(notificationDeliveries)
      .values({ teamId: teamB, userId: null, kind: "digest", channel: "email", recipient: "b@b.test" })
      .returning();
    expect(await deliverNotification(t.db, mail!.id, { ...deps, smtp: null })).toBe("skipped");
    const [skipped] = await t.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, mail!.id));
    expect(skipped!.lastError).toContain("SMTP_URL");
  });

  it("shows each team only its own deliveries", async () => {
    const a = await listNotificationDeliveries(t.db, { teamId: teamA });
    const b = await listNotificationDeliveries(t.db, { teamId: teamB });
    expect(a.every((d) => d.teamId === teamA) && a.length >= 2).toBe(true);
    expect(b.every((d) => d.teamId === teamB)).toBe(true);
    const mine = await listNotificationDeliveries(t.db, { teamId: teamA, userId: texter });
    expect(mine.map((d) => d.recipient)).toEqual(["+14155550100"]);
    const prefs = await t.db.select().from(notificationPreferences).where(and(eq(notificationPreferences.teamId, teamB)));
    expect(prefs).toEqual([]);
  });
});
