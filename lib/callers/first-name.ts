// The first name the agent may greet a returning caller with: the first word of the stored name, when it reads
// like a name (letters, apostrophes, hyphens). Anything else (a company, "unknown", digits) gets no name.
export function firstNameOf(name: string): string | null {
  const first = name.trim().split(/\s+/)[0] ?? "";
  if (!/^\p{L}[\p{L}'’-]{0,29}$/u.test(first)) return null;
  if (/^(unknown|caller|anonymous|n\/?a|none|mr|mrs|ms|dr)\.?$/i.test(first)) return null;
  return first.charAt(0).toUpperCase() + first.slice(1);
}
