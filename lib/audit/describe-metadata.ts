// Audit metadata as short readable lines: "field: old → new" for changes, "key: value" otherwise.
export function describeAuditMetadata(metadata: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (key === "changes" && value && typeof value === "object") {
      for (const [field, change] of Object.entries(value as Record<string, { from?: unknown; to?: unknown }>)) {
        lines.push(`${field}: ${show(change?.from)} → ${show(change?.to)}`);
      }
    } else {
      lines.push(`${key}: ${show(value)}`);
    }
  }
  return lines;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}
