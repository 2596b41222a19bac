import { AppError } from "@/lib/errors";

// JSON bodies of route handlers are small; 1 MB leaves room for the largest (an agent's draft with a 20,000
// character prompt) while a client cannot make the server buffer megabytes before it is refused.
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

// Reads the body as text, counting bytes as they stream in: an oversized body is refused (413) once the limit is
// passed, not after it has all been read. A Content-Length over the limit is refused before reading anything.
export async function readBodyText(request: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<string> {
  const tooLarge = () => new AppError("payload_too_large", `The request body is larger than ${formatBytes(maxBytes)}.`);
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// An empty body is `empty` (the caller's default); anything else must be JSON.
export async function readJsonBody(request: Request, empty: unknown = {}, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (!text.trim()) return empty;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

// For handlers that answer a body that is not JSON with their own message: keeps a 413, turns anything else into
// `fallback` for the handler's schema to reject.
export function rethrowTooLarge<T>(error: unknown, fallback: T): T {
  if (error instanceof AppError && error.code === "payload_too_large") throw error;
  return fallback;
}
