// Fixed local ports for the end-to-end stack, away from `npm run dev`'s (3000, 3001, 54329).
export const E2E = {
  baseUrl: "http://localhost:3100",
  webPort: 3100,
  voicePort: 3101,
  pgPort: 54339,
  // The fake Twilio REST API (tests/fakes/twilio-rest.ts) both servers talk to, under an account of the stack's
  // own: the stack runs the production build, which refuses the development sandbox account.
  twilioPort: 3102,
  twilioUrl: "http://127.0.0.1:3102",
  twilioAccountSid: `AC${"e2e0".repeat(8)}`,
  twilioAuthToken: "e2e-platform-auth-token",
  databaseUrl: "postgres://postgres:postgres@127.0.0.1:54339/app",
  // RECORDINGS_DIR of both servers, so specs can put recordings where the web app streams them from.
  recordingsDir: "/tmp/aica-e2e-recordings",
  authSecret: "e2e-secret-e2e-secret-e2e-secret-e2e-secret",
  encryptionKey: Buffer.alloc(32, 0xe2).toString("base64"),
} as const;
