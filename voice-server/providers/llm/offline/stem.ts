// Forms no suffix rule reaches, folded to the form the rules give the regular word ("teeth" is "tooth", "paid" is
// "pay"): a caller says "my teeth" where the business wrote "a broken tooth".
const IRREGULAR: Record<string, string> = Object.fromEntries(
  (
    "teeth:tooth|feet:foot|children:child|people:person|men:man|women:woman|wives:wife|knives:knife|paid:pay|" +
    "bought:buy|sold:sell|sent:send|fell:fall|fallen:fall|bled:bleed|broke:break|broken:break|spoke:speak|" +
    "spoken:speak|swollen:swell|froze:freeze|frozen:freeze|lost:lose|rang:ring|wrote:write|written:write"
  )
    .split("|")
    .map((pair) => pair.split(":") as [string, string]),
);

// A small Porter-style suffix stripper: enough to fold "opening/opens/opened" and "prices/pricing" together.
export function stem(word: string): string {
  let w = IRREGULAR[word] ?? word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ["ing", "ed"]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      const base = w.slice(0, -suffix.length);
      if (/[aeiouy]/.test(base)) {
        w = /([^aeiouylsz])\1$/.test(base) ? base.slice(0, -1) : base;
        break;
      }
    }
  }
  const rules: Array<[string, string, number]> = [
    ["ational", "ate", 3],
    ["tional", "tion", 3],
    ["ization", "ize", 3],
    ["ation", "ate", 3],
    ["ator", "ate", 3],
    ["iveness", "ive", 3],
    ["fulness", "ful", 3],
    ["ousness", "ous", 3],
    ["ment", "", 4],
    ["ness", "", 4],
  ];
  for (const [suffix, replacement, minStem] of rules) {
    if (w.endsWith(suffix) && w.length - suffix.length >= minStem) {
      w = w.slice(0, -suffix.length) + replacement;
      break;
    }
  }
  if (w.length > 5 && w.endsWith("ly") && !/[aeiou]ly$/.test(w)) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}
