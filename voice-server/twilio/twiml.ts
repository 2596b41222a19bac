import twilio from "twilio";

// The TwiML the voice webhook answers with. Spoken messages use Twilio's own TTS: these calls never reach the
// agent, so no provider of ours is involved.

const SAY = { voice: "Polly.Joanna" as const, language: "en-US" as const };

export function sayAndHangUp(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(SAY, message);
  response.hangup();
  return response.toString();
}

// Voicemail: Twilio records after the beep and posts the recording to `action`.
export function sayAndRecord(message: string, action: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(SAY, message);
  response.record({ action, method: "POST", maxLength: 120, timeout: 5, playBeep: true, finishOnKey: "#", transcribe: false });
  response.say(SAY, "We didn't get a message. Goodbye.");
  response.hangup();
  return response.toString();
}

export function connectStream(streamUrl: string, parameters: Record<string, string>): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: streamUrl });
  for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
  // Reached when our side closes the stream (the agent ended the call).
  response.hangup();
  return response.toString();
}

export function emptyResponse(): string {
  return new twilio.twiml.VoiceResponse().toString();
}

// A VIP caller straight to a department's number, presenting the called number as caller ID.
export function dialNumber(e164: string, callerId: string | undefined, message?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (message) response.say(SAY, message);
  response.dial({ callerId, answerOnBridge: true, timeout: 30 }).number(e164);
  return response.toString();
}
