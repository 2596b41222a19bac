// `npm run keys:rotate`: re-wraps every team's data key under the current master key (ENCRYPTION_KEY), unwrapping
// with whichever key of ENCRYPTION_KEY_PREVIOUS wrapped it, and re-seals the stored secrets (team Twilio tokens,
// webhook signing secrets) the same way. Recordings are not touched: their data keys stay the same. Safe to run
// again (it does only what is left) and while the app runs. Rotation: put the new key in ENCRYPTION_KEY and the old
// one in ENCRYPTION_KEY_PREVIOUS on every process, restart them, run this, then remove the old key.
import { createDb } from "@/db/client";
import { masterKeysInUse, rewrapDataKeys } from "@/lib/crypto/data-keys";
import { resealSecrets } from "@/lib/crypto/reseal-secrets";
import { EnvError } from "@/lib/config/parse-env";
import { loadWorkerEnv } from "@/worker/env";

async function main(): Promise<number> {
  let env;
  try {
    env = loadWorkerEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`keys:rotate: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (!env.masterKeys) {
    console.error("keys:rotate: set ENCRYPTION_KEY (the new master key) and ENCRYPTION_KEY_PREVIOUS (the old ones).");
    return 1;
  }
  const { db, sql } = createDb(env.databaseUrl, { max: 2 });
  try {
    const result = await rewrapDataKeys(db, env.masterKeys);
    const inUse = await masterKeysInUse(db);
    console.log(`keys:rotate: current master key ${env.masterKeys.current.id}; ${result.rewrapped} data key(s) re-wrapped, ${result.alreadyCurrent} already current.`);
    const secrets = env.secretKey ? await resealSecrets(db, env.secretKey) : { resealed: 0, unreadable: 0 };
    console.log(`keys:rotate: ${secrets.resealed} stored secret(s) re-sealed.`);
    if (secrets.unreadable > 0) {
      console.error(`keys:rotate: ${secrets.unreadable} stored secret(s) open with no configured key; add the key that sealed them to ENCRYPTION_KEY_PREVIOUS.`);
      return 1;
    }
    const stale = inUse.filter((k) => k.masterKeyId !== env.masterKeys!.current.id);
    if (stale.length > 0) {
      console.error(`keys:rotate: still wrapped by other master keys: ${stale.map((k) => `${k.masterKeyId} (${k.keys})`).join(", ")}`);
      return 1;
    }
    console.log("keys:rotate: every data key is wrapped by the current master key; ENCRYPTION_KEY_PREVIOUS can be removed.");
    return 0;
  } catch (error) {
    console.error(`keys:rotate failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

process.exit(await main());
