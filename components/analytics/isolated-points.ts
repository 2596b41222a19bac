// A line needs two values to draw anything, so the only day with a value would be invisible; and a day with a value
// between two days without one is only a bend in a line joined across the gaps. Those points get a dot, so the
// chart shows which days really had data.
export function isolatedPoints(values: readonly (number | null | undefined)[]): Set<number> {
  const has = (i: number) => i >= 0 && i < values.length && values[i] !== null && values[i] !== undefined;
  const out = new Set<number>();
  for (let i = 0; i < values.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) out.add(i);
  return out;
}
