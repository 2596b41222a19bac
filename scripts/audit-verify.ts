// `npm run audit:verify [-- --team <slug>]`: walks every team's audit hash chain (lib/audit/chain.ts) and reports
// the first broken link of each. Exits 1 when any chain is broken, so it can run from cron or CI.
import { eq } from "drizzle-orm";
import { createDb } from "@/db/client";
import { teams } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/chain";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set.");
  process.exit(1);
}
const teamArg = process.argv.indexOf("--team");
const slug = teamArg >= 0 ? process.argv[teamArg + 1] : undefined;
const { db, sql } = createDb(url, { max: 2 });
let isBroken = false;
try {
  const list = await db.select({ id: teams.id, slug: teams.slug }).from(teams).where(slug ? eq(teams.slug, slug) : undefined).orderBy(teams.slug);
  if (slug && list.length === 0) {
    console.error(`audit:verify: no team with slug "${slug}".`);
    process.exitCode = 1;
  }
  for (const team of list) {
    const result = await verifyAuditChain(db, team.id);
    const legacy = result.unchained ? ` (${result.unchained} older entries predate the chain)` : "";
    if (result.isIntact) {
      console.log(`audit:verify: ${team.slug}: intact, ${result.checked} entries${legacy}`);
    } else {
      isBroken = true;
      const b = result.firstBroken!;
      console.log(`audit:verify: ${team.slug}: BROKEN at entry ${b.seq}${b.id ? ` (id ${b.id}, ${b.createdAt?.toISOString()})` : ""}: ${b.reason}`);
    }
  }
} catch (error) {
  console.error(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
if (isBroken) process.exitCode = 1;
