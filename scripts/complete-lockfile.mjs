// After changing dependencies: `node scripts/complete-lockfile.mjs`. The registry mirror this project is built
// against serves only linux-x64 builds of platform packages, so npm cannot record the other platforms' optional
// packages in the lock, and `npm ci` then rejects the lock as out of sync. This adds version-only entries for them;
// npm skips them on install (an optional package that fails to fetch is not an error).
import fs from "node:fs";
const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${key ? key + "/" : ""}node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    lock.packages[top] = { version: spec.replace(/^[\^~=]/, ""), dev: entry.dev, optional: true };
    if (!entry.dev) delete lock.packages[top].dev;
    added++;
  }
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} entries`);
