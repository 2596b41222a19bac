// Digits with an optional leading "+"; spaces, dashes, dots and brackets are dropped first.
export function normalizePhoneNumber(raw: string): string | null {
  const trimmed = raw.trim();
  const hasPlus = trimmed.startsWith("+");
  const digits = trimmed.replace(/[\s\-()./]/g, "").replace(/^\+/, "");
  if (!/^[0-9]{7,15}$/.test(digits)) return null;
  return (hasPlus ? "+" : "") + digits;
}
