import nodemailer from "nodemailer";
import { log } from "@/lib/observability/log";
import { env } from "@/lib/env";

export type TResetEmailResult = { isConfigured: boolean; isSent: boolean };

// Sends the reset link when SMTP is configured. What happens without a mail server is decided by
// requestPasswordReset (shown on screen in development only, logged for the operator in production).
export async function sendPasswordResetEmail(input: { to: string; link: string; ttlMinutes: number }): Promise<TResetEmailResult> {
  const { SMTP_URL, SMTP_FROM } = env();
  if (!SMTP_URL) return { isConfigured: false, isSent: false };
  try {
    await nodemailer.createTransport(SMTP_URL).sendMail({
      from: SMTP_FROM,
      to: input.to,
      subject: "Reset your AI Call Agent password",
      text:
        `Someone (hopefully you) asked to reset the password of your AI Call Agent account.\n\n` +
        `Choose a new password: ${input.link}\n\n` +
        `The link works once and expires in ${input.ttlMinutes} minutes. If you did not ask for it, ignore this email: ` +
        `your password stays as it is.`,
    });
    return { isConfigured: true, isSent: true };
  } catch (error) {
    log.error("password reset email failed", { error });
    return { isConfigured: true, isSent: false };
  }
}
