"use server";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { clientIp, rateLimitIpKey } from "@/lib/auth/client-ip";
import { fieldErrorsOf, type TActionState } from "@/lib/auth/entry-points";
import { requestPasswordReset, resetPassword, ZRequestReset, ZResetPassword } from "@/lib/auth/password-reset";
import { sendPasswordResetEmail } from "@/lib/auth/send-password-reset-email";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";

// The same words whether or not the address has an account.
const NEUTRAL = "If an account uses this email, we sent it a link to reset the password. It works once, within 30 minutes.";

export async function requestPasswordResetAction(_prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const raw = { email: String(formData.get("email") ?? "") };
  const parsed = ZRequestReset.safeParse(raw);
  if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values: raw };
  const config = env();
  const result = await requestPasswordReset(getDb(), {
    email: parsed.data.email,
    ip: rateLimitIpKey(clientIp(await headers())),
    appUrl: config.APP_URL,
    isProduction: config.NODE_ENV === "production",
    isSmtpConfigured: !!config.SMTP_URL,
    deliver: sendPasswordResetEmail,
  });
  if (result.status === "rate_limited") return { error: "Too many reset requests. Try again in an hour.", values: raw };
  if (result.devLink) {
    return { success: "No mail server is configured (development), so here is the reset link:", data: { link: result.devLink } };
  }
  return { success: NEUTRAL };
}

export async function resetPasswordAction(token: string, _prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const parsed = ZResetPassword.safeParse({
    token,
    newPassword: formData.get("newPassword") ?? "",
    confirmPassword: formData.get("confirmPassword") ?? "",
  });
  if (!parsed.success) {
    const fieldErrors = fieldErrorsOf(parsed.error);
    if (fieldErrors.token) return { error: "This reset link is invalid, used or expired. Ask for a new one." };
    return { error: "Please fix the highlighted fields.", fieldErrors };
  }
  try {
    await resetPassword(getDb(), { token, newPassword: parsed.data.newPassword });
  } catch (error) {
    if (isAppError(error)) return { error: error.message };
    throw error;
  }
  redirect("/signin?notice=password-reset");
}
