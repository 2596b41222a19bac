import type { HttpOptions } from "@google/genai";
import { nodeHttpFetch } from "./node-http-fetch";

// `@google/genai` 3 talks to the Gemini API's `v1` by default (2.x used `v1beta`). What we send (function
// declarations as `parametersJsonSchema`, `thinkingConfig`, thought signatures, `responseSchema`) and the preview
// models are documented on `v1beta`, so both clients pin it rather than follow the SDK's default.
export const GEMINI_API_VERSION = "v1beta";

export function geminiHttpOptions(baseUrl: string | undefined): HttpOptions {
  return { fetch: nodeHttpFetch, apiVersion: GEMINI_API_VERSION, ...(baseUrl ? { baseUrl } : {}) };
}
