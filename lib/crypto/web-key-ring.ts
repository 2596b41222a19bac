import { env } from "@/lib/env";
import { masterKeyRingFromEnv, type TMasterKeyRing } from "./master-keys";
import { configureFieldEncryption, isFieldEncryptionConfigured } from "./team-fields";

// The web app's master key ring (ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS), built once from its validated env.
let cached: TMasterKeyRing | null | undefined;
export function webMasterKeys(): TMasterKeyRing | null {
  if (cached === undefined) cached = masterKeyRingFromEnv(env());
  return cached;
}

// Messages and captured fields are sealed under the teams' data keys with this ring (lib/crypto/team-fields.ts).
// instrumentation.ts sets it at start; the entry points make sure of it too, whichever bundle runs first.
export function ensureWebFieldEncryption(): void {
  if (!isFieldEncryptionConfigured()) configureFieldEncryption(webMasterKeys());
}
