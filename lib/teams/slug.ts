import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { teams } from "@/db/schema";

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return base || "team";
}

// A slug not yet taken: "acme", then "acme-2", "acme-3"... (the unique index still guards races).
export async function uniqueTeamSlug(db: DbOrTx, name: string): Promise<string> {
  const base = slugify(name);
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    const taken = await db.select({ id: teams.id }).from(teams).where(eq(teams.slug, candidate)).limit(1);
    if (taken.length === 0) return candidate;
  }
  return `${base}-${crypto.randomUUID().slice(0, 8)}`;
}
