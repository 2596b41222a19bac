"use server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction } from "@/lib/auth/entry-points";
import { isAppError } from "@/lib/errors";
import { assignNumber, ZAssignNumber } from "@/lib/numbers/assign-number";
import { buyNumber, ZBuyNumber } from "@/lib/numbers/buy-number";
import { numbersConfigFromEnv } from "@/lib/numbers/config";
import { importNumber, listImportableNumbers, ZImportNumber } from "@/lib/numbers/import-number";
import { releaseNumber, ZReleaseNumber } from "@/lib/numbers/release-number";
import { searchAvailableNumbers, ZNumberSearch } from "@/lib/numbers/search-available-numbers";
import { connectOwnTwilioAccount, switchToPlatformTwilio, ZConnectTwilio } from "@/lib/numbers/twilio-account";

// Thin wrappers: each names its permission, parses the form with zod and calls one lib/numbers function.

const refresh = (slug: string) => revalidatePath(`/t/${slug}/numbers`);

export const searchNumbersAction = teamAction("numbers.manage", ZNumberSearch, async (ctx, input) => {
  const { numbers, isCapped, price, alternatives } = await searchAvailableNumbers(ctx.db, ctx.team.id, numbersConfigFromEnv(), input);
  return { data: { numbers, isCapped, price, alternatives }, values: { country: input.country, areaCode: input.areaCode ?? "", contains: input.contains ?? "" } };
});

export const buyNumberAction = teamAction("numbers.manage", ZBuyNumber, async (ctx, input) => {
  const { number, message } = await buyNumber(ctx.db, ctx.team.id, ctx.actor, numbersConfigFromEnv(), input);
  refresh(ctx.team.slug);
  return { success: message, data: { phoneNumber: number.e164 } };
});

export const assignNumberAction = teamAction("numbers.manage", ZAssignNumber, async (ctx, input) => {
  const { message } = await assignNumber(ctx.db, ctx.team.id, ctx.actor, numbersConfigFromEnv(), input);
  refresh(ctx.team.slug);
  return { success: message };
});

export const releaseNumberAction = teamAction("numbers.manage", ZReleaseNumber, async (ctx, input) => {
  const { number, wasAlreadyGone } = await releaseNumber(ctx.db, ctx.team.id, ctx.actor, numbersConfigFromEnv(), input);
  refresh(ctx.team.slug);
  return { success: wasAlreadyGone ? `${number.e164} was already gone from Twilio; it is marked released.` : `Released ${number.e164}.` };
});

export const listImportableNumbersAction = teamAction("numbers.manage", z.object({}), async (ctx) => {
  const { accountSid, numbers } = await listImportableNumbers(ctx.db, ctx.team.id, numbersConfigFromEnv());
  return { data: { accountSid, numbers } };
});

export const importNumberAction = teamAction("numbers.manage", ZImportNumber, async (ctx, input) => {
  const { number, message } = await importNumber(ctx.db, ctx.team.id, ctx.actor, numbersConfigFromEnv(), input);
  refresh(ctx.team.slug);
  return { success: message, data: { phoneNumber: number.e164, twilioSid: number.twilioSid } };
});

export const connectTwilioAction = teamAction("numbers.manage", ZConnectTwilio, async (ctx, input) => {
  try {
    const { accountSid, friendlyName } = await connectOwnTwilioAccount(ctx.db, ctx.team.id, ctx.actor, input, numbersConfigFromEnv());
    refresh(ctx.team.slug);
    return { success: `Connected Twilio account ${friendlyName} (${accountSid}). New numbers are bought on it.` };
  } catch (error) {
    // The wrapper would echo every field back to the browser; the auth token stays here.
    if (isAppError(error)) return { error: error.message, values: { accountSid: input.accountSid } };
    throw error;
  }
});

export const switchToPlatformTwilioAction = teamAction("numbers.manage", z.object({}), async (ctx) => {
  await switchToPlatformTwilio(ctx.db, ctx.team.id, ctx.actor);
  refresh(ctx.team.slug);
  return { success: "Back on the platform's Twilio account. New numbers are bought on the team's subaccount." };
});
