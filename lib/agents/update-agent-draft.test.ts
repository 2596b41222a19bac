import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZAgentSettingsInput, ZBusinessHoursInput, ZCaptureFieldsInput, settingsToConfigPatch } from "./update-agent-draft";

// The builder's forms post strings; these schemas turn them into config or field-level messages, keyed the way
// teamAction keys them (lib/auth/entry-points.ts fieldErrorsOf).
function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[issue.path.join(".") || "_"] ??= issue.message;
  return out;
}

const settings = {
  name: "Front desk",
  systemPrompt: "Be brief.\r\nBe kind.",
  greeting: "Hello!",
  disclosure: "",
  language: "en-GB",
  voice: "en-gb-x-rp",
  interruptionMinSpeechMs: "250",
  endpointingSilenceMs: "600",
  maxCallDurationMin: "20",
  silenceTimeoutSec: "30",
};

describe("builder form schemas", () => {
  it("settings convert to the draft config", () => {
    expect(settingsToConfigPatch(ZAgentSettingsInput.parse(settings))).toEqual({
      systemPrompt: "Be brief.\nBe kind.",
      greeting: "Hello!",
      disclosure: "",
      language: "en-GB",
      voice: "en-gb-x-rp",
      interruptionMinSpeechMs: 250,
      endpointingSilenceMs: 600,
      maxCallDurationSec: 1200,
      silenceTimeoutSec: 30,
      recordingMode: "record",
    });
    expect(settingsToConfigPatch(ZAgentSettingsInput.parse({ ...settings, recordingMode: "ask_consent" }))).toMatchObject({ recordingMode: "ask_consent" });
    const bad = ZAgentSettingsInput.safeParse({ ...settings, recordingMode: "sometimes" });
    expect(fieldErrorsOf(bad.error!)).toEqual({ recordingMode: "Pick a recording setting from the list" });
  });

  it("turn-taking settings convert, and are left alone when a form does not send them", () => {
    const patch = settingsToConfigPatch(
      ZAgentSettingsInput.parse({
        ...settings,
        thinkingInterruptionMinSpeechMs: "80",
        shouldResumeAfterBackchannel: "false",
        backchannelPhrases: " lovely \nno worries, lovely\r\n\n  sounds   great ",
      }),
    );
    expect(patch).toMatchObject({ thinkingInterruptionMinSpeechMs: 80, shouldResumeAfterBackchannel: false, backchannelPhrases: ["lovely", "no worries", "sounds great"] });
    const untouched = settingsToConfigPatch(ZAgentSettingsInput.parse(settings));
    for (const key of ["thinkingInterruptionMinSpeechMs", "shouldResumeAfterBackchannel", "backchannelPhrases"]) expect(key in untouched).toBe(false);
    expect(settingsToConfigPatch(ZAgentSettingsInput.parse({ ...settings, backchannelPhrases: "" })).backchannelPhrases).toEqual([]);
  });

  it("bad turn-taking settings come back per field", () => {
    const result = ZAgentSettingsInput.safeParse({
      ...settings,
      thinkingInterruptionMinSpeechMs: "5",
      shouldResumeAfterBackchannel: "maybe",
      backchannelPhrases: `ok\n${"x".repeat(41)}`,
    });
    const errors = fieldErrorsOf(result.error!);
    expect(errors.thinkingInterruptionMinSpeechMs).toBe("At least 20 ms");
    expect(errors.shouldResumeAfterBackchannel).toBe("Pick what the agent does after an “uh-huh”");
    expect(errors.backchannelPhrases).toMatch(/too long/);
    const many = ZAgentSettingsInput.safeParse({ ...settings, backchannelPhrases: Array.from({ length: 51 }, (_, i) => `p${i}`).join("\n") });
    expect(fieldErrorsOf(many.error!).backchannelPhrases).toBe("At most 50 phrases");
  });

  it("bad settings come back per field", () => {
    const result = ZAgentSettingsInput.safeParse({ ...settings, greeting: "  ", language: "xx", interruptionMinSpeechMs: "10", endpointingSilenceMs: "abc" });
    expect(fieldErrorsOf(result.error!)).toEqual({
      greeting: "A greeting is required: it is the first thing callers hear",
      language: "Pick a language from the list",
      interruptionMinSpeechMs: "At least 50 ms",
      endpointingSilenceMs: "Enter a number of milliseconds",
    });
  });

  it("capture fields: keys must be valid and unique, errors point at the row", () => {
    const fields = (list: unknown) => ZCaptureFieldsInput.safeParse({ captureFields: JSON.stringify(list) });
    expect(fields([{ key: "name", label: "Name", description: "" }]).data?.captureFields).toEqual([{ key: "name", label: "Name", description: "" }]);
    expect(fieldErrorsOf(fields([{ key: "name", label: "Name" }, { key: "name", label: "Other" }, { key: "9x", label: "" }]).error!)).toEqual({
      "captureFields.1.key": 'The key "name" is used twice',
      "captureFields.2.key": "Lowercase letters, digits and underscores, starting with a letter",
      "captureFields.2.label": "Enter a label",
    });
    expect(fieldErrorsOf(ZCaptureFieldsInput.safeParse({ captureFields: "{oops" }).error!)).toEqual({
      captureFields: "The list could not be read. Reload the page and try again.",
    });
  });

  it("business hours: time zone, windows and message are checked", () => {
    const hours = (over: Record<string, string | undefined>) =>
      ZBusinessHoursInput.safeParse({
        isEnabled: "on",
        timeZone: "America/Chicago",
        weekly: JSON.stringify([{ day: 1, open: "09:00", close: "17:00" }]),
        afterHours: "take_message",
        afterHoursMessage: "We're closed.",
        ...over,
      });
    expect(hours({}).data).toMatchObject({ isEnabled: true, timeZone: "America/Chicago", weekly: [{ day: 1, open: "09:00", close: "17:00" }] });
    expect(hours({ isEnabled: undefined }).data?.isEnabled).toBe(false);
    expect(fieldErrorsOf(hours({ timeZone: "Mars/Olympus", weekly: JSON.stringify([{ day: 1, open: "9am", close: "17:00" }]), afterHoursMessage: " " }).error!)).toEqual({
      timeZone: "Pick a time zone from the list",
      "weekly.0.open": "Use HH:MM (24-hour)",
      afterHoursMessage: "Write what callers hear when you're closed",
    });
    expect(fieldErrorsOf(hours({ weekly: "[]" }).error!)).toEqual({ weekly: "Add opening hours for at least one day, or turn business hours off" });
  });
});
