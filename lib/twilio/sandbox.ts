// The local sandbox account the voice server signs with when no Twilio credentials are configured
// (voice-server/env.ts). `npm run dev` points every process at a local fake Twilio REST API under it.
export const SANDBOX_TWILIO = {
  accountSid: "AC00000000000000000000000000000000",
  authToken: "local-dev-auth-token",
} as const;
