// `npm run data:encrypt-fields`: seals the messages and captured fields still stored as plain text (written before
// field encryption, or by a development process without a key) under each team's data key. The worker does the
// same at every start; this runs it by hand and says how many rows it changed. Safe to run again and while the app
// runs.
import { createDb } from "@/db/client";
import { EnvError } from "@/lib/config/parse-env";
import { encryptExistingFields } from "@/lib/crypto/encrypt-existing-fields";
import { configureFieldEncryption } from "@/lib/crypto/team-fields";
import { loadWorkerEnv } from "@/worker/env";

async function main(): Promise<number> {
  let env;
  try {
    env = loadWorkerEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`data:encrypt-fields: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (!env.masterKeys) {
    console.error("data:encrypt-fields: set ENCRYPTION_KEY (the master key that wraps the teams' data keys).");
    return 1;
  }
  configureFieldEncryption(env.masterKeys);
  const { db, sql } = createDb(env.databaseUrl, { max: 2 });
  try {
    const result = await encryptExistingFields(db, env.masterKeys);
    console.log(`data:encrypt-fields: ${result.messages} message(s) and ${result.calls} call(s) with captured fields sealed.`);
    return 0;
  } catch (error) {
    console.error(`data:encrypt-fields failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

process.exit(await main());
