import nodemailer from "nodemailer";
import { env } from "@/lib/env";
import { log } from "@/lib/observability/log";

// Sends the invitation when SMTP is configured. Without a mail server the UI shows the link to copy instead,
// so a failed or absent mail never blocks inviting.
export async function sendInvitationEmail(input: { to: string; teamName: string; inviterEmail: string; link: string }) {
  const { SMTP_URL, SMTP_FROM } = env();
  if (!SMTP_URL) return { isSent: false };
  try {
    await nodemailer.createTransport(SMTP_URL).sendMail({
      from: SMTP_FROM,
      to: input.to,
      subject: `Join ${input.teamName} on AI Call Agent`,
      text: `${input.inviterEmail} invited you to ${input.teamName} on AI Call Agent.\n\nAccept: ${input.link}\n\nThe link expires in 7 days.`,
    });
    return { isSent: true };
  } catch (error) {
    log.error("invitation email failed", { error });
    return { isSent: false };
  }
}
