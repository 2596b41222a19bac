"use client";
import { useRouter } from "next/navigation";

export function TeamSwitcher({ current, teams }: { current: string; teams: { slug: string; name: string }[] }) {
  const router = useRouter();
  return (
    <label className="block">
      <span className="sr-only">Switch team</span>
      <select
        value={current}
        onChange={(e) => router.push(e.target.value === "__new" ? "/teams/new" : `/t/${e.target.value}`)}
        className="w-full rounded-md border-0 bg-white py-1.5 pl-2 pr-8 text-sm font-medium ring-1 ring-slate-300"
      >
        {teams.map((t) => (
          <option key={t.slug} value={t.slug}>
            {t.name}
          </option>
        ))}
        <option value="__new">+ New team…</option>
      </select>
    </label>
  );
}
