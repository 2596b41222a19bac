import { env } from "@/lib/env";
import { masterKeyRingFromEnv, type TMasterKeyRing } from "./master-keys";

// The web app's master key ring (ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS), built once from its validated env.
let cached: TMasterKeyRing | null | undefined;
export function webMasterKeys(): TMasterKeyRing | null {
  if (cached === undefined) cached = masterKeyRingFromEnv(env());
  return cached;
}
