import { describe, expect, it } from "vitest";
import { DEFAULT_REDACTION_SETTINGS, isLuhnValid, redactJson, redactText } from "./redact-text";

const all = { cardNumbers: true, ssns: true, emails: true, phoneNumbers: true };

describe("PII redaction", () => {
  it("redacts Luhn-valid card numbers written as digits, with spaces or dashes", () => {
    for (const card of ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005", "5555 5555 5555 4444"]) {
      const out = redactText(`sure, it's ${card}, expiry twelve`, DEFAULT_REDACTION_SETTINGS);
      expect(out.text).toBe("sure, it's [card number], expiry twelve");
      expect(out.kinds).toEqual(["card_number"]);
    }
    // Not Luhn-valid: an order number stays.
    expect(redactText("order 4111 1111 1111 1112", DEFAULT_REDACTION_SETTINGS).text).toBe("order 4111 1111 1111 1112");
    expect(isLuhnValid("4111111111111111")).toBe(true);
    expect(isLuhnValid("4111111111111112")).toBe(false);
  });

  it("redacts card numbers spoken as words, as speech-to-text writes them", () => {
    const spoken = "My card is four one one one, one one one one, one one one one, one one one one. Thanks.";
    expect(redactText(spoken, DEFAULT_REDACTION_SETTINGS).text).toBe("My card is [card number]. Thanks.");
    expect(redactText("Four double one one one one one one one one one one one one one one", DEFAULT_REDACTION_SETTINGS).text).toBe("[card number]");
    // Mixed numerals and words, then the expiry right after: the card alone goes.
    expect(redactText("it's 4111 one one one one 1111 1111 and it expires 12 27", DEFAULT_REDACTION_SETTINGS).text).toBe(
      "it's [card number] and it expires 12 27",
    );
    expect(redactText("5555 5555 5555 4444 12 27", DEFAULT_REDACTION_SETTINGS).text).toBe("[card number] 12 27");
  });

  it("redacts SSNs: formatted always, nine digits in a row only when an SSN is being talked about", () => {
    expect(redactText("it's 123-45-6789", DEFAULT_REDACTION_SETTINGS)).toEqual({ text: "it's [SSN]", kinds: ["ssn"] });
    expect(redactText("my social is one two three four five six seven eight nine", DEFAULT_REDACTION_SETTINGS).text).toBe("my social is [SSN]");
    expect(redactText("my social security number is 123456789", DEFAULT_REDACTION_SETTINGS).text).toBe("my social security number is [SSN]");
    // Invalid SSNs (area 000/666/9xx) and unrelated nine-digit numbers stay.
    expect(redactText("it's 666-45-6789", DEFAULT_REDACTION_SETTINGS).text).toBe("it's 666-45-6789");
    expect(redactText("tracking 123456789", DEFAULT_REDACTION_SETTINGS).text).toBe("tracking 123456789");
  });

  it("leaves emails and phone numbers unless the team turned them on", () => {
    const text = "Email me at jane.doe@example.com or john dot smith at gmail dot com, or call (415) 555-2671 or four one five five five five two six seven one.";
    expect(redactText(text, DEFAULT_REDACTION_SETTINGS)).toEqual({ text, kinds: [] });
    const out = redactText(text, all);
    expect(out.text).toBe("Email me at [email] or [email], or call [phone number] or [phone number].");
    expect(out.kinds.sort()).toEqual(["email", "phone_number"]);
    expect(redactText("call +44 20 7946 0958 please", all).text).toBe("call [phone number] please");
    // A card number is a card number, not a phone number.
    expect(redactText("4111 1111 1111 1111", all).text).toBe("[card number]");
  });

  it("does nothing with the setting off, and redacts inside JSON values", () => {
    expect(redactText("4111111111111111", { ...DEFAULT_REDACTION_SETTINGS, cardNumbers: false }).text).toBe("4111111111111111");
    expect(redactJson({ a: "card 4111111111111111", n: 3, list: ["123-45-6789"], nested: { ok: null } }, DEFAULT_REDACTION_SETTINGS)).toEqual({
      a: "card [card number]",
      n: 3,
      list: ["[SSN]"],
      nested: { ok: null },
    });
  });
});
