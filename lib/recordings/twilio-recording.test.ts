import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTwilioRest } from "@/tests/fakes/twilio-rest";
import { downloadTwilioRecording } from "./twilio-recording";

let twilio: FakeTwilioRest;
beforeAll(async () => {
  twilio = await FakeTwilioRest.start();
});
afterAll(async () => {
  await twilio.close();
});

const wav = Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(100, 1)]);

describe("downloadTwilioRecording", () => {
  it("fetches {RecordingUrl}.wav from the configured API base with the account's basic auth", async () => {
    const recording = twilio.addRecording({ audio: wav });
    expect(recording.url).toMatch(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC\w{32}\/Recordings\/RE\w{32}$/);
    const bytes = await downloadTwilioRecording({
      recordingUrl: recording.url,
      accountSid: twilio.mainAccount.sid,
      authToken: twilio.mainAccount.authToken,
      apiBaseUrl: twilio.url,
    });
    expect(Buffer.from(bytes).equals(wav)).toBe(true);
  });

  it("refuses wrong credentials, other accounts' recordings, foreign URLs and non-WAV bodies", async () => {
    const recording = twilio.addRecording({ audio: wav });
    const base = {
      accountSid: twilio.mainAccount.sid,
      authToken: twilio.mainAccount.authToken,
      apiBaseUrl: twilio.url,
      notReadyRetries: 0,
    };
    await expect(downloadTwilioRecording({ ...base, recordingUrl: recording.url, authToken: "wrong" })).rejects.toThrow(
      /answered 401/,
    );
    await expect(
      downloadTwilioRecording({
        ...base,
        recordingUrl: recording.url.replace(twilio.mainAccount.sid, `AC${"b".repeat(32)}`),
      }),
    ).rejects.toThrow(/another Twilio account/);
    await expect(downloadTwilioRecording({ ...base, recordingUrl: "https://evil.example/steal" })).rejects.toThrow(
      /not a Twilio recording/,
    );
    await expect(
      downloadTwilioRecording({ ...base, recordingUrl: `${recording.url.slice(0, -34)}RE${"0".repeat(32)}` }),
    ).rejects.toThrow(/answered 404/);
    const notWav = twilio.addRecording({ audio: Buffer.from("ID3 this is an mp3") });
    await expect(downloadTwilioRecording({ ...base, recordingUrl: notWav.url })).rejects.toThrow(/not a WAV file/);
  });

  it("waits for a recording that is not ready yet", async () => {
    const recording = twilio.addRecording({ audio: wav });
    twilio.faults.push({ status: 404, code: 20404, message: "not yet" }, 1, (r) =>
      r.path.endsWith(`${recording.sid}.wav`),
    );
    const bytes = await downloadTwilioRecording({
      recordingUrl: recording.url,
      accountSid: twilio.mainAccount.sid,
      authToken: twilio.mainAccount.authToken,
      apiBaseUrl: twilio.url,
      retryDelayMs: 10,
    });
    expect(bytes.length).toBe(wav.length);
  });
});
