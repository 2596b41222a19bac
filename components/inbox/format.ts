import { parseStoredMessage } from "@/lib/analysis/capture-fields";

export const STATUS_LABEL: Record<string, string> = { new: "New", assigned: "Assigned", handled: "Handled", spam: "Spam" };
export const STATUS_TONE: Record<string, "brand" | "amber" | "green" | "slate"> = { new: "brand", assigned: "amber", handled: "green", spam: "slate" };

// A stored message for people: the text, then its captured details as "Preferred day: Tuesday" (stored as
// "preferred_day: Tuesday", which the analyzer reads back), without the details that only repeat the name or
// callback number shown beside it.
export function readableMessage(text: string, shown: { callerName?: string | null; callbackNumber?: string | null }): string {
  const { body, details } = parseStoredMessage(text);
  const repeats = new Set([shown.callerName, shown.callbackNumber].map((v) => (v ?? "").trim().toLowerCase()).filter(Boolean));
  const lines = Object.entries(details)
    .filter(([, v]) => !repeats.has(v.trim().toLowerCase()))
    .map(([k, v]) => `${detailLabel(k)}: ${v}`);
  return lines.length > 0 ? `${body}\n\n${lines.join("\n")}` : body;
}

function detailLabel(key: string): string {
  const words = key.replace(/_+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
