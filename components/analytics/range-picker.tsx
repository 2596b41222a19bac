import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";

// Presets are links and the custom range a GET form, so the range always lives in the URL and works without JS.
export function RangePicker({ basePath, preset, from, to }: { basePath: string; preset: number | null; from: string; to: string }) {
  return (
    <div className="mb-6 flex flex-wrap items-end gap-3">
      <nav aria-label="Date range" className="flex gap-1 rounded-md bg-slate-100 p-1">
        {[7, 30, 90].map((days) => (
          <Link
            key={days}
            href={`${basePath}?range=${days}`}
            aria-current={preset === days ? "page" : undefined}
            className={`rounded px-3 py-1.5 text-sm font-medium ${preset === days ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"}`}
          >
            Last {days} days
          </Link>
        ))}
      </nav>
      <form method="get" action={basePath} className="flex flex-wrap items-end gap-2">
        <label className="text-xs font-medium text-slate-600">
          From
          <input type="date" name="from" defaultValue={from} required className="mt-1 block rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-inset ring-slate-300" />
        </label>
        <label className="text-xs font-medium text-slate-600">
          To
          <input type="date" name="to" defaultValue={to} required className="mt-1 block rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-inset ring-slate-300" />
        </label>
        <button type="submit" className={buttonClass("secondary")}>
          Apply
        </button>
      </form>
    </div>
  );
}
