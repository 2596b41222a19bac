import twilio from "twilio";
import { AppError } from "@/lib/errors";

// Twilio failures as messages an admin can act on. Anything that is not a Twilio or network failure is
// rethrown untouched, so bugs still surface as 500s.

export type TTwilioStep = "search" | "buy" | "configure" | "release" | "import" | "connect" | "subaccount" | "list";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ERR_SOCKET_CONNECTION_TIMEOUT"]);

export function isTwilioRestError(error: unknown): error is InstanceType<typeof twilio.RestException> {
  return error instanceof twilio.RestException;
}

export function isTwilioNotFound(error: unknown): boolean {
  return isTwilioRestError(error) && (error.status === 404 || error.code === 20404);
}

function isNetworkError(error: unknown): boolean {
  const e = error as { code?: unknown; isAxiosError?: unknown; message?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
  return e.isAxiosError === true && typeof e.message === "string" && /timeout|socket hang up|network/i.test(e.message);
}

export function twilioAppError(error: unknown, step: TTwilioStep, context: { phoneNumber?: string; isOwnAccount?: boolean } = {}): unknown {
  if (error instanceof AppError) return error;
  if (isNetworkError(error)) {
    return new AppError("upstream", "Twilio could not be reached. Nothing was changed; please try again in a minute.");
  }
  if (!isTwilioRestError(error)) return error;
  const code = error.code ?? 0;
  const status = error.status;
  const message = String(error.message ?? "");
  const number = context.phoneNumber ?? "That number";
  const details = { twilioCode: code };

  if (/insufficient funds|balance/i.test(message)) {
    return new AppError("bad_request", "The Twilio account does not have enough funds to buy this number. Add funds in the Twilio console, then try again.", details);
  }
  if (code === 21404) {
    return new AppError("bad_request", "A Twilio trial account cannot do this. Upgrade the account in the Twilio console, then try again.", details);
  }
  if (code === 20003 || status === 401) {
    return new AppError(
      "bad_request",
      context.isOwnAccount || step === "connect"
        ? "Twilio rejected the account credentials. Check the Account SID and Auth Token in the Twilio console (Account info), then connect again."
        : "Twilio rejected the platform's credentials. Ask the operator to check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.",
      details,
    );
  }
  if (code === 20005) {
    return new AppError("bad_request", "The Twilio account is suspended or closed. Reactivate it in the Twilio console.", details);
  }
  if (step === "buy" && (code === 21422 || code === 21421 || code === 21452 || code === 21450)) {
    return new AppError("conflict", `${number} is no longer available. Search again and pick another number.`, details);
  }
  if (step === "search" && (code === 21421 || code === 21452)) {
    return new AppError("bad_request", "Twilio did not accept that search. Check the area code and digits.", details);
  }
  if (isTwilioNotFound(error)) {
    if (step === "search") return new AppError("bad_request", "Twilio has no numbers for that country on this account.", details);
    if (step === "connect") return new AppError("bad_request", "Twilio has no account with that Account SID.", details);
    return new AppError("not_found", `${number} is not in the team's Twilio account any more.`, details);
  }
  if (code === 20429 || status === 429) {
    return new AppError("rate_limited", "Twilio is limiting requests right now. Please try again in a minute.", details);
  }
  if (status >= 500) {
    return new AppError("upstream", `Twilio had a problem (error ${code || status}). Nothing was changed; please try again.`, details);
  }
  return new AppError("bad_request", `Twilio refused the request: ${message.replace(/\s+$/, "")} (error ${code || status}).`, details);
}

// Runs one Twilio call and turns its failure into a clear AppError.
export async function callTwilio<T>(step: TTwilioStep, fn: () => Promise<T>, context?: { phoneNumber?: string; isOwnAccount?: boolean }): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw twilioAppError(error, step, context);
  }
}
