"use server";
import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { signIn, signOut } from "@/lib/auth/auth";
import { changePassword, ZChangePassword } from "@/lib/auth/change-password";
import { fieldErrorsOf, getSessionUser, type TActionState } from "@/lib/auth/entry-points";
import { revokeAllSessions } from "@/lib/auth/sessions";
import { isAppError } from "@/lib/errors";

// Ends every session of the signed-in user, this one included.
export async function signOutEverywhereAction(): Promise<void> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  await revokeAllSessions(getDb(), user.id);
  await signOut({ redirectTo: "/signin?notice=signed-out-everywhere" });
}

// Every other session ends with the old password; this browser is signed in again under the new one.
export async function changePasswordAction(_prev: TActionState | undefined, formData: FormData): Promise<TActionState> {
  const user = await getSessionUser();
  if (!user) redirect("/signin?next=/account");
  const parsed = ZChangePassword.safeParse({
    currentPassword: formData.get("currentPassword") ?? "",
    newPassword: formData.get("newPassword") ?? "",
    confirmPassword: formData.get("confirmPassword") ?? "",
  });
  if (!parsed.success) return { error: "Please fix the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await changePassword(getDb(), user, parsed.data);
  } catch (error) {
    if (isAppError(error)) {
      const field = typeof error.details?.field === "string" ? error.details.field : undefined;
      return { error: error.message, ...(field ? { fieldErrors: { [field]: error.message } } : {}) };
    }
    throw error;
  }
  try {
    await signIn("credentials", { email: user.email, password: parsed.data.newPassword, redirectTo: "/account?notice=password-changed" });
  } catch (error) {
    // Signing in again can only fail on the sign-in rate limit; the password is changed either way.
    if (error instanceof AuthError) redirect("/signin?notice=password-changed");
    throw error;
  }
  return {};
}
