export type TDistribution = { count: number; min: number; p50: number; p95: number; p99: number; max: number; mean: number };

// Nearest-rank percentile: always a value that was actually observed.
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function distribution(values: readonly number[]): TDistribution | null {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    min: round(sorted[0]!),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}

export function formatDistribution(d: TDistribution | null, unit = "ms"): string {
  if (!d) return "n/a";
  return `p50 ${d.p50} ${unit}, p95 ${d.p95} ${unit}, p99 ${d.p99} ${unit} (min ${d.min}, max ${d.max}, n=${d.count})`;
}
