import type { THourOfWeekCell } from "@/lib/analytics/queries";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

// Calls by weekday and hour in the team's zone; darker is busier. A plain grid: 168 cells read better as a table
// than a chart.
export function HourHeatmap({ cells, zone }: { cells: THourOfWeekCell[]; zone: string }) {
  const max = Math.max(1, ...cells.map((c) => c.calls));
  const at = new Map(cells.map((c) => [`${c.dow}:${c.hour}`, c.calls]));
  return (
    <div className="overflow-x-auto">
      <table className="border-separate border-spacing-0.5 text-[10px] text-slate-500" aria-label={`Calls by hour of week (${zone})`}>
        <thead>
          <tr>
            <th />
            {Array.from({ length: 24 }, (_, h) => (
              <th key={h} scope="col" className="w-5 font-normal">
                {h % 3 === 0 ? h : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {DAYS.map((label, dow) => (
            <tr key={label}>
              <th scope="row" className="pr-1 text-right font-normal">
                {label}
              </th>
              {Array.from({ length: 24 }, (_, h) => {
                const n = at.get(`${dow}:${h}`) ?? 0;
                return (
                  <td
                    key={h}
                    title={`${label} ${String(h).padStart(2, "0")}:00 ${zone}: ${n} calls`}
                    className="h-5 w-5 rounded-sm"
                    style={{ backgroundColor: n === 0 ? "#f1f5f9" : `rgba(79, 70, 229, ${0.15 + 0.85 * (n / max)})` }}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
