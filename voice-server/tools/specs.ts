// Kept for the offline engine (voice-server/providers/llm/offline.ts), which another change owns: the tools now
// live one per file beside this one, listed in registry.ts. New code imports from those files.
export { normalizePhoneNumber } from "./phone-number";
export { toolSpecsFor, validateToolCall } from "./registry";
export { isToolFailure, toolErrorResult } from "./types";
