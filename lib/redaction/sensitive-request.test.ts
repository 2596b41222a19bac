import { describe, expect, it } from "vitest";
import { DEFAULT_REDACTION_SETTINGS } from "./redact-text";
import { sensitiveDigitKinds, sensitiveRequestKinds } from "./sensitive-request";

const all = { cardNumbers: true, ssns: true, emails: true, phoneNumbers: true };
const none = { cardNumbers: false, ssns: false, emails: false, phoneNumbers: false };

describe("sensitiveRequestKinds", () => {
  it("hears the agent ask for what the team redacts, and only that", () => {
    expect(sensitiveRequestKinds("Please enter your card number on the keypad, then press pound.", DEFAULT_REDACTION_SETTINGS)).toEqual(["card_number"]);
    expect(sensitiveRequestKinds("And the three digit security code?", DEFAULT_REDACTION_SETTINGS)).toEqual(["card_number"]);
    expect(sensitiveRequestKinds("Could you key in your Social Security number?", DEFAULT_REDACTION_SETTINGS)).toEqual(["ssn"]);
    // Phone numbers are the team's choice (off by default).
    expect(sensitiveRequestKinds("What's the best callback number?", DEFAULT_REDACTION_SETTINGS)).toEqual([]);
    expect(sensitiveRequestKinds("What's the best callback number?", all)).toEqual(["phone_number"]);
    expect(sensitiveRequestKinds("Please enter your card number.", none)).toEqual([]);
    expect(sensitiveRequestKinds("We are open until five. Anything else?", all)).toEqual([]);
  });
});

describe("sensitiveDigitKinds", () => {
  it("takes a typed run that is a card number or an SSN as sensitive, and other runs not", () => {
    expect(sensitiveDigitKinds("4111111111111111", DEFAULT_REDACTION_SETTINGS)).toEqual(["card_number"]);
    expect(sensitiveDigitKinds("4111111111111111#", DEFAULT_REDACTION_SETTINGS)).toEqual(["card_number"]);
    expect(sensitiveDigitKinds("123456789", DEFAULT_REDACTION_SETTINGS)).toEqual(["ssn"]);
    // Not Luhn-valid, an extension, a menu choice.
    expect(sensitiveDigitKinds("4111111111111112", DEFAULT_REDACTION_SETTINGS)).toEqual([]);
    expect(sensitiveDigitKinds("204", DEFAULT_REDACTION_SETTINGS)).toEqual([]);
    expect(sensitiveDigitKinds("1", DEFAULT_REDACTION_SETTINGS)).toEqual([]);
    expect(sensitiveDigitKinds("4111111111111111", none)).toEqual([]);
  });
});
