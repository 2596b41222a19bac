import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { twilioAppError } from "./twilio-errors";

function rest(status: number, code: number, message: string) {
  return new twilio.RestException({ statusCode: status, body: { status, code, message, more_info: "" } });
}

describe("twilioAppError", () => {
  it("names what went wrong in terms an admin can act on", () => {
    const cases: [unknown, Parameters<typeof twilioAppError>[1], string][] = [
      [rest(400, 21422, "The requested phone number +14155550100 is not available."), "buy", "+14155550100 is no longer available"],
      [rest(400, 21452, "No phone numbers found in area code 999."), "buy", "is no longer available"],
      [rest(400, 21631, "Insufficient funds to complete the purchase"), "buy", "does not have enough funds"],
      [rest(401, 20003, "Authenticate"), "connect", "Twilio rejected the account credentials"],
      [rest(401, 20003, "Authenticate"), "buy", "rejected the platform's credentials"],
      [rest(404, 20404, "The requested resource was not found"), "release", "is not in the team's Twilio account any more"],
      [rest(429, 20429, "Too Many Requests"), "search", "limiting requests"],
      [rest(503, 20503, "Service Unavailable"), "buy", "Twilio had a problem (error 20503)"],
      [rest(400, 21606, "The From phone number is not valid."), "configure", "Twilio refused the request: The From phone number is not valid. (error 21606)"],
      [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }), "search", "Twilio could not be reached"],
    ];
    for (const [error, step, expected] of cases) {
      const mapped = twilioAppError(error, step, { phoneNumber: "+14155550100" });
      expect(mapped, `${step}: ${expected}`).toBeInstanceOf(AppError);
      expect((mapped as AppError).message).toContain(expected);
    }
  });

  it("leaves bugs alone", () => {
    const bug = new TypeError("cannot read properties of undefined");
    expect(twilioAppError(bug, "buy")).toBe(bug);
  });
});
