// North American numbers 555-0100 to 555-0199 are reserved for fiction; the agent templates use them as example
// department numbers. Pure, so the builder's client components can use it too.
export function isFictionalNumber(e164: string): boolean {
  return /^\+1\d{3}55501\d{2}$/.test(e164);
}
