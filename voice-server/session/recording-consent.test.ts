import { describe, expect, it } from "vitest";
import { ZAgentConfig } from "@/lib/agents/config";
import { CONSENT_LINES, consentAnswerOf, consentPromptFor, RecordingConsent } from "./recording-consent";
import { openingLine } from "./spoken-lines";
import { sttPhrasesFor } from "./stt-phrases";

function consentFor(mode: "record" | "do_not_record" | "ask_consent") {
  const log: string[] = [];
  let starts = 0;
  const consent = new RecordingConsent({
    mode,
    startRecording: () => starts++,
    note: (name, data) => log.push(`${name} ${JSON.stringify(data)}`),
  });
  return { consent, log, starts: () => starts };
}

describe("consentAnswerOf", () => {
  it.each([
    ["yes", "yes", true],
    ["Yes please.", "yes", true],
    ["yeah sure, go ahead", "yes", true],
    ["That's fine, you can record it", "yes", true],
    ["um okay", "yes", true],
    ["I don't mind", "yes", true],
    ["no problem", "yes", true],
    ["Yes, and I'd like to book a cleaning", "yes", false],
    ["no", "no", true],
    ["No thank you.", "no", true],
    ["please don't record this call", "no", true],
    ["I'd rather not", "no", true],
    ["nope", "no", true],
    ["No, I want to leave a message for Dr Patel", "no", false],
    // Not an answer at all: no consent.
    ["I'd like to book an appointment", null, false],
    ["what are your hours", null, false],
    ["", null, false],
  ] as const)("%j -> %s (only the answer: %s)", (text, answer, isOnlyAnswer) => {
    expect(consentAnswerOf(text)).toEqual({ answer, isOnlyAnswer });
  });

  it("lets a negative near the start win over a yes: consent must be clear", () => {
    expect(consentAnswerOf("yes no wait don't").answer).toBe("no");
    expect(consentAnswerOf("sure, but not the recording").answer).toBe("no");
  });
});

describe("RecordingConsent", () => {
  it("record: starts the recorder at the start of the call and asks nothing", () => {
    const { consent, log, starts } = consentFor("record");
    consent.begin();
    expect(starts()).toBe(1);
    expect(consent.isRecording).toBe(true);
    expect(consent.heard("no")).toBeNull();
    expect(consent.key("2")).toBeNull();
    consent.end();
    expect(log).toEqual([]);
  });

  it("do_not_record: never starts the recorder, whatever the caller says or presses", () => {
    const { consent, log, starts } = consentFor("do_not_record");
    consent.begin();
    expect(consent.heard("yes")).toBeNull();
    expect(consent.key("1")).toBeNull();
    consent.end();
    expect(starts()).toBe(0);
    expect(consent.isRecording).toBe(false);
    expect(log).toEqual(['recording_off {"reason":"do_not_record"}']);
  });

  it("ask_consent: a spoken yes starts the recorder and is acknowledged; later turns change nothing", () => {
    const { consent, log, starts } = consentFor("ask_consent");
    consent.begin();
    expect(starts()).toBe(0);
    expect(consent.isAsking).toBe(true);
    expect(consent.heard("yes please")).toBe(CONSENT_LINES.given);
    expect(starts()).toBe(1);
    expect(consent.isRecording).toBe(true);
    expect(consent.heard("no")).toBeNull();
    expect(consent.key("2")).toBeNull();
    consent.end();
    expect(starts()).toBe(1);
    expect(log).toEqual(['recording_consent {"answer":"yes","via":"speech","isRecorded":true}']);
  });

  it("ask_consent: 1 on the keypad agrees, any other key declines", () => {
    const yes = consentFor("ask_consent");
    expect(yes.consent.key("1")).toBe(CONSENT_LINES.given);
    expect(yes.starts()).toBe(1);
    expect(yes.log).toEqual(['recording_consent {"answer":"yes","via":"keypad","isRecorded":true}']);
    const no = consentFor("ask_consent");
    expect(no.consent.key("2")).toBe(CONSENT_LINES.declined);
    expect(no.starts()).toBe(0);
    expect(no.consent.current).toBe("declined");
  });

  it("ask_consent: no, another request, or a hang-up without an answer leave the call unrecorded", () => {
    const no = consentFor("ask_consent");
    expect(no.consent.heard("no thanks")).toBe(CONSENT_LINES.declined);
    expect(no.log).toEqual(['recording_consent {"answer":"no","via":"speech","isRecorded":false}']);
    const other = consentFor("ask_consent");
    // The request goes on to the model as usual; the question counts as unanswered.
    expect(other.consent.heard("I'd like to book an appointment")).toBeNull();
    expect(other.consent.key("1")).toBeNull();
    expect(other.log).toEqual(['recording_consent {"answer":"none","via":"other_request","isRecorded":false}']);
    const silent = consentFor("ask_consent");
    silent.consent.end();
    expect(silent.log).toEqual(['recording_consent {"answer":"none","via":"hang_up","isRecorded":false}']);
    for (const c of [no, other, silent]) expect(c.starts()).toBe(0);
  });
});

describe("asking in the opening", () => {
  const base = { greeting: "Thanks for calling Acme Dental.", recordingMode: "ask_consent" as const };

  it("adds how to answer when the disclosure does not say it, and nothing when it does", () => {
    const plain = ZAgentConfig.parse({ ...base, disclosure: "This call may be recorded." });
    expect(consentPromptFor(plain)).toBe(CONSENT_LINES.prompt);
    expect(openingLine(plain, false)).toBe(`Thanks for calling Acme Dental. This call may be recorded. ${CONSENT_LINES.prompt}`);
    const asking = ZAgentConfig.parse({ ...base, disclosure: "This call may be recorded; say yes or press 1 to allow it." });
    expect(openingLine(asking, false)).toBe("Thanks for calling Acme Dental. This call may be recorded; say yes or press 1 to allow it.");
    const recording = ZAgentConfig.parse({ ...base, recordingMode: "record", disclosure: "This call is recorded." });
    expect(openingLine(recording, false)).toBe("Thanks for calling Acme Dental. This call is recorded.");
  });

  it("gives the offline recognizer the answers while asking, and only then", () => {
    const snapshot = (recordingMode: "record" | "ask_consent") => ({
      agentName: "Ava",
      teamName: "Acme",
      config: ZAgentConfig.parse({ ...base, recordingMode, disclosure: "Recorded." }),
      knowledge: [],
      departments: [],
    });
    expect(sttPhrasesFor(snapshot("ask_consent"))).toEqual(expect.arrayContaining(["yes you can record", "please don't record", "i consent"]));
    expect(sttPhrasesFor(snapshot("record"))).not.toContain("please don't record");
  });
});
