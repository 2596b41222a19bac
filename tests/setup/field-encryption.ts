import { randomBytes } from "node:crypto";
import { masterKeyRing } from "@/lib/crypto/master-keys";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";

// Each test file's process seals messages and captured fields under its own random master key, as every
// production process does under ENCRYPTION_KEY (a voice server a test starts configures its own from its env).
configureFieldEncryption(masterKeyRing(randomBytes(32)));
