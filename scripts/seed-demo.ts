// `npm run seed:demo`: the demo team and its owner login (demo@example.com / demo-password) on DATABASE_URL.
// Development only: a known password on a production database is an open door. `npm run dev` runs it by itself.
import { closeDb, getDb } from "@/db/client";
import { DEMO_LOGIN, seedDemo } from "@/lib/demo/seed-demo";

if (process.env.NODE_ENV === "production") {
  console.error("seed:demo refuses to run with NODE_ENV=production: it creates a login with a published password.");
  process.exit(1);
}
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set. (`npm run dev` seeds the embedded database by itself.)");
  process.exit(1);
}
const seeded = await seedDemo(getDb(url));
await closeDb();
console.log(seeded.isCreated ? `Demo team created. Sign in as ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}` : "Demo team already there.");
