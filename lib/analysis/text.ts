// Small text helpers shared by the local analyzer and topic clustering.

export const STOP_WORDS = new Set(
  (
    "a an the and or but if so of to in on at by for with from about as into over after before than then there here " +
    "i me my mine we us our you your he she it its they them their this that these those is am are was were be been being " +
    "do does did doing have has had having can could would should will shall may might must just also too very really " +
    "what which who whom whose when where why how all any some no not only own same such more most other " +
    "hi hello hey yes yeah yep okay ok please thanks thank like get got want wanted need needed know let " +
    "call calling called im i'm i'd i'll it's that's there's dont don't um uh well oh"
  ).split(" "),
);

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

// Crude stemming: enough to make "appointments"/"appointment" and "booking"/"book" meet.
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = w.slice(0, -3) + "y";
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  return w;
}

export function contentTokens(text: string): string[] {
  return words(text)
    .filter((w) => !STOP_WORDS.has(w) && w.length > 1)
    .map(stem);
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 0;
  let shared = 0;
  for (const x of sa) if (sb.has(x)) shared++;
  return shared / (sa.size + sb.size - shared);
}
