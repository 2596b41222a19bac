export const STATUS_LABEL: Record<string, string> = { new: "New", assigned: "Assigned", handled: "Handled", spam: "Spam" };
export const STATUS_TONE: Record<string, "brand" | "amber" | "green" | "slate"> = { new: "brand", assigned: "amber", handled: "green", spam: "slate" };
