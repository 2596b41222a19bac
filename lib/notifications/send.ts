import { and, eq, gt, inArray, sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import type { Db } from "@/db/client";
import { callerMessages, notificationDeliveries, phoneNumbers, teams, type CallerMessage } from "@/db/schema";
import { openMessages } from "@/lib/crypto/team-fields";
import { createTwilioClient } from "@/lib/twilio/client";
import { resolveTwilioAccount, type TTwilioCredentialOptions } from "@/lib/twilio/credentials";

// Sends one notification delivery (an email or a text message to one member) and records the result on its row.
// Called by a durable job (./queue.ts): a thrown error means "try again later" (pg-boss retries with backoff);
// after MAX_ATTEMPTS the row is marked failed with the last error, and the Settings page shows it.

export const MAX_ATTEMPTS = 5;

export type TNotificationDeps = {
  smtp: { url: string; from: string } | null;
  appUrl: string;
  twilio: TTwilioCredentialOptions;
  // Injected by tests; nodemailer over SMTP_URL otherwise.
  sendMail?: (mail: { from: string; to: string; subject: string; text: string }) => Promise<void>;
};

export class RetryableDeliveryError extends Error {}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function messageEmail(message: CallerMessage, team: { name: string; slug: string }, appUrl: string) {
  const who = message.callerName || "A caller";
  const link = `${appUrl.replace(/\/$/, "")}/t/${team.slug}/inbox/${message.id}`;
  const subject = `${message.isUrgent ? "[Urgent] " : ""}${message.kind === "voicemail" ? "New voicemail" : "New message"} from ${who} - ${team.name}`;
  const text = [
    `${who}${message.callbackNumber ? ` (${message.callbackNumber})` : ""} left a ${message.kind === "voicemail" ? "voicemail" : "message"} for ${team.name}${message.department ? `, for ${message.department}` : ""}.`,
    message.isUrgent ? "\nThe agent marked it URGENT.\n" : "",
    message.message,
    "",
    `Open it in the inbox: ${link}`,
  ].join("\n");
  return { subject, text };
}

async function sendEmail(deps: TNotificationDeps, to: string, mail: { subject: string; text: string }) {
  if (deps.sendMail) return deps.sendMail({ from: deps.smtp?.from ?? "", to, ...mail });
  if (!deps.smtp) throw new Error("SMTP is not configured");
  await nodemailer.createTransport(deps.smtp.url).sendMail({ from: deps.smtp.from, to, subject: mail.subject, text: mail.text });
}

// A text message from one of the team's own numbers, through the team's Twilio account.
async function sendSms(db: Db, deps: TNotificationDeps, teamId: string, to: string, body: string) {
  const [number] = await db
    .select({ e164: phoneNumbers.e164, accountSid: phoneNumbers.twilioAccountSid })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.teamId, teamId), eq(phoneNumbers.status, "active")))
    .limit(1);
  if (!number) throw new Error("The team has no phone number to send text messages from.");
  const account = await resolveTwilioAccount(db, number.accountSid, deps.twilio);
  if (!account) throw new Error("The Twilio account of the team's number is not available.");
  const client = createTwilioClient(account, { baseUrl: deps.twilio.apiBaseUrl });
  await client.messages.create({ from: number.e164, to, body });
}

export async function deliverNotification(db: Db, deliveryId: string, deps: TNotificationDeps): Promise<"sent" | "failed" | "skipped" | "done"> {
  const [delivery] = await db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, deliveryId)).limit(1);
  if (!delivery || delivery.status !== "pending") return "done";
  const [team] = await db.select({ name: teams.name, slug: teams.slug }).from(teams).where(eq(teams.id, delivery.teamId)).limit(1);
  if (!team) return "done";
  const finish = (status: "sent" | "failed" | "skipped", lastError: string | null, attempts = delivery.attempts + 1) =>
    db
      .update(notificationDeliveries)
      .set({ status, attempts, lastError, sentAt: status === "sent" ? new Date() : null })
      .where(and(eq(notificationDeliveries.id, delivery.id), eq(notificationDeliveries.teamId, delivery.teamId)));
  if (delivery.channel === "email" && !deps.smtp && !deps.sendMail) {
    await finish("skipped", "Email is not configured (SMTP_URL is not set).", delivery.attempts);
    return "skipped";
  }
  try {
    if (delivery.kind === "digest") {
      const mail = await digestEmail(db, delivery, team, deps.appUrl);
      await sendEmail(deps, delivery.recipient, mail);
    } else {
      const [message] = delivery.messageId
        ? await openMessages(
            db,
            await db
              .select()
              .from(callerMessages)
              .where(and(eq(callerMessages.id, delivery.messageId), eq(callerMessages.teamId, delivery.teamId)))
              .limit(1),
          )
        : [];
      if (!message) {
        await finish("skipped", "The message no longer exists.", delivery.attempts);
        return "skipped";
      }
      if (delivery.channel === "email") await sendEmail(deps, delivery.recipient, messageEmail(message, team, deps.appUrl));
      else {
        const who = message.callerName || message.callbackNumber || "A caller";
        await sendSms(db, deps, delivery.teamId, delivery.recipient, `${message.isUrgent ? "URGENT " : ""}${team.name}: message from ${who}: ${excerpt(message.message, 110)}`);
      }
    }
    await finish("sent", null);
    return "sent";
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const attempts = delivery.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      await finish("failed", reason, attempts);
      return "failed";
    }
    await db
      .update(notificationDeliveries)
      .set({ attempts, lastError: reason })
      .where(and(eq(notificationDeliveries.id, delivery.id), eq(notificationDeliveries.teamId, delivery.teamId)));
    throw new RetryableDeliveryError(reason);
  }
}

// The daily digest: what arrived since the previous one (the delivery's createdAt closes the window it covers).
async function digestEmail(
  db: Db,
  delivery: typeof notificationDeliveries.$inferSelect,
  team: { name: string; slug: string },
  appUrl: string,
): Promise<{ subject: string; text: string }> {
  const since = new Date(delivery.createdAt.getTime() - 24 * 3600_000);
  const sealed = await db
    .select()
    .from(callerMessages)
    .where(
      and(
        eq(callerMessages.teamId, delivery.teamId),
        gt(callerMessages.createdAt, since),
        sql`${callerMessages.createdAt} <= ${delivery.createdAt.toISOString()}::timestamptz`,
        inArray(callerMessages.status, ["new", "assigned"]),
      ),
    )
    .orderBy(sql`${callerMessages.isUrgent} desc, ${callerMessages.createdAt} desc`)
    .limit(100);
  const messages = await openMessages(db, sealed);
  const link = `${appUrl.replace(/\/$/, "")}/t/${team.slug}/inbox`;
  const lines = messages.map((m) => `- ${m.isUrgent ? "[Urgent] " : ""}${m.callerName || "A caller"}${m.callbackNumber ? ` (${m.callbackNumber})` : ""}: ${excerpt(m.message, 160)}`);
  return {
    subject: `${messages.length} open message${messages.length === 1 ? "" : "s"} from the last day - ${team.name}`,
    text: [`Messages the agent took for ${team.name} in the last 24 hours that are still open:`, "", ...lines, "", `Open the inbox: ${link}`].join("\n"),
  };
}
