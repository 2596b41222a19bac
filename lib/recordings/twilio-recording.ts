// Downloads a recording Twilio made (the <Record> voicemail) as WAV: `{RecordingUrl}.wav` with HTTP basic auth of
// the account that owns it. The URL comes from a signed webhook, but only its path is used: the request goes to
// the configured REST API base, so the account's credentials never leave for another host.

const RECORDING_PATH =
  /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Recordings\/(RE[0-9a-fA-F]{32})(?:\.(?:wav|mp3|json))?$/;

export type TDownloadRecordingInput = {
  recordingUrl: string;
  accountSid: string;
  authToken: string;
  // https://api.twilio.com, or TWILIO_API_BASE_URL (the local fake).
  apiBaseUrl: string;
  timeoutMs?: number;
  maxBytes?: number;
  // Twilio may answer 404 for a moment after the <Record> action fires.
  notReadyRetries?: number;
  retryDelayMs?: number;
};

export async function downloadTwilioRecording(input: TDownloadRecordingInput): Promise<Uint8Array> {
  let pathname: string;
  try {
    pathname = new URL(input.recordingUrl).pathname;
  } catch {
    throw new Error(`RecordingUrl is not a URL: ${input.recordingUrl.slice(0, 200)}`);
  }
  const match = RECORDING_PATH.exec(pathname);
  if (!match) throw new Error(`RecordingUrl is not a Twilio recording: ${input.recordingUrl.slice(0, 200)}`);
  if (match[1] !== input.accountSid) throw new Error("RecordingUrl belongs to another Twilio account");
  const url = `${input.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${match[1]}/Recordings/${match[2]}.wav`;
  const maxBytes = input.maxBytes ?? 100 * 1024 * 1024;
  const signal = AbortSignal.timeout(input.timeoutMs ?? 10_000);
  const authorization = `Basic ${Buffer.from(`${input.accountSid}:${input.authToken}`).toString("base64")}`;
  const retries = input.notReadyRetries ?? 2;
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers: { authorization, accept: "audio/wav" }, signal });
    if (response.status === 404 && attempt < retries) {
      await response.body?.cancel();
      await new Promise((r) => setTimeout(r, input.retryDelayMs ?? 1_000));
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`Twilio answered ${response.status} for the recording ${match[2]}`);
    }
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > maxBytes) {
      await response.body?.cancel();
      throw new Error(`the recording is larger than ${maxBytes} bytes`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new Error(`the recording is larger than ${maxBytes} bytes`);
    const text = Buffer.from(bytes.subarray(0, 12)).toString("latin1");
    if (!text.startsWith("RIFF") || text.slice(8, 12) !== "WAVE")
      throw new Error("the recording Twilio returned is not a WAV file");
    return bytes;
  }
}
